// recordings: bulk against the simulator's media-download API: one request per listing page, kept
// in the durable job store before the page is yielded; recordings read out of the request's ZIP
// by byte ranges, byte-identical to the simulator's; an expired archive URL renewed; a cut entry
// Transient; a contact the request could not deliver goes to Media Playback.
import {
  type Item,
  type ItemRef,
  type JobStore,
  memoryJobStore,
  PluginFailure,
  type Source,
  sha256OfStream,
} from '@cxarchive/core';
import { openRecording, type RunningSimulator } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { configureMediaDownload } from '../../cxone-simulator/src/media-download.js';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import { BULK_JOB_PREFIX } from './bulk-jobs.js';
import { createCxoneSource } from './source.js';

const START = Date.parse('2026-11-01T00:00:00Z');
let clockMs = START;
const now = () => new Date(clockMs);
// Registered first, so its simulators are stopped after the resets below (after-hooks run as a stack).
const start = simulatorStarter({ contacts: 30, seed: 5, recordingSeconds: [2, 8], now });
const resets: (() => void)[] = [];
afterEach(() => {
  for (const reset of resets.splice(0)) reset();
  clockMs = START;
});

const create = (
  sim: RunningSimulator,
  jobs: JobStore,
  extra: Partial<Record<string, unknown>> = {},
  fetchImpl?: typeof fetch,
): Source => {
  const options = optionsOn(sim, {
    since: '2026-01-01T00:00:00Z',
    pageSize: 10,
    requestTimeout: '10s',
    recordings: 'bulk',
    ...extra,
  });
  return createCxoneSource(options, { ...testContext(now), jobs }, fetchImpl)._unsafeUnwrap();
};

const listAll = async (source: Source): Promise<ItemRef[]> => {
  const refs: ItemRef[] = [];
  for await (const page of source.pages(undefined, live())) refs.push(...page._unsafeUnwrap().items);
  return refs;
};

const posts = (sim: RunningSimulator) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path === '/media-download/v1/contacts');
const playback = (sim: RunningSimulator) =>
  sim.requests.filter((r) => r.path === '/media-playback/v1/contacts');
const read = async (item: Item) =>
  (await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap())).sha256;
const expected = async (sim: RunningSimulator, master: string) =>
  (await sha256OfStream(openRecording(sim.dataset, master))).sha256;

