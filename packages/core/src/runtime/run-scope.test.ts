import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Checkpoint, ItemRef, ListingWindow, Page, PageOptions, Source } from '../plugin/types.js';
import { RunUsageError } from './run-options.js';
import { checkWindowSupport, itemRefFor, scopedLedger, scopedSource } from './run-scope.js';

const ref = (id: string): ItemRef => ({ id, data: { id } });

/** A source over fixed pages of 3 items, each page's checkpoint its number; it records how it was asked. */
const pagedSource = (pages: number, extra: Partial<Source> = {}) => {
  const asked: { checkpoint: Checkpoint | undefined; options: PageOptions | undefined }[] = [];
  const source: Source = {
    async *pages(checkpoint, _signal, options): AsyncGenerator<Result<Page, PluginError>> {
      asked.push({ checkpoint, options });
      for (let p = 0; p < pages; p++)
        yield ok({
          items: [0, 1, 2].map((i) => ref(`p${p}i${i}`)),
          checkpoint: { page: p },
          total: pages * 3,
        });
    },
    fetch: () => {
      throw new Error('not fetched here');
    },
    ...extra,
  };
  return { source, asked };
};

const collect = async (source: Source, checkpoint?: Checkpoint) => {
  const out: Page[] = [];
  for await (const page of source.pages(checkpoint, new AbortController().signal))
    out.push(page._unsafeUnwrap());
  return out;
};

const ledgers: Ledger[] = [];
afterEach(async () => {
  await Promise.all(ledgers.splice(0).map((l) => l.close()));
});
const ledger = () => {
  const l = openSqliteLedger(path.join(mkdtempSync(path.join(tmpdir(), 'run-scope-')), 'l.db'));
  ledgers.push(l);
  return l;
};

