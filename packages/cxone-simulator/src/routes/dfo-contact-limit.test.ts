// The per-contact update limit NICE documents for the digital API (250 burst, 17 a minute refill):
// past it, a message to that contact is refused 429 with Retry-After and nothing is written, while
// other contacts go on; the bucket refills with time.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { configureDfo, DFO_DEFAULTS } from '../dfo-config.js';
import { type DfoContact, listDfoContacts } from '../dfo-data.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let nowMs = Date.parse('2026-10-20T12:00:00Z');
let contacts: DfoContact[];

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, contacts: 200, now: () => new Date(nowMs) });
  token = await demoToken(sim);
  contacts = listDfoContacts(sim.dataset, 1000).filter((c) => c.channel.kind === 'native');
});
afterAll(() => sim.stop());

const reply = (contact: DfoContact, text: string) =>
  fetch(`${sim.url}/dfo/3.0/channels/${contact.channel.id}/outbound`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
      messageContent: { type: 'TEXT', payload: { text } },
      recipients: [],
    }),
  });

const messages = async (contact: DfoContact) =>
  (
    (await (
      await fetch(`${sim.url}/dfo/3.0/contacts/${contact.contactNumber}/messages`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      })
    ).json()) as { hits: number }
  ).hits;

it('defaults to the documented 250 burst and 17 a minute', () => {
  expect(DFO_DEFAULTS).toMatchObject({ contactUpdateBurst: 250, contactUpdatesPerMinute: 17 });
  expect(() => configureDfo(sim.url, { contactUpdateBurst: 0 })).toThrow(/contactUpdateBurst/);
});

it('refuses the update past the burst with 429 and Retry-After, other contacts unaffected, refilled in time', async () => {
  configureDfo(sim.url, { contactUpdateBurst: 3, contactUpdatesPerMinute: 6 });
  try {
    const [busy, other] = contacts as [DfoContact, DfoContact];
    const before = await messages(busy);
    for (let i = 0; i < 3; i++) expect((await reply(busy, `m${i}`)).status).toBe(200);
    const refused = await reply(busy, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10'); // one token every 10 s at 6 a minute
    const body = (await refused.json()) as { errors: { errorCode: string }[]; uid: string };
    expect(body.errors[0]?.errorCode).toBe('TooManyRequests');
    expect(await messages(busy)).toBe(before + 3);
    expect((await reply(other, 'fine')).status).toBe(200);
    nowMs += 9_000;
    expect((await reply(busy, 'still early')).status).toBe(429);
    nowMs += 1_000;
    expect((await reply(busy, 'refilled')).status).toBe(200);
    expect(await messages(busy)).toBe(before + 4);
  } finally {
    configureDfo(sim.url, { contactUpdateBurst: 250, contactUpdatesPerMinute: 17 });
  }
});
