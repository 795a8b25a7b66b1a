// A page's quick pass (batch layout): new items without artifacts go to their batches without an
// item program each. These tests hold it to the item program's guarantees: every plugin operation
// made once (a quick-pass attempt is never repeated by the program that takes over), failures
// retried by the policy from the failed attempt, drops and bad ids treated as the program treats
// them, the plugins' maxInFlight kept across the quick pass and the programs together, and the
// quick pass stopping at the first item that has artifacts (its recordings are fetched by its own
// program, not ahead of the page). Real harness, real SQLite ledger, in-memory plugins.
import {
  dropItem,
  errAsync,
  type Item,
  okAsync,
  PluginErrors,
  ResultAsync,
  type Source,
  type Transform,
} from '@cxarchive/core/host';
import { createMemorySink, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number, extra: (i: number) => Partial<MemoryItemSpec> = () => ({})): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    occurredAt: '2026-11-02T10:00:00Z',
    record: { n: i + 1 },
    ...extra(i),
  }));

const BATCH = { layout: { records: 'batch' as const, batchSize: 50 }, concurrency: 4 };

/** How many times each id was fetched. */
const fetchesOf = (calls: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const c of calls)
    if (c.startsWith('fetch:')) counts.set(c.slice(6), (counts.get(c.slice(6)) ?? 0) + 1);
  return counts;
};

