import { type ListPage, okAsync, type Sink } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { createMemorySink } from './memory-sink.js';
import { sinkConformanceCases, sinkConformancePlan } from './sink-conformance.js';

/** The `list` case of the suite, checked against in-memory sinks with deliberate defects. */

const PREFIX = 'vault/acme/';
const PAGE = 2;

interface Flaws {
  /** Reports the physical key as the logical one. */
  readonly physicalAsLogical?: boolean;
  /** Gives no `next` on the page before the last: the last page is lost. */
  readonly losesLastPage?: boolean;
  /** Lists the temp file of a put in flight. */
  readonly listsTempFiles?: boolean;
  /** Reports every size one byte short. */
  readonly wrongSize?: boolean;
  /** Lists every object, whatever the prefix. */
  readonly ignoresPrefix?: boolean;
  /** Reverses each page. */
  readonly unsorted?: boolean;
  /** Lists with an aborted signal as if it were live. */
  readonly ignoresSignal?: boolean;
}

/** A memory sink (prefix `vault/acme/`, pages of 2) whose `list` has the given defects. */
const flawed = (flaws: Flaws = {}): Sink => {
  const inner = createMemorySink({ prefix: PREFIX, listPageSize: PAGE });
  const inFlight = new Set<string>();
  let temps = 0;
  const list: NonNullable<Sink['list']> = (prefix, options) => {
    const signal = flaws.ignoresSignal ? new AbortController().signal : options.signal;
    return inner.list!(flaws.ignoresPrefix ? '' : prefix, { ...options, signal }).andThen((page) => {
      let objects = page.objects.map((o) => ({
        ...o,
        ...(flaws.physicalAsLogical ? { key: o.physicalKey } : {}),
        ...(flaws.wrongSize ? { size: o.size - 1 } : {}),
      }));
      if (flaws.unsorted) objects = objects.reverse();
      if (flaws.listsTempFiles && options.after === undefined)
        objects = [
          ...[...inFlight].map((key) => ({ key, physicalKey: `${PREFIX}${key}`, size: 1 })),
          ...objects,
        ];
      if (page.next === undefined || !flaws.losesLastPage) return okAsync({ ...page, objects });
      // Drop `next` when the page after it is the last one.
      return inner.list!(prefix, { ...options, after: page.next }).map(
        (following): ListPage => (following.next === undefined ? { objects } : { objects, next: page.next! }),
      );
    });
  };
  return {
    ...inner,
    put: (key, body, options) => {
      const temp = `.cxarchive~tmp/${++temps}.tmp`;
      inFlight.add(temp);
      return inner.put(key, body, options).map((stored) => {
        inFlight.delete(temp);
        return stored;
      });
    },
    list,
  };
};

const listCase = () => {
  const found = sinkConformanceCases({ abortSettleMs: 300 }).filter((c) => c.id === 'list');
  expect(found).toHaveLength(1);
  return found[0]!;
};

const env = { prefix: PREFIX, listPageSize: PAGE };

describe('the list case', () => {
  it('passes a memory sink with a prefix, in pages of 2', async () => {
    await listCase().run(flawed(), env);
  });
  it('passes a memory sink without a prefix and with its default page (no page size known)', async () => {
    await listCase().run(createMemorySink(), {});
  });

  const defects: readonly [string, Flaws, string][] = [
    ['that lists physical keys as logical ones', { physicalAsLogical: true }, 'every object under it'],
    ['that loses the last page', { losesLastPage: true }, 'every object under it'],
    ['that lists the temp file of a put in flight', { listsTempFiles: true }, 'while a put is in flight'],
    ['that reports wrong sizes', { wrongSize: true }, 'every object under it'],
    ['that ignores the prefix', { ignoresPrefix: true }, 'every object under it'],
    ['whose keys are out of order', { unsorted: true }, 'every object under it'],
    ['that ignores an aborted signal', { ignoresSignal: true }, 'aborted signal'],
  ];
  for (const [label, flaws, message] of defects)
    it(`fails a sink ${label}`, async () => {
      // The temp file makes its page one too big: without a declared page size, what fails is the temp file.
      const declared = flaws.listsTempFiles ? { prefix: PREFIX } : env;
      await expect(listCase().run(flawed(flaws), declared)).rejects.toThrow(message);
    });

  it('fails a sink whose pages exceed the page size its setup declared', async () => {
    const big = createMemorySink({ prefix: PREFIX, listPageSize: 3 });
    await expect(listCase().run(big, env)).rejects.toThrow('at most the 2 the sink was made with');
  });

  it('fails a sink without list that does not say why', async () => {
    const { list: _, ...unlisted } = createMemorySink();
    await expect(listCase().run(unlisted, {})).rejects.toThrow('listUnsupported');
  });

  it('is registered as skipped, with the reason, for a sink that declares listUnsupported', () => {
    const plan = sinkConformancePlan({ listUnsupported: 'the store has no index to walk' });
    expect(plan.find((p) => p.testCase.id === 'list')?.skipped).toBe('the store has no index to walk');
    expect(sinkConformancePlan().find((p) => p.testCase.id === 'list')?.skipped).toBeUndefined();
  });
});
