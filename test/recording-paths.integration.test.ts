// The recording paths for high-volume tenants through the real runtime: simulator → source-cxone
// (recordings: bulk, or recordingCheck: dataExtraction) → gzip-aes → sink-fs, on one clock the test
// moves. Every recording archived byte-identical to the simulator's; the Media Playback requests
// saved, the jobs durable across a stopped run, the budgets kept — all read from the request log.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256OfStream } from '@cxarchive/core';
import { openSqliteLedger } from '@cxarchive/core/host';
import { openRecording } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { configureDataExtraction } from '../packages/cxone-simulator/src/data-extraction.js';
import { listFiles, makeTenant, openCodec, runTenant, type Tenant } from './helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
const MIN = 60_000;
const tenants: Tenant[] = [];
const resets: (() => void)[] = [];
afterEach(async () => {
  for (const reset of resets.splice(0)) reset();
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

/** The SHA-256 of each stored recording.mp4, decoded, by master contact id. */
const storedRecordings = async (t: Tenant): Promise<Map<string, string>> => {
  const codec = await openCodec(t);
  const root = path.join(t.dir, 'archive');
  const out = new Map<string, string>();
  for (const file of listFiles(root).filter((f) => f.endsWith('/recording.mp4.cxar'))) {
    const master = file.split('/').at(-2)!;
    const decoded = await codec.decode(
      createReadStream(path.join(root, file)),
      {
        tenant: 'e2e',
        objectKey: file,
        itemId: master,
        artifact: 'recording.mp4',
        contentType: 'audio/mp4',
      },
      new AbortController().signal,
    );
    if (decoded.isErr()) throw new Error(decoded.error.message);
    out.set(master, (await sha256OfStream(decoded.value)).sha256);
  }
  return out;
};

const expectEveryRecording = async (t: Tenant) => {
  const stored = await storedRecordings(t);
  const { recordings } = t.simulator.dataset;
  expect([...stored.keys()].sort()).toEqual([...recordings.keys()].sort());
  for (const master of recordings.keys()) {
    expect(stored.get(master)).toBe(
      (await sha256OfStream(openRecording(t.simulator.dataset, master))).sha256,
    );
  }
};

const requestsTo = (t: Tenant, method: string, prefix: string) =>
  t.simulator.requests.filter((r) => r.method === method && r.path.startsWith(prefix));

describe('recordings: bulk through the runtime', () => {
  it('archives every recording from media-download archives, with no Media Playback request; awaiting while the requests run', async () => {
    let clockMs = Date.parse('2026-11-01T00:00:00Z');
    const now = () => new Date(clockMs);
    const t = await makeTenant(FS_SINK, {
      contacts: 24,
      seed: 9,
      simulator: { now },
      sourceExtra: '    recordings: bulk\n',
    });
    tenants.push(t);
    const first = await runTenant(t, {}, { now });
    expect(first.status).toBe('succeeded');
    // Every voice master waits for its request (PENDING on a stopped clock).
    expect(first.counts.awaiting).toBe(t.simulator.dataset.recordings.size + countUnrecordedVoiceMasters(t));
    const submitted = requestsTo(t, 'POST', '/media-download/v1/contacts').length;
    expect(submitted).toBeGreaterThan(0);

    clockMs += 2 * MIN;
    const second = await runTenant(t, {}, { now });
    expect(second.status).toBe('succeeded');
    await expectEveryRecording(t);
    // The saving: not one Media Playback request for the recorded contacts; the unrecorded ones
    // (FAILED in the request) go to Media Playback, whose horizon rule archives them.
    const playback = t.simulator
      .requestLog()
      .filter((r) => r.path === '/media-playback/v1/contacts')
      .map((r) => r.query['acd-call-id']);
    for (const master of t.simulator.dataset.recordings.keys()) expect(playback).not.toContain(master);
    expect(second.counts.awaiting).toBe(0);
    expect(requestsTo(t, 'POST', '/media-download/v1/contacts')).toHaveLength(submitted);
    expect(t.simulator.requests.some((r) => r.status === 429)).toBe(false);
  });

  it('a run stopped after the submit is followed by one that polls the same request and never POSTs again', async () => {
    let clockMs = Date.parse('2026-11-01T00:00:00Z');
    const now = () => new Date(clockMs);
    const t = await makeTenant(FS_SINK, {
      contacts: 10,
      seed: 4,
      simulator: { now },
      sourceExtra: '    recordings: bulk\n',
    });
    tenants.push(t);
    // One listing page (one request), every item in flight at once.
    writeFileSync(
      t.file,
      readFileSync(t.file, 'utf8')
        .replace('pageSize: 5', 'pageSize: 50')
        .replace('concurrency: 3', 'concurrency: 20'),
    );
    // The status reads hang, so the page's items are still in flight when the run is stopped.
    t.simulator.faults.set([{ route: 'media-download-status', kind: 'latency', ms: 3000, count: 'always' }]);
    // Stopped (as by Ctrl-C) once the page's first item settled: the page was yielded, so its
    // request was submitted, and the voice masters are still waiting for their status.
    const stop = new AbortController();
    const first = await runTenant(
      t,
      {},
      { now, signal: stop.signal, onEvent: (e) => e.type.startsWith('item.') && stop.abort() },
    );
    expect(first.status).not.toBe('succeeded');
    expect(first.counts.awaiting).toBe(0);
    const submitted = requestsTo(t, 'POST', '/media-download/v1/contacts').length;
    expect(submitted).toBe(1);
    // The job is durable in the tenant's ledger.
    const ledger = openSqliteLedger(path.join(t.dir, '.cxarchive', 'e2e.db'));
    const jobs = await ledger.jobsPage('e2e', 'source', { prefix: 'media-download/' }, undefined, 100);
    await ledger.close();
    const batches = jobs.jobs.filter((j) => !j.key.startsWith('media-download/contact/'));
    expect(batches).toHaveLength(submitted);
    const requestId = batches[0]!.state.requestId as string;

    t.simulator.faults.set([]);
    clockMs += 2 * MIN;
    const second = await runTenant(t, {}, { now });
    expect(second.status).toBe('succeeded');
    expect(requestsTo(t, 'POST', '/media-download/v1/contacts')).toHaveLength(submitted);
    expect(requestsTo(t, 'GET', `/media-download/v1/status/${requestId}`).length).toBeGreaterThan(0);
    await expectEveryRecording(t);
  });
});

const countUnrecordedVoiceMasters = (t: Tenant) =>
  t.simulator.dataset.contacts.filter(
    (c) =>
      c.contactId === c.masterContactId &&
      c.mediaTypeId === 4 &&
      !t.simulator.dataset.recordings.has(c.contactId),
  ).length;

describe('recordingCheck: dataExtraction through the runtime', () => {
  it('keeps Data Extraction’s budget (no 429), saves the Media Playback requests of contacts without a recording, archives every recording', async () => {
    // The real clock: the simulator and the runtime count the same seconds. Jobs finish at once,
    // and both budgets are scaled down to 1 call per 400 ms so the run stays short.
    const t = await makeTenant(FS_SINK, {
      contacts: 16,
      seed: 21,
      simulator: { budgets: { 'data-extraction': { requests: 1, perMs: 400 } } },
      sourceExtra: '    recordingCheck: dataExtraction\n',
      extra: 'budgets:\n  data-extraction: { requests: 1, per: 400ms }\n',
    });
    tenants.push(t);
    resets.push(configureDataExtraction(t.simulator.url, { jobRunMs: 0 }));
    // One run submits the first day's job (its contacts wait), later runs poll it and go on.
    let report = await runTenant(t);
    for (let run = 0; run < 40 && report.counts.awaiting > 0; run++) {
      expect(report.status).toBe('succeeded');
      // Budgets live in one run's memory: the next run starts a Data Extraction window later, as
      // a scheduler would start it minutes later (a wait, not an assertion on time).
      await new Promise((resolve) => setTimeout(resolve, 450));
      report = await runTenant(t, {}, { now: () => new Date(Date.now() + (run + 1) * 2 * MIN) });
    }
    expect(report.counts.awaiting).toBe(0);
    await expectEveryRecording(t);
    const unrecorded = countUnrecordedVoiceMasters(t);
    expect(unrecorded).toBeGreaterThan(0);
    const playback = t.simulator
      .requestLog()
      .filter((r) => r.path === '/media-playback/v1/contacts')
      .map((r) => r.query['acd-call-id']);
    expect(playback.sort()).toEqual([...t.simulator.dataset.recordings.keys()].sort());
    expect(t.simulator.requests.some((r) => r.status === 429)).toBe(false);
    expect(t.simulator.maxAcceptedInWindow('data-extraction')).toBeLessThanOrEqual(1);
  });
});
