// The simulator's contact listing, the way a client pages through it: one client, pages of
// 10,000, each page fetched and parsed. The simulator is a test tool; it must serve faster than
// the pipeline archives, or the end-to-end figures measure the simulator instead of cxarchive.
// `--json` prints one JSON object per figure. Figures only: nothing here asserts a time.
import { performance } from 'node:perf_hooks';
import { startSimulator } from '@cxarchive/cxone-simulator';

const CONTACTS = Number(process.env.BENCH_SIM_CONTACTS ?? 100_000);
const PAGE = 10_000;
const GOAL = 40_000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const JSON_OUTPUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';

/** The demo API user's bearer token. */
const token = async (sim) => {
  const response = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: sim.credentials.accessKeyId,
      password: sim.credentials.accessKeySecret,
      client_id: sim.credentials.clientId,
      client_secret: sim.credentials.clientSecret,
    }),
  });
  if (response.status !== 200) throw new Error(`token: HTTP ${response.status}`);
  return (await response.json()).access_token;
};

/** Pages through every contact as source-cxone asks for them; the contacts read and the seconds. */
const list = async (sim, bearer) => {
  let url =
    `${sim.url}/incontactapi/services/v33.0/contacts/completed?updatedSince=2026-01-01T00:00:00Z` +
    `&orderBy=lastUpdateTime%20asc&skip=0&top=${PAGE}`;
  let contacts = 0;
  const started = performance.now();
  while (url) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    });
    if (response.status === 204) break;
    if (response.status !== 200) throw new Error(`listing: HTTP ${response.status}`);
    const page = await response.json();
    contacts += page.completedContacts.length;
    url = page._links.next;
  }
  return { contacts, seconds: (performance.now() - started) / 1000 };
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Each run starts a new simulator: its first listing evaluates the query and serialises every
// contact; the second asks for the same pages again (the query's positions and whatever the
// bounded cache of serialised contacts still holds are reused).
const first = [];
const again = [];
for (let run = 0; run < REPEATS; run++) {
  const sim = await startSimulator({ seed: 42, contacts: CONTACTS });
  try {
    const bearer = await token(sim);
    const cold = await list(sim, bearer);
    const warm = await list(sim, bearer);
    if (cold.contacts !== CONTACTS || warm.contacts !== CONTACTS)
      throw new Error(`listed ${cold.contacts} and ${warm.contacts} contacts, expected ${CONTACTS}`);
    first.push(CONTACTS / cold.seconds);
    again.push(CONTACTS / warm.seconds);
  } finally {
    await sim.stop();
  }
}

const figures = [
  { name: 'simulator listing, first pass', value: median(first) },
  { name: 'simulator listing, same pages again', value: median(again) },
];
if (JSON_OUTPUT) {
  for (const figure of figures)
    console.log(
      JSON.stringify({
        bench: 'simulator',
        name: figure.name,
        value: Math.round(figure.value),
        unit: 'contacts/s',
        goal: GOAL,
        contacts: CONTACTS,
        pageSize: PAGE,
      }),
    );
} else {
  console.log(
    `simulator listing: ${CONTACTS} contacts, one client, pages of ${PAGE} fetched and parsed, median of ${REPEATS} runs, Node ${process.version}`,
  );
  for (const figure of figures)
    console.log(
      `${figure.name.padEnd(38)} ${Math.round(figure.value).toLocaleString('en-US').padStart(9)} contacts/s   goal ≥ ${GOAL.toLocaleString('en-US')}`,
    );
}