describe('the quick pass of a page (batch layout)', () => {
  it('fetches every item once, with or without artifacts, and archives them all', async () => {
    const source = createMemorySource(
      // Every fifth item has a recording: the quick pass stops at the first, the programs do the rest.
      items(40, (i) =>
        i % 5 === 3
          ? { artifacts: [{ name: 'recording.wav', bytes: `audio ${i}`, contentType: 'audio/wav' }] }
          : {},
      ),
      { pageSize: 20 },
    );
    const sink = createMemorySink();
    const report = await fixture({ source, sinks: [sink], config: BATCH }).run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 40, failed: 0 });
    const fetches = fetchesOf(source.calls);
    expect(fetches.size).toBe(40);
    expect([...fetches.values()].every((n) => n === 1)).toBe(true);
    expect(source.calls.filter((c) => c.startsWith('open:'))).toHaveLength(8);
    expect(sink.keys().filter((k) => k.endsWith('/recording.wav.bin'))).toHaveLength(8);
  });

  it('does not fetch a page ahead once an item has artifacts: at most `concurrency` items are fetched before their programs run', async () => {
    // Every item has a recording: only the first few (fetched at once by the quick pass) are
    // fetched before any recording is opened.
    const source = createMemorySource(
      items(30, () => ({ artifacts: [{ name: 'recording.wav', bytes: 'RIFF', contentType: 'audio/wav' }] })),
      { pageSize: 30 },
    );
    const report = await fixture({ source, sinks: [createMemorySink()], config: BATCH }).run();
    expect(report.counts.archived).toBe(30);
    const firstOpen = source.calls.findIndex((c) => c.startsWith('open:'));
    const fetchedBefore = source.calls.slice(0, firstOpen).filter((c) => c.startsWith('fetch:')).length;
    expect(fetchedBefore).toBeLessThanOrEqual(2 * BATCH.concurrency);
    expect([...fetchesOf(source.calls).values()].every((n) => n === 1)).toBe(true);
  });

  it('retries a fetch that failed in the quick pass from that attempt, by the policy (counted as a retry)', async () => {
    const source = createMemorySource(items(10), {
      pageSize: 10,
      script: {
        fetch: (id, attempt) =>
          id === 'c002' && attempt === 1 ? PluginErrors.transient('503 from the source') : undefined,
      },
    });
    const f = fixture({ source, sinks: [createMemorySink()], config: BATCH });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 10, failed: 0 });
    expect(fetchesOf(source.calls).get('c002')).toBe(2);
    expect(fetchesOf(source.calls).get('c001')).toBe(1);
    expect(report.retries).toBe(1);
  });

  it('fails an item whose fetch fails for good, after the policy’s attempts and not one more', async () => {
    const source = createMemorySource(items(6), {
      pageSize: 6,
      script: { fetch: (id) => (id === 'c003' ? PluginErrors.transient('503 again') : undefined) },
    });
    const report = await fixture({ source, sinks: [createMemorySink()], config: BATCH }).run();
    expect(report.counts).toMatchObject({ archived: 5, failed: 1 });
    expect(fetchesOf(source.calls).get('c003')).toBe(3); // retry.attempts in the fixture
    expect(report.failures[0]).toMatchObject({ itemId: 'c003', errorTag: 'Transient' });
    expect(report.failures[0]?.reason).toContain('source.fetch: 503 again');
  });

  it('fails an item whose fetch returns another id, once, as the item program does', async () => {
    const source = createMemorySource(items(4), {
      pageSize: 4,
      script: { item: (item: Item) => (item.id === 'c002' ? { ...item, id: 'other' } : item) },
    });
    const report = await fixture({ source, sinks: [createMemorySink()], config: BATCH }).run();
    expect(report.counts).toMatchObject({ archived: 3, failed: 1 });
    expect(fetchesOf(source.calls).get('c002')).toBe(1);
    expect(report.failures[0]?.reason).toContain('source.fetch returned item other for c002');
  });

  it('applies each transform once per item; an item a transform drops is skipped and stored nowhere', async () => {
    const applied: string[] = [];
    const dropEven: Transform = {
      apply: (item) => {
        applied.push(item.id);
        return okAsync(
          (item.record.n as number) % 2 === 0 ? null : { ...item, record: { ...item.record, kept: true } },
        );
      },
    };
    const sink = createMemorySink();
    const f = fixture({
      source: createMemorySource(items(10), { pageSize: 10 }),
      sinks: [sink],
      transforms: [dropEven],
      config: BATCH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 5, skipped: 5, failed: 0 });
    expect(applied.toSorted()).toEqual(items(10).map((i) => i.id));
    expect(
      f.events.filter((e) => e.type === 'item.skipped' && e.reason === 'dropped by transforms[0]'),
    ).toHaveLength(5);
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c002')))?.status).toBe('dropped');
  });

  it('counts drops by the reason a transform gives (dropItem), in the report and the events', async () => {
    const byRule: Transform = {
      apply: (item) => {
        const n = item.record.n as number;
        return okAsync(n % 3 === 0 ? dropItem('rule three') : n % 5 === 0 ? null : item);
      },
    };
    const f = fixture({
      source: createMemorySource(items(15), { pageSize: 15 }),
      sinks: [createMemorySink()],
      transforms: [byRule],
      config: BATCH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 8, skipped: 7 });
    expect(report.skips).toEqual([
      { reason: 'dropped by transforms[0]: rule three', count: 5 },
      { reason: 'dropped by transforms[0]', count: 2 },
    ]);
    expect(f.events.find((e) => e.type === 'item.skipped' && e.itemId === 'c003')).toMatchObject({
      reason: 'dropped by transforms[0]: rule three',
    });
  });

  it('retries a transform that failed in the quick pass without fetching the item again', async () => {
    let failures = 0;
    const flaky: Transform = {
      apply: (item) => {
        if (item.id === 'c003' && failures++ === 0) return errAsync(PluginErrors.transient('busy'));
        return okAsync(item);
      },
    };
    const source = createMemorySource(items(5), { pageSize: 5 });
    const report = await fixture({
      source,
      sinks: [createMemorySink()],
      transforms: [flaky],
      config: BATCH,
    }).run();
    expect(report.counts).toMatchObject({ archived: 5, failed: 0 });
    expect(fetchesOf(source.calls).get('c003')).toBe(1);
    expect(failures).toBe(2);
  });

  it('keeps the source’s maxInFlight across the quick pass and the item programs together', async () => {
    let inFlight = 0;
    let most = 0;
    const inner = createMemorySource(
      // Some items with artifacts, so item programs run beside the next pages' quick passes.
      items(60, (i) =>
        i % 7 === 6
          ? { artifacts: [{ name: 'a.bin', bytes: 'x', contentType: 'application/octet-stream' }] }
          : {},
      ),
      { pageSize: 20, maxInFlight: 2 },
    );
    const source: Source = {
      ...inner,
      pages: (after, signal) => inner.pages(after, signal),
      fetch: (ref, signal) => {
        inFlight++;
        most = Math.max(most, inFlight);
        return ResultAsync.fromSafePromise(new Promise((r) => setTimeout(r, 2))).andThen(() => {
          inFlight--;
          return inner.fetch(ref, signal);
        });
      },
    };
    const report = await fixture({
      source,
      sinks: [createMemorySink()],
      config: { ...BATCH, concurrency: 8 },
    }).run();
    expect(report.counts).toMatchObject({ archived: 60, failed: 0 });
    expect(most).toBe(2);
  });
});
