import type { Result } from 'neverthrow';
import { ok } from 'neverthrow';
import type { Ledger } from '../ledger/ledger.js';
import type { PluginError } from '../plugin/errors.js';
import type { Checkpoint, ItemRef, ListingWindow, Page, Source } from '../plugin/types.js';
import { RunUsageError } from './run-options.js';

/**
 * What narrows a run (`run --since/--until`, `--limit`, `--item`), applied around the source and
 * the ledger the flow sees, so the flows themselves stay as they are:
 * - a window lists `[since, until)` through the source's own `pages(…, window)`; the stored
 *   checkpoint is not moved (the next plain run goes on from where the last one stopped);
 * - a limit stops the listing after `limit` items: a page cut short carries the checkpoint of the
 *   page before it, so the checkpoint never covers an item that was not settled;
 * - one item is listed alone (by the reference the ledger holds, or the source's `refOf`), with
 *   neither the items earlier runs left nor any checkpoint.
 */
export interface RunScope {
  readonly window?: ListingWindow;
  readonly limit?: number;
  readonly item?: ItemRef;
  /** Told of every page listed: how many items it holds, and the listing's total when known. */
  readonly onListed?: (listed: { readonly items: number; readonly total?: number }) => void;
}

/** A checkpoint that is never stored: the one a page cut short carries when there is none before it. */
const UNSTORED: Checkpoint = Object.freeze({}) as Checkpoint;

/** The source the flow lists from, narrowed by the scope. `fetch` and the rest go to the source itself. */
export const scopedSource = (source: Source, scope: RunScope, start: Checkpoint | undefined): Source => {
  let listed = 0;
  // The checkpoint of the last whole page passed on: what a page cut short carries.
  let lastWhole: Checkpoint | undefined = start;
  async function* pages(
    checkpoint: Checkpoint | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Result<Page, PluginError>> {
    if (scope.item !== undefined) {
      scope.onListed?.({ items: 1, total: 1 });
      yield ok({ items: [scope.item], checkpoint: UNSTORED });
      return;
    }
    if (scope.limit !== undefined && listed >= scope.limit) return;
    // A window listing resumed after a failure starts the window again: items this run has
    // begun already are `duplicate` in the ledger and are not processed twice.
    const pagesOf =
      scope.window === undefined
        ? source.pages(checkpoint, signal)
        : source.pages(checkpoint, signal, { window: scope.window });
    for await (const result of pagesOf) {
      if (result.isErr()) {
        yield result;
        continue;
      }
      const page = result.value;
      const room = scope.limit === undefined ? Number.POSITIVE_INFINITY : scope.limit - listed;
      const items = Array.isArray(page.items) ? page.items : [];
      if (items.length <= room) {
        listed += items.length;
        lastWhole = page.checkpoint;
        scope.onListed?.({ items: items.length, ...(page.total === undefined ? {} : { total: page.total }) });
        yield result;
        if (listed === scope.limit) return;
        continue;
      }
      const kept = items.slice(0, room);
      listed += kept.length;
      scope.onListed?.({ items: kept.length, ...(page.total === undefined ? {} : { total: page.total }) });
      yield ok({ items: kept, checkpoint: lastWhole ?? UNSTORED });
      return;
    }
  }
  return new Proxy(source, {
    get(target, property, receiver) {
      if (property === 'pages') return pages;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};

/**
 * The ledger the flow sees: a window or one item stores no checkpoint, and one item leaves the
 * items earlier runs left alone. Everything else is the ledger itself.
 */
export const scopedLedger = (ledger: Ledger, scope: RunScope): Ledger => {
  const keepsCheckpoint = scope.window !== undefined || scope.item !== undefined;
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'setCheckpoint')
        return (tenant: string, source: string, checkpoint: Checkpoint, at: Date) =>
          keepsCheckpoint || checkpoint === UNSTORED
            ? Promise.resolve()
            : target.setCheckpoint(tenant, source, checkpoint, at);
      if (property === 'unsettledPage' && scope.item !== undefined)
        return () => Promise.resolve({ refs: [] });
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};

/**
 * The reference of the item `run --item` names: the one the ledger holds (the item was listed
 * before), else the source's `refOf`. A source that can do neither cannot archive an item by its
 * id alone: a usage error.
 */
export const itemRefFor = async (
  ledger: Ledger,
  tenant: string,
  sourceId: string,
  source: Source,
  label: string,
  id: string,
): Promise<ItemRef> => {
  const known = await ledger.getItem(tenant, sourceId, id);
  if (known !== undefined) return known.ref;
  if (typeof source.refOf !== 'function')
    throw new RunUsageError(
      `--item: the ledger does not know item ${JSON.stringify(id)}, and ${label} (${sourceId}) cannot fetch an item by its id alone: it archives only what it lists. Run without --item, or with --since/--until around the item`,
    );
  const ref = source.refOf(id);
  if (ref.isErr()) throw new RunUsageError(`--item: ${ref.error.message}`);
  return ref.value;
};

/** The window `run --since/--until` asks for, refused for a source that cannot list one. */
export const checkWindowSupport = (source: Source, label: string, sourceId: string): void => {
  if (typeof source.window !== 'function')
    throw new RunUsageError(
      `--since/--until: ${label} (${sourceId}) cannot list a window of its own dates; it only resumes from its checkpoint. Run without --since/--until`,
    );
};
