// Acknowledgements (a source's write-back after the ledger commit), notes on archived items, and
// the durable jobs plugins keep in the ledger: through the real harness and a real SQLite ledger.
import {
  type ItemRef,
  type PluginContext,
  PluginErrors,
  ResultAsync,
  type Source,
  summarize,
} from '@cxarchive/core/host';
import { createMemorySink, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number, extra: Partial<MemoryItemSpec> = {}): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    record: { n: i + 1 },
    ...extra,
  }));

describe('acknowledgements', () => {
  it('tells the source about each archived item after the commit, and marks it done in the ledger', async () => {
    const source = createMemorySource(items(3));
    const f = fixture({ source, sinks: [createMemorySink()] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(source.acknowledged.map((a) => a.id).sort()).toEqual(['c001', 'c002', 'c003']);
    expect(source.acknowledged[0]!.outcome).toMatchObject({ status: 'archived' });
    expect(report.acknowledgements).toEqual({ done: 3, refused: 0, pending: 0 });
    const item = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c002'));
    expect(item?.ack).toMatchObject({ status: 'done', attempts: 1 });
    // A second run has nothing to tell.
    const again = await f.run();
    expect(again.acknowledgements).toEqual({ done: 0, refused: 0, pending: 0 });
    expect(source.acknowledged).toHaveLength(3);
  });

  it('keeps an acknowledgement that failed for now pending, and a later run makes it without fetching the item again', async () => {
    let failing = true;
    const source = createMemorySource(items(2), {
      script: {
        acknowledge: (id) =>
          failing && id === 'c002' ? PluginErrors.transient('503 from write-back') : undefined,
      },
    });
    const t0 = new Date('2026-11-30T12:00:00Z');
    const f = fixture({ source, sinks: [createMemorySink()] });
    const first = await f.run({ now: () => t0 });
    // Best effort: the run archived everything, and says what is still to be told.
    expect(first.status).toBe('succeeded');
    expect(first.counts.archived).toBe(2);
    expect(first.acknowledgements).toEqual({ done: 1, refused: 0, pending: 1 });
    expect(summarize(first)).toMatch(/1 archived item not yet acknowledged to the source/);
    const pending = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c002'));
    expect(pending?.status).toBe('archived');
    expect(pending?.ack).toMatchObject({
      status: 'pending',
      lastError: expect.stringMatching(/503 from write-back/),
    });

    failing = false;
    const fetchesBefore = source.calls.filter((c) => c === 'fetch:c002').length;
    // Not due yet: the next run right away leaves it.
    const early = await f.run({ now: () => t0 });
    expect(early.acknowledgements).toEqual({ done: 0, refused: 0, pending: 1 });
    const later = await f.run({ now: () => new Date(t0.getTime() + 24 * 3_600_000) });
    expect(later.acknowledgements).toEqual({ done: 1, refused: 0, pending: 0 });
    expect(source.acknowledged.map((a) => a.id).sort()).toEqual(['c001', 'c002']);
    expect(source.acknowledged.find((a) => a.id === 'c002')?.outcome).toMatchObject({
      status: 'archived',
      objects: [expect.objectContaining({ artifact: 'record.json', sink: 'sinks[0]' })],
    });
    expect(source.calls.filter((c) => c === 'fetch:c002').length).toBe(fetchesBefore);
  });

  it('never asks again after the source refused for good, and the item stays archived', async () => {
    const source = createMemorySource(items(1), {
      script: { acknowledge: () => PluginErrors.invalidInput('field archival_status is not defined') },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    const first = await f.run();
    expect(first.status).toBe('succeeded');
    expect(first.acknowledgements).toEqual({ done: 0, refused: 1, pending: 0 });
    expect(first.warnings.join('\n')).toMatch(/refused.*field archival_status is not defined/);
    const second = await f.run({ now: () => new Date(Date.now() + 7 * 86_400_000) });
    expect(second.acknowledgements).toEqual({ done: 0, refused: 0, pending: 0 });
    expect(source.calls.filter((c) => c === 'ack:c001')).toHaveLength(1);
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001')))?.status).toBe('archived');
  });

  it('spends at most drainFor after the items on acknowledgements that wait for their budget; the rest stay pending for later runs', async () => {
    const budgets = [{ family: 'write-back', requests: 1, per: '1h' }];
    const memory = createMemorySource(items(3));
    const told: string[] = [];
    const source = (context: PluginContext): Source => ({
      pages: memory.pages.bind(memory),
      fetch: memory.fetch.bind(memory),
      acknowledge: (ref: ItemRef, _outcome, signal) =>
        ResultAsync.fromSafePromise(
          context
            .budget('write-back')
            .take(signal)
            .then(() => {
              told.push(ref.id);
            }),
        ),
    });
    const f = fixture({
      source: { instance: source, budgets },
      sinks: [createMemorySink()],
      config: { acknowledge: { drainFor: '300ms' } },
    });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts.archived).toBe(3);
    // One was allowed by the budget; the run did not wait an hour for the others.
    expect(report.acknowledgements).toEqual({ done: 1, refused: 0, pending: 2 });
    expect(await f.withLedger((l) => l.ackCounts('acme', 'test-source'))).toEqual({ pending: 2, refused: 0 });
    expect(told).toHaveLength(1);
  });
});

describe('notes on archived items', () => {
  it('carries a source note into the ledger, the item.archived event and the report (the first ones in full)', async () => {
    const source = createMemorySource([
      ...items(2),
      { id: 'c100', note: 'archived without a recording: none 24 h after the contact ended' },
    ]);
    const f = fixture({ source, sinks: [createMemorySink()] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.notes).toEqual([
      { itemId: 'c100', note: 'archived without a recording: none 24 h after the contact ended' },
    ]);
    expect(report.notesTotal).toBe(1);
    expect(summarize(report)).toMatch(/note c100: archived without a recording/);
    const event = f.events.find((e) => e.type === 'item.archived' && e.itemId === 'c100');
    expect(event).toMatchObject({ note: 'archived without a recording: none 24 h after the contact ended' });
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c100')))?.note).toMatch(
      /^archived without/,
    );
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001')))?.note).toBeUndefined();
  });
});

describe('durable jobs', () => {
  it("gives each plugin a job store in the ledger that outlives the run, apart from other plugins'", async () => {
    const memory = createMemorySource(items(1));
    const seen: unknown[] = [];
    const source = (context: PluginContext): Source => ({
      async *pages(checkpoint, signal) {
        const job = await context.jobs.get('media-download/batch-1');
        seen.push(job?.state ?? null);
        if (!job) await context.jobs.put('media-download/batch-1', { requestId: 'r-42', status: 'PENDING' });
        else await context.jobs.delete('media-download/batch-1');
        yield* memory.pages(checkpoint, signal);
      },
      fetch: memory.fetch.bind(memory),
    });
    const f = fixture({ source: { instance: source }, sinks: [createMemorySink()] });
    await f.run();
    expect(await f.withLedger((l) => l.getJob('acme', 'source', 'media-download/batch-1'))).toMatchObject({
      state: { requestId: 'r-42', status: 'PENDING' },
    });
    await f.run();
    expect(seen).toEqual([null, { requestId: 'r-42', status: 'PENDING' }]);
    expect(await f.withLedger((l) => l.getJob('acme', 'source', 'media-download/batch-1'))).toBeUndefined();
  });

  it('lists a plugin’s jobs a page at a time and refuses state that is not a JSON object', async () => {
    const memory = createMemorySource(items(1));
    let listed: string[] = [];
    let refused: unknown;
    const source = (context: PluginContext): Source => ({
      async *pages(checkpoint, signal) {
        for (const key of ['dx/2026-11-01', 'dx/2026-11-02', 'md/7']) await context.jobs.put(key, { key });
        const out: string[] = [];
        let after: string | undefined;
        do {
          const page = await context.jobs.list({ prefix: 'dx/', after, limit: 1 });
          out.push(...page.jobs.map((j) => j.key));
          after = page.next;
        } while (after !== undefined);
        listed = out;
        try {
          await context.jobs.put('bad', [] as never);
        } catch (error) {
          refused = error;
        }
        yield* memory.pages(checkpoint, signal);
      },
      fetch: memory.fetch.bind(memory),
    });
    await fixture({ source: { instance: source }, sinks: [createMemorySink()] }).run();
    expect(listed).toEqual(['dx/2026-11-01', 'dx/2026-11-02']);
    expect(String(refused)).toMatch(/JSON object/);
  });
});