describe('recordings: bulk', () => {
  it('submits one request per page before yielding it, waits while it runs, then reads every recording byte-identical without Media Playback', async () => {
    const sim = await start();
    const jobs = memoryJobStore(now);
    const source = create(sim, jobs);
    const refs = await listAll(source);
    const { recordings } = sim.dataset;
    const masters = refs.filter((r) => recordings.has(r.id));
    expect(masters.length).toBeGreaterThan(3);
    // Every recorded master carries a request id, and each request is in the durable store.
    for (const ref of masters) expect(ref.data.mediaRequestId).toMatch(/^[\w-]+$/);
    const stored = (await jobs.list({ prefix: BULK_JOB_PREFIX })).jobs.filter(
      (j) => !j.key.includes('/contact/'),
    );
    expect(stored.length).toBe(posts(sim).length);
    expect(new Set(stored.map((j) => j.state.requestId))).toEqual(
      new Set(refs.map((r) => r.data.mediaRequestId).filter((id) => id !== undefined)),
    );
    // Legs and non-voice contacts are not asked for.
    const bodies = posts(sim).length;
    expect(bodies).toBeLessThanOrEqual(Math.ceil(refs.length / 10));

    // Still PENDING: NotYet with a retryAt, one status read shared by the request's contacts.
    const first = await source.fetch(masters[0]!, live());
    expect(first._unsafeUnwrapErr()._tag).toBe('NotYet');
    expect((first._unsafeUnwrapErr() as { retryAt?: Date }).retryAt?.getTime()).toBeGreaterThan(clockMs);

    clockMs += 60_000;
    for (const ref of masters) {
      const item = (await source.fetch(ref, live()))._unsafeUnwrap();
      expect(item.artifacts.map((a) => a.name)).toEqual(['recording.mp4']);
      expect(item.artifacts[0]!.contentType).toBe('audio/mp4');
      expect(item.record.recordings).toEqual([{ artifact: 'recording.mp4' }]);
      expect(await read(item)).toBe(await expected(sim, ref.id));
    }
    expect(playback(sim)).toHaveLength(0);
    // One status read per request per poll, not one per contact.
    const statuses = sim.requests.filter((r) => r.path.startsWith('/media-download/v1/status/'));
    expect(statuses.length).toBeLessThanOrEqual(2 * bodies);
    expect(sim.requests.some((r) => r.status === 429)).toBe(false);
  });

  it('a listing after a crash finds the page’s request in the job store and submits nothing', async () => {
    const sim = await start();
    const jobs = memoryJobStore(now);
    const before = await listAll(create(sim, jobs));
    const submitted = posts(sim).length;
    expect(submitted).toBeGreaterThan(0);
    // A new source instance (the next run) with the same durable store lists the same pages.
    const after = await listAll(create(sim, jobs));
    expect(posts(sim)).toHaveLength(submitted);
    expect(after.map((r) => r.data.mediaRequestId)).toEqual(before.map((r) => r.data.mediaRequestId));
    // Without the store, the same listing would submit again (the test can fail).
    await listAll(create(sim, memoryJobStore(now)));
    expect(posts(sim).length).toBe(2 * submitted);
  });

  it('splits a page into batches of bulkBatchSize', async () => {
    const sim = await start();
    const jobs = memoryJobStore(now);
    const refs = await listAll(create(sim, jobs, { bulkBatchSize: 1, pageSize: 30 }));
    const masters = refs.filter((r) => r.data.mediaRequestId !== undefined);
    expect(posts(sim)).toHaveLength(masters.length);
    expect(new Set(masters.map((r) => r.data.mediaRequestId)).size).toBe(masters.length);
  });

  it('renews an expired archive URL by reading the status again', async () => {
    const sim = await start();
    resets.push(configureMediaDownload(sim.url, { downloadUrlTtlSeconds: 5 }));
    const source = create(sim, memoryJobStore(now));
    const masters = (await listAll(source)).filter((r) => sim.dataset.recordings.has(r.id));
    clockMs += 60_000;
    const item = (await source.fetch(masters[0]!, live()))._unsafeUnwrap();
    const statusReads = () =>
      sim.requests.filter((r) => r.path.startsWith('/media-download/v1/status/')).length;
    const before = statusReads();
    clockMs += 60_000; // the archive URL is now expired
    expect(await read(item)).toBe(await expected(sim, masters[0]!.id));
    expect(statusReads()).toBe(before + 1);
    expect(sim.requests.some((r) => r.path.startsWith('/media/exports/md/') && r.status === 403)).toBe(true);
  });

  it('a cut entry fails Transient before its end; the next open reads it whole', async () => {
    const sim = await start({ recordingSeconds: [20, 30] });
    let cut = true;
    // Cuts the body of the entry's data range (the biggest range asked for) after 1000 bytes.
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const range = new Headers(init?.headers).get('range') ?? '';
      const m = /^bytes=(\d+)-(\d+)$/.exec(range);
      if (!cut || m === null || Number(m[2]) - Number(m[1]) < 10_000 || res.body === null) return res;
      const reader = res.body.getReader();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done || sent >= 1000) {
            await reader.cancel();
            controller.close();
            return;
          }
          sent += value.byteLength;
          controller.enqueue(value);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const source = create(sim, memoryJobStore(now), {}, cutting);
    const masters = (await listAll(source)).filter((r) => sim.dataset.recordings.has(r.id));
    clockMs += 60_000;
    const item = (await source.fetch(masters[0]!, live()))._unsafeUnwrap();
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    const failure = await sha256OfStream(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PluginFailure);
    expect((failure as PluginFailure).error._tag).toBe('Transient');
    cut = false;
    expect(await read(item)).toBe(await expected(sim, masters[0]!.id));
  });

  it('a contact whose entity FAILED (recording still processing) goes to Media Playback and its late-recording rules', async () => {
    // Recordings are processed an hour after the call: the request completes before that.
    clockMs = Date.parse('2026-10-01T00:00:00Z');
    const sim = await start({ recordingDelaySeconds: 3600, contacts: 6 });
    const source = create(sim, memoryJobStore(now), { settleLag: '1m', since: '2026-09-01T00:00:00Z' });
    const first = sim.dataset.contacts[0]!;
    clockMs = Date.parse(first.lastUpdateTime) + 5 * 60_000;
    const masters = (await listAll(source)).filter((r) => sim.dataset.recordings.has(r.id));
    expect(masters.length).toBeGreaterThan(0);
    expect(masters[0]!.data.mediaRequestId).toBeDefined();
    clockMs += 60_000;
    const result = await source.fetch(masters[0]!, live());
    // The entity FAILED ("still being processed"): Media Playback is asked and says not yet.
    expect(result._unsafeUnwrapErr()._tag).toBe('NotYet');
    expect(result._unsafeUnwrapErr().message).toMatch(/Media Playback has no recording yet/);
    expect(playback(sim).length).toBe(1);
  });
});