describe('scopedSource', () => {
  it('passes pages through unchanged without a scope, and tells each page listed with the total', async () => {
    const { source } = pagedSource(2);
    const told: unknown[] = [];
    const pages = await collect(scopedSource(source, { onListed: (l) => told.push(l) }, undefined));
    expect(pages.map((p) => p.checkpoint)).toEqual([{ page: 0 }, { page: 1 }]);
    expect(told).toEqual([
      { items: 3, total: 6 },
      { items: 3, total: 6 },
    ]);
  });

  it('--limit cuts the page it ends in, which carries the checkpoint of the page before it', async () => {
    const { source } = pagedSource(4);
    const pages = await collect(scopedSource(source, { limit: 5 }, { page: 'stored' }));
    expect(pages.map((p) => p.items.map((i) => i.id))).toEqual([
      ['p0i0', 'p0i1', 'p0i2'],
      ['p1i0', 'p1i1'],
    ]);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ page: 0 }, { page: 0 }]);
  });

  it('--limit cutting the first page carries the stored checkpoint, or one that is never stored', async () => {
    const { source } = pagedSource(2);
    const [resumed] = await collect(scopedSource(source, { limit: 2 }, { page: 'stored' }));
    expect(resumed!.checkpoint).toEqual({ page: 'stored' });
    const [first] = await collect(scopedSource(source, { limit: 2 }, undefined));
    expect(first!.items).toHaveLength(2);
    // The ledger the flow sees stores any checkpoint but that one.
    const l = ledger();
    const seen = scopedLedger(l, { limit: 2 });
    await seen.setCheckpoint('t', 's', first!.checkpoint, new Date());
    expect(await l.getCheckpoint('t', 's')).toBeUndefined();
    await seen.setCheckpoint('t', 's', { page: 0 }, new Date());
    expect(await l.getCheckpoint('t', 's')).toEqual({ page: 0 });
  });

  it('--limit ending on a page boundary stops there, and a listing resumed after a failure counts on', async () => {
    let calls = 0;
    const source: Source = {
      async *pages(): AsyncGenerator<Result<Page, PluginError>> {
        calls++;
        yield ok({ items: [ref(`c${calls}a`), ref(`c${calls}b`)], checkpoint: { call: calls } });
        if (calls === 1) yield err(PluginErrors.transient('the listing broke'));
        else yield ok({ items: [ref('late')], checkpoint: { call: 'late' } });
      },
      fetch: () => {
        throw new Error('not fetched here');
      },
    };
    const scoped = scopedSource(source, { limit: 3 }, undefined);
    const first: Result<Page, PluginError>[] = [];
    for await (const r of scoped.pages(undefined, new AbortController().signal)) first.push(r);
    expect(first.map((r) => (r.isOk() ? r.value.items.length : 'error'))).toEqual([2, 'error']);
    const again = await collect(scoped, { call: 1 });
    expect(again.map((p) => p.items.map((i) => i.id))).toEqual([['c2a']]);
    expect(await collect(scoped)).toEqual([]);
  });

  it('a window goes to the source with the pages it lists, whatever checkpoint the flow passes', async () => {
    const { source, asked } = pagedSource(1, { window: () => ok({ from: 'a', to: 'b', field: 'f' }) });
    const window: ListingWindow = { since: new Date('2026-10-01T00:00:00Z') };
    await collect(scopedSource(source, { window }, { page: 'stored' }), { page: 'stored' });
    expect(asked).toEqual([{ checkpoint: { page: 'stored' }, options: { window } }]);
    const l = ledger();
    await scopedLedger(l, { window }).setCheckpoint('t', 's', { page: 0 }, new Date());
    expect(await l.getCheckpoint('t', 's')).toBeUndefined();
  });

  it('one item is listed alone; the flow sees no earlier items and stores no checkpoint', async () => {
    const { source, asked } = pagedSource(3);
    const pages = await collect(scopedSource(source, { item: ref('only') }, undefined));
    expect(pages.map((p) => p.items.map((i) => i.id))).toEqual([['only']]);
    expect(asked).toEqual([]);
    const l = ledger();
    await l.beginItem('t', 's', ref('left-pending'), 'run-1', new Date());
    const seen = scopedLedger(l, { item: ref('only') });
    expect(await seen.unsettledPage('t', 's', 'run-2', new Date(), undefined, 10)).toEqual({ refs: [] });
    expect((await l.unsettledPage('t', 's', 'run-2', new Date(), undefined, 10)).refs).toHaveLength(1);
    await seen.setCheckpoint('t', 's', { page: 1 }, new Date());
    expect(await l.getCheckpoint('t', 's')).toBeUndefined();
  });
});

describe('what a source cannot do is a usage error', () => {
  it('a window needs Source.window', () => {
    const { source } = pagedSource(1);
    expect(() => checkWindowSupport(source, 'source', 'files')).toThrow(RunUsageError);
    expect(() => checkWindowSupport(source, 'source', 'files')).toThrow(/cannot list a window/);
    expect(() =>
      checkWindowSupport({ ...source, window: () => ok({ from: '', to: '', field: '' }) }, 'source', 'x'),
    ).not.toThrow();
  });

  it('an item by id: the ledger’s reference first, then refOf, else refused', async () => {
    const l = ledger();
    const stored: ItemRef = { id: 'known', data: { cursor: 'from-the-listing' } };
    await l.beginItem('t', 's', stored, 'run-1', new Date());
    const { source } = pagedSource(1);
    expect(await itemRefFor(l, 't', 's', source, 'source', 'known')).toEqual(stored);
    await expect(itemRefFor(l, 't', 's', source, 'source', 'unknown')).rejects.toThrow(
      /cannot fetch an item by its id alone/,
    );
    const byId = {
      ...source,
      refOf: (id: string) =>
        /^\d+$/.test(id) ? ok(ref(id)) : err(PluginErrors.invalidInput(`"${id}" is not an id here`)),
    };
    expect(await itemRefFor(l, 't', 's', byId, 'source', '42')).toEqual(ref('42'));
    await expect(itemRefFor(l, 't', 's', byId, 'source', 'x')).rejects.toThrow(RunUsageError);
  });
});
