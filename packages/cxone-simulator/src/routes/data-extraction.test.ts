import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { CSV_COLUMNS, configureDataExtraction } from '../data-extraction.js';
import type { SimContact } from '../dataset.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let now = Date.parse('2026-10-20T12:00:00Z');

beforeAll(async () => {
  // The router's 1 call / 30 s budget is tested elsewhere; here every call goes through.
  sim = await startSimulator({
    seed: 7,
    contacts: 300,
    now: () => new Date(now),
    budgets: { 'data-extraction': false },
  });
  configureDataExtraction(sim.url, { jobRunMs: 8000 });
  token = await demoToken(sim);
});
afterAll(() => sim.stop());
beforeEach(async () => {
  now += 86_400_000 * 3; // past any earlier job's life
  token = await demoToken(sim);
});

const api = (path: string, init: RequestInit = {}, auth = true) =>
  fetch(`${sim.url}/data-extraction/v1/${path}`, {
    ...init,
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
    },
  });
const submit = (body: Record<string, unknown>, path = 'jobs') =>
  api(path, { method: 'POST', body: JSON.stringify(body) });
const JOB = {
  entityName: 'recording-interaction-metadata',
  version: '7',
  startDate: '2026-10-03',
  endDate: '2026-10-05',
};

interface JobStatusBody {
  jobStatus: { id: string; status: string; result: { url: string | null; errorMessage: string | null } };
}
const status = async (id: string) => (await (await api(`jobs/${id}`)).json()) as JobStatusBody;

