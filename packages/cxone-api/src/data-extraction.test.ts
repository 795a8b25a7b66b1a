import { PluginFailure } from '@cxarchive/core';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureDataExtraction } from '../../cxone-simulator/src/data-extraction.js';
import { simulatorClient } from '../test-support/simulator-client.js';
import type { CxoneClient } from './client.js';
import {
  type ExtractionContext,
  extractionRows,
  getExtraction,
  listExtractions,
  RECORDING_INTERACTION_METADATA,
  runExtractionSync,
  submitExtraction,
} from './data-extraction.js';
import type { CxoneFamily } from './families.js';

let simMs = Date.parse('2026-10-20T12:00:00Z');
let clientMs = simMs;
let sim: RunningSimulator;
const signal = new AbortController().signal;
const clients: CxoneClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    seed: 9,
    contacts: 400,
    now: () => new Date(simMs),
    budgets: { 'data-extraction': false },
  });
  configureDataExtraction(sim.url, { jobRunMs: 5000 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sim.stop();
});
beforeEach(() => {
  // A day on per test: earlier jobs have finished, tokens are renewed.
  simMs += 3 * 86_400_000;
  clientMs = simMs;
});
const tick = (ms: number) => {
  simMs += ms;
  clientMs += ms;
};

const connect = (target: RunningSimulator = sim) => {
  const taken: CxoneFamily[] = [];
  const client = simulatorClient(target, {
    now: () => new Date(clientMs),
    budget: async (family) => {
      if (family !== 'cxone-auth') taken.push(family);
    },
  }).client;
  clients.push(client);
  const ctx: ExtractionContext = {
    client,
    apiBase: target.url,
    signal,
    timeoutMs: 30_000,
    now: () => new Date(clientMs),
  };
  return { ctx, taken };
};

const JOB = { ...RECORDING_INTERACTION_METADATA, startDate: '2026-10-02', endDate: '2026-10-03' };

const recordedMasters = (from: string, to: string) =>
  sim.dataset.contacts.filter(
    (c) =>
      c.contactId === c.masterContactId &&
      sim.dataset.recordings.get(c.contactId) !== undefined &&
      c.contactStartDate >= from &&
      c.contactStartDate < to,
  );

const drain = async (rows: AsyncIterable<Readonly<Record<string, string>>>) => {
  const out: Readonly<Record<string, string>>[] = [];
  for await (const row of rows) out.push(row);
  return out;
};
const failureOf = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (e) {
    if (e instanceof PluginFailure) return e.error;
    throw e;
  }
  throw new Error('no failure');
};

describe('Data Extraction through the client', () => {
  it('submits a job, polls it to SUCCEEDED and streams the CSV rows: every call on the data-extraction budget', async () => {
    const { ctx, taken } = connect();
    const id = (await submitExtraction(ctx, JOB))._unsafeUnwrap();
    expect((await getExtraction(ctx, id))._unsafeUnwrap()).toMatchObject({ id, status: 'RUNNING' });
    expect((await listExtractions(ctx))._unsafeUnwrap()).toContainEqual({ id, status: 'RUNNING' });
    tick(5000);
    const job = (await getExtraction(ctx, id))._unsafeUnwrap();
    expect(job.status).toBe('SUCCEEDED');
    expect(job.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const rows = await drain(extractionRows(ctx, job));
    const expected = recordedMasters('2026-10-02', '2026-10-03');
    expect(expected.length).toBeGreaterThan(3);
    expect(rows.map((r) => r['ACD Call ID'])).toEqual(expected.map((c) => c.contactId));
    expect(rows.every((r) => r['Voice Recording Status'] === 'Success')).toBe(true);
    expect(rows[0]?.['Agent 1 Name']).toBe(`${expected[0]?.lastName}, ${expected[0]?.firstName}`);
    expect(taken).toEqual(['data-extraction', 'data-extraction', 'data-extraction', 'data-extraction']);
  });

  it('refuses a second job while one runs as Transient (one caller per tenant), the sync call too', async () => {
    const { ctx } = connect();
    (await submitExtraction(ctx, JOB))._unsafeUnwrap();
    const second = (await submitExtraction(ctx, JOB))._unsafeUnwrapErr();
    expect(second._tag).toBe('Transient');
    expect(second.message).toMatch(/HTTP 409 .*still running.*another Data Extraction job/);
    expect((await runExtractionSync(ctx, JOB))._unsafeUnwrapErr()._tag).toBe('Transient');
    tick(5000);
    const done = (await runExtractionSync(ctx, JOB))._unsafeUnwrap();
    expect(done.status).toBe('SUCCEEDED');
    expect((await drain(extractionRows(ctx, done))).length).toBe(
      recordedMasters('2026-10-02', '2026-10-03').length,
    );
  });

  it('renews an expired result URL by polling the job again (the storage said 403), once', async () => {
    const { ctx, taken } = connect();
    const job = (await runExtractionSync(ctx, JOB))._unsafeUnwrap();
    simMs += 31_000; // the server's clock: the URL has expired; the client's thinks it fresh
    const rows = await drain(extractionRows(ctx, job));
    expect(rows.length).toBe(recordedMasters('2026-10-02', '2026-10-03').length);
    expect(taken).toEqual(['data-extraction', 'data-extraction']); // the sync call, then one re-poll
    const files = sim.requests.filter((r) => r.path.startsWith('/media/exports/dx/')).slice(-2);
    expect(files.map((r) => r.status)).toEqual([403, 200]);
  });

  it('renews a URL older than 25 s before using it (client clock)', async () => {
    const { ctx, taken } = connect();
    const job = (await runExtractionSync(ctx, JOB))._unsafeUnwrap();
    tick(26_000);
    expect((await drain(extractionRows(ctx, job))).length).toBeGreaterThan(0);
    expect(taken.length).toBe(2);
    expect(sim.requests.filter((r) => r.path.startsWith('/media/exports/dx/')).at(-1)?.status).toBe(200);
  });

  it('fails Permanent for an EXPIRED job, NotFound for an unknown one, InvalidInput for a bad request', async () => {
    const { ctx } = connect();
    const job = (await runExtractionSync(ctx, JOB))._unsafeUnwrap();
    tick(86_400_000);
    const expired = await failureOf(() => drain(extractionRows(ctx, job)));
    expect(expired._tag).toBe('Permanent');
    expect(expired.message).toMatch(/is EXPIRED: The job result has expired/);
    const unknown = (await getExtraction(ctx, '00000000-0000-4000-8000-000000000000'))._unsafeUnwrapErr();
    expect(unknown._tag).toBe('NotFound');
    expect(unknown.message).toMatch(/HTTP 404 Job .* not found/);
    const tooLong = (
      await submitExtraction(ctx, { ...JOB, startDate: '2026-10-01', endDate: '2026-10-20' })
    )._unsafeUnwrapErr();
    expect(tooLong._tag).toBe('InvalidInput');
    expect(tooLong.message).toMatch(/longer than 14 days/);
  });

  it('fails Transient when the CSV is cut short, and names no signature in the error', async () => {
    const { ctx } = connect();
    const job = (await runExtractionSync(ctx, JOB))._unsafeUnwrap();
    sim.faults.add({ route: 'export-file', kind: 'reset', afterBytes: 150 });
    try {
      const error = await failureOf(() => drain(extractionRows(ctx, job)));
      expect(error._tag).toBe('Transient');
      expect(error.message).not.toMatch(/signature|expires=/);
    } finally {
      sim.faults.clear();
    }
  });
});
