// The batched record layout: many items' records in one JSON Lines object, membership in the
// ledger before upload, items archived when their batch and their own artifacts are stored.
// In-memory plugins (the identity codec: stored bytes are the plaintext), the real harness, a
// real SQLite ledger.
import { errAsync, okAsync, PluginErrors, type Sink } from '@cxarchive/core/host';
import {
  collect,
  createMemorySink,
  createMemorySource,
  createScriptedSink,
  type MemoryItemSpec,
} from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number, extra: Partial<MemoryItemSpec> = {}): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    occurredAt: '2026-11-02T10:00:00Z',
    record: { n: i + 1, name: `contact ${i + 1}` },
    ...extra,
  }));

const batchKeys = (sink: { keys(): string[] }) => sink.keys().filter((k) => k.includes('/records/'));

const linesOf = async (sink: Sink, key: string) =>
  (await collect((await sink.get(key, new AbortController().signal))._unsafeUnwrap()))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; record: Record<string, unknown> });

const BATCH = { layout: { records: 'batch' as const, batchSize: 4 } };

describe('the batch record layout', () => {
  it('stores the records of many items as JSON Lines objects of at most batchSize, keyed by day, each item once', async () => {
    const sink = createMemorySink();
    const f = fixture({
      source: createMemorySource(items(10), { pageSize: 3 }),
      sinks: [sink],
      config: BATCH,
    });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 10, failed: 0 });
    const keys = batchKeys(sink);
    expect(keys).toHaveLength(3);
    expect(sink.keys()).toHaveLength(3); // no per-item record objects
    for (const key of keys) expect(key).toMatch(/^acme\/records\/2026\/11\/02\/[A-Za-z0-9._-]+\.jsonl\.bin$/);
    const all = (await Promise.all(keys.map((k) => linesOf(sink, k)))).flat();
    expect(all.map((l) => l.id).sort()).toEqual(items(10).map((i) => i.id));
    expect(all.find((l) => l.id === 'c007')?.record).toEqual({ n: 7, name: 'contact 7' });
    expect(Math.max(...(await Promise.all(keys.map(async (k) => (await linesOf(sink, k)).length))))).toBe(4);
    // Each item's ledger row knows its batch; the batch's objects are recorded once.
    const batch = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c007'));
    expect(batch).toMatchObject({ status: 'stored' });
    expect(batch!.members).toContain('c007');
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c007')))?.status).toBe('archived');
    expect(report.objects).toBe(3);
    expect(report.checkpoint.after).toEqual({ offset: 10 });
    // The item.archived event names the batch object.
    const event = f.events.find((e) => e.type === 'item.archived' && e.itemId === 'c007');
    expect(event && 'objects' in event && event.objects.map((o) => o.artifact)).toEqual(['records.jsonl']);
    const again = await f.run();
    expect(again.objects).toBe(0);
    expect(sink.keys()).toEqual(keys.sort());
  });

  it('archives an item only when its batch and its own artifacts are stored; recordings stay one object each', async () => {
    const sink = createMemorySink();
    const f = fixture({
      source: createMemorySource(
        items(5, { artifacts: [{ name: 'recording.wav', bytes: 'RIFF audio', contentType: 'audio/wav' }] }),
      ),
      sinks: [sink],
      config: BATCH,
    });
    const report = await f.run();
    expect(report.counts.archived).toBe(5);
    expect(sink.keys().filter((k) => k.endsWith('/recording.wav.bin'))).toHaveLength(5);
    expect(batchKeys(sink)).toHaveLength(2);
    const item = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c003'));
    expect(item?.objects.map((o) => o.artifact)).toEqual(['recording.wav']);
  });

  it('a batch that cannot be stored fails its members; the next run re-forms the same batch under the same key', async () => {
    const inner = createMemorySink();
    let failing = true;
    const sink = createScriptedSink(inner, {
      put: (key) =>
        failing && key.includes('/records/') ? PluginErrors.permanent('bucket policy denies') : undefined,
    });
    const f = fixture({ source: createMemorySource(items(6)), sinks: [sink], config: BATCH });
    const first = await f.run();
    expect(first.status).toBe('completed_with_failures');
    expect(first.counts).toMatchObject({ archived: 0, failed: 6 });
    const triedKeys = [
      ...new Set(sink.calls.filter((c) => c.startsWith('put:')).map((c) => c.slice(4))),
    ].sort();
    expect(triedKeys).toHaveLength(2);
    expect(first.checkpoint.after).toEqual({ offset: 6 });
    const members = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'));
    expect(members).toMatchObject({ status: 'sealed' });

    failing = false;
    const second = await f.run();
    expect(second.counts).toMatchObject({ archived: 6, failed: 0 });
    expect(batchKeys(inner).sort()).toEqual(triedKeys);
    expect(await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'))).toMatchObject({
      batchId: members!.batchId,
      status: 'stored',
      members: members!.members,
    });
  });

  it('a batch whose store answer was lost is adopted by the retry, never stored twice', async () => {
    const inner = createMemorySink();
    let lost = 0;
    const sink: Sink = {
      ...inner,
      put: (key, body, options) =>
        inner
          .put(key, body, options)
          .andThen((stored) =>
            key.includes('/records/') && lost++ === 0
              ? errAsync(PluginErrors.transient('connection reset after the upload'))
              : okAsync(stored),
          ),
    };
    const f = fixture({ source: createMemorySource(items(4)), sinks: [sink], config: BATCH });
    const report = await f.run();
    expect(report.counts.archived).toBe(4);
    expect(lost).toBeGreaterThan(0);
    expect(batchKeys(inner)).toHaveLength(1);
  });

  it('a batch that cannot be re-formed (a member cannot be fetched again) is abandoned, and the others archived in a new batch', async () => {
    const inner = createMemorySink();
    let failing = true;
    const sink = createScriptedSink(inner, {
      put: (key) => (failing && key.includes('/records/') ? PluginErrors.transient('503') : undefined),
    });
    let gone = false;
    const source = createMemorySource(items(4), {
      script: {
        fetch: (id) =>
          gone && id === 'c002' ? PluginErrors.notFound('contact c002 was deleted') : undefined,
      },
    });
    const f = fixture({ source, sinks: [sink], config: BATCH });
    const first = await f.run();
    expect(first.counts.failed).toBe(4);
    const old = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'));
    failing = false;
    gone = true;
    const second = await f.run();
    expect(second.counts).toMatchObject({ archived: 3, failed: 1 });
    expect(second.failures[0]).toMatchObject({ itemId: 'c002', errorTag: 'NotFound' });
    const now = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'));
    expect(now?.batchId).not.toBe(old?.batchId);
    expect(now).toMatchObject({ status: 'stored', members: ['c001', 'c003', 'c004'] });
    expect(batchKeys(inner)).toHaveLength(1);
    expect((await linesOf(inner, batchKeys(inner)[0]!)).map((l) => l.id)).toEqual(['c001', 'c003', 'c004']);
  });

  it('a batch stored with records that have changed since is left alone, and its members are stored in a new batch', async () => {
    const inner = createMemorySink();
    let firstRun = true;
    // First run: the batch is stored, but its answer is lost and the store cannot be read back,
    // so its members fail and the batch stays sealed.
    const sink = createScriptedSink(inner, {
      head: (key) => (firstRun && key.includes('/records/') ? PluginErrors.transient('503') : undefined),
      get: (key) => (firstRun && key.includes('/records/') ? PluginErrors.transient('503') : undefined),
    });
    const lossy: Sink = {
      ...sink,
      put: (key, body, options) =>
        sink
          .put(key, body, options)
          .andThen((stored) =>
            firstRun && key.includes('/records/')
              ? errAsync(PluginErrors.transient('connection reset after the upload'))
              : okAsync(stored),
          ),
    };
    const records = items(3);
    const source = createMemorySource(records);
    const f = fixture({ source, sinks: [lossy], config: BATCH });
    const first = await f.run();
    expect(first.counts).toMatchObject({ archived: 0, failed: 3 });
    const old = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'));
    expect(old?.status).toBe('sealed');
    expect(batchKeys(inner)).toHaveLength(1);
    const oldBytes = await linesOf(inner, batchKeys(inner)[0]!);

    // The source's record of c002 changed since: the batch formed again differs from the stored one.
    firstRun = false;
    (records[1] as { record: unknown }).record = { n: 2, name: 'contact 2, renamed' };
    const second = await f.run();
    expect(second.counts).toMatchObject({ archived: 3, failed: 0 });
    const now = await f.withLedger((l) => l.batchOf('acme', 'test-source', 'c001'));
    expect(now?.batchId).not.toBe(old?.batchId);
    expect(now).toMatchObject({ status: 'stored', members: ['c001', 'c002', 'c003'] });
    // The old object is left untouched; the new one holds the current records.
    expect(batchKeys(inner)).toHaveLength(2);
    expect(await linesOf(inner, batchKeys(inner).find((k) => k.includes(old!.batchId))!)).toEqual(oldBytes);
    const fresh = await linesOf(inner, batchKeys(inner).find((k) => k.includes(now!.batchId))!);
    expect(fresh.find((l) => l.id === 'c002')?.record).toEqual({ n: 2, name: 'contact 2, renamed' });
  });

  it('carries notes and acknowledgements for batched items, after the batch is stored', async () => {
    const source = createMemorySource([
      ...items(2),
      { id: 'c100', occurredAt: '2026-11-03T00:00:00Z', note: 'archived without a recording' },
    ]);
    const f = fixture({ source, sinks: [createMemorySink()], config: BATCH });
    const report = await f.run();
    expect(report.counts.archived).toBe(3);
    expect(report.notes).toEqual([{ itemId: 'c100', note: 'archived without a recording' }]);
    expect(report.acknowledgements).toEqual({ done: 3, refused: 0, pending: 0 });
    expect(source.acknowledged.find((a) => a.id === 'c100')?.outcome).toMatchObject({
      status: 'archived',
      objects: [expect.objectContaining({ artifact: 'records.jsonl' })],
    });
  });

  it('refuses a listed item whose id is reserved for batches', async () => {
    const f = fixture({
      source: createMemorySource([{ id: '#batch:x' }, ...items(1)]),
      sinks: [createMemorySink()],
      config: BATCH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 1, failed: 1 });
    expect(report.failures[0]?.reason).toMatch(/reserved/);
  });

  it('a run stopped while a batch is being stored leaves its members pending and the checkpoint before them; the next run completes it', async () => {
    const inner = createMemorySink();
    let hang = true;
    const sink = createScriptedSink(inner, {
      put: (key) => (hang && key.includes('/records/') ? 'hang' : undefined),
    });
    const f = fixture({ source: createMemorySource(items(4)), sinks: [sink], config: BATCH });
    const controller = new AbortController();
    const watcher = setInterval(() => {
      if (sink.calls.some((c) => c.includes('/records/'))) controller.abort();
    }, 5);
    const first = await f.run({ signal: controller.signal });
    clearInterval(watcher);
    expect(first.status).toBe('interrupted');
    expect(first.counts.archived).toBe(0);
    expect(first.checkpoint.after).toBeNull();
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001')))?.status).toBe('pending');
    hang = false;
    const second = await f.run();
    expect(second.counts).toMatchObject({ archived: 4, failed: 0 });
    expect(batchKeys(inner)).toHaveLength(1);
    expect(second.checkpoint.after).toEqual({ offset: 4 });
  });
});