/** A minimal RFC 4180 reader for the test: quoted fields, doubled quotes, CRLF. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  for (const line of text.split('\r\n').filter((l) => l !== '')) {
    const fields: string[] = [];
    for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      fields.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
      if (m[2] === '') break;
    }
    rows.push(fields);
  }
  return rows;
};

const recordedMastersBetween = (from: string, to: string): SimContact[] =>
  sim.dataset.contacts.filter(
    (c) =>
      c.contactId === c.masterContactId &&
      sim.dataset.recordings.get(c.contactId) !== undefined &&
      Date.parse(c.contactStartDate) >= Date.parse(from) &&
      Date.parse(c.contactStartDate) < Date.parse(to),
  );

describe('Data Extraction jobs', () => {
  it('runs a job: 202 with the id as a JSON string, RUNNING, then SUCCEEDED with a 30-second CSV URL', async () => {
    const created = await submit(JOB);
    expect(created.status).toBe(202);
    const id = (await created.json()) as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await status(id)).jobStatus).toEqual({
      id,
      status: 'RUNNING',
      result: { url: null, errorMessage: null },
    });
    const list = (await (await api('jobs')).json()) as { jobs: { id: string; status: string }[] };
    expect(list.jobs).toContainEqual({ id, status: 'RUNNING' });

    now += 8000;
    const done = await status(id);
    expect(done.jobStatus.status).toBe('SUCCEEDED');
    const url = done.jobStatus.result.url as string;
    // On the storage (media) origin, never the API's: a client that sends its bearer to the API
    // host must not send it here. The API origin does not serve the path.
    expect(new URL(url).origin).toBe(sim.mediaUrl);
    expect(new URL(url).origin).not.toBe(sim.url);
    const onApi = `${sim.url}${new URL(url).pathname}${new URL(url).search}`;
    expect((await fetch(onApi)).status).toBe(404);
    const csv = await fetch(url); // a pre-signed URL: no bearer
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(Number(csv.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...CSV_COLUMNS]);
    const expected = recordedMastersBetween('2026-10-03T00:00:00Z', '2026-10-05T00:00:00Z');
    expect(expected.length).toBeGreaterThan(5);
    expect(rows.map((r) => r[0])).toEqual(expected.map((c) => c.contactId));
    for (const [index, row] of rows.entries()) {
      const contact = expected[index]!;
      expect(row[1]).toBe(sim.dataset.recordings.get(contact.contactId)?.startTime);
      expect(row[5]).toBe(`${contact.lastName}, ${contact.firstName}`); // a quoted field with a comma
      expect(row[6]).toBe(contact.skillName);
      expect(row[8]).toBe('Success');
    }

    // 30 seconds later the URL has expired; a fresh status read signs a new one.
    now += 30_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toBe('Request has expired');
    const fresh = (await status(id)).jobStatus.result.url as string;
    expect(fresh).not.toBe(url);
    expect((await fetch(fresh)).status).toBe(200);
    const tampered = fresh.replace(
      /signature=([0-9a-f])/,
      (_, c: string) => `signature=${c === '0' ? '1' : '0'}`,
    );
    expect((await fetch(tampered)).status).toBe(403);

    // 24 hours after it finished the result is gone.
    now += 86_400_000;
    token = await demoToken(sim);
    const gone = await status(id);
    expect(gone.jobStatus.status).toBe('EXPIRED');
    expect(gone.jobStatus.result.url).toBeNull();
    expect((await fetch(fresh)).status).toBe(403);
  });

  it('refuses a second job while one runs (one caller per tenant), and accepts one after', async () => {
    const first = await submit(JOB);
    expect(first.status).toBe(202);
    const second = await submit(JOB);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { message: string }).message).toMatch(/still running/);
    const sync = await submit(JOB, 'jobs/sync');
    expect(sync.status).toBe(409);
    now += 8000;
    expect((await submit(JOB)).status).toBe(202);
  });

  it('marks a recording not yet processed when the job ran "In Progress", not Success', async () => {
    const saved = now;
    const late = await startSimulator({
      seed: 7,
      contacts: 300,
      now: () => new Date(now),
      budgets: { 'data-extraction': false },
      recordingDelaySeconds: 3600,
    });
    try {
      const lateToken = await demoToken(late);
      const master = late.dataset.contacts.find(
        (c) =>
          late.dataset.recordings.get(c.masterContactId) !== undefined && c.contactId === c.masterContactId,
      )!;
      const ended = Date.parse(late.dataset.recordings.get(master.contactId)!.endTime);
      const day = master.contactStartDate.slice(0, 10);
      const at = (ms: number) => {
        now = ms;
      };
      const run = async () => {
        const res = await fetch(`${late.url}/data-extraction/v1/jobs/sync`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${lateToken}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({
            ...JOB,
            startDate: day,
            endDate: new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10),
          }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as JobStatusBody;
        expect(body.jobStatus.status).toBe('SUCCEEDED');
        const rows = parseCsv(await (await fetch(body.jobStatus.result.url as string)).text());
        return rows.find((r) => r[0] === master.contactId)?.[8];
      };
      at(ended + 3_599_000);
      expect(await run()).toBe('In Progress');
      at(ended + 3_600_000);
      expect(await run()).toBe('Success');
    } finally {
      now = saved;
      await late.stop();
    }
  });

  it('answers 400 for an unknown entity or version, bad dates, and ranges over two weeks', async () => {
    const cases: Record<string, unknown>[] = [
      { ...JOB, entityName: 'qm-workflows' },
      { ...JOB, version: '6' },
      { ...JOB, version: 7 },
      { ...JOB, startDate: '2026-13-01' },
      { ...JOB, endDate: 'tomorrow' },
      { ...JOB, startDate: '2026-10-05', endDate: '2026-10-05' },
      { ...JOB, startDate: '2026-10-01', endDate: '2026-10-15T00:00:01Z' },
    ];
    for (const body of cases) {
      const res = await submit(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { message: string }).message).not.toBe('');
    }
    expect((await submit({ ...JOB, startDate: '2026-10-01', endDate: '2026-10-15' })).status).toBe(202);
    const notJson = await api('jobs', { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('answers 404 for an unknown job and 401 without a bearer', async () => {
    const unknown = await api('jobs/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/not found/);
    expect((await api('jobs', {}, false)).status).toBe(401);
    expect((await api('jobs', { method: 'POST', body: JSON.stringify(JOB) }, false)).status).toBe(401);
  });
});

describe('Data Extraction budget', () => {
  it('keeps to one call per 30 seconds by default: the second call inside the window gets 429', async () => {
    const strict = await startSimulator({ seed: 7, contacts: 20, now: () => new Date(now) });
    try {
      const t = await demoToken(strict);
      const call = () =>
        fetch(`${strict.url}/data-extraction/v1/jobs`, {
          headers: { authorization: `Bearer ${t}`, accept: 'application/json' },
        });
      expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      now += 30_000;
      expect((await call()).status).toBe(200);
      expect(strict.maxAcceptedInWindow('data-extraction')).toBe(1);
    } finally {
      await strict.stop();
    }
  });
});
