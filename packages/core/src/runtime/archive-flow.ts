import { Effect, Fiber, Latch, Option, Ref, Stream } from 'effect';
import type { Result } from 'neverthrow';
import type { UnsettledCursor } from '../ledger/ledger.js';
import { isPluginError, type PluginError } from '../plugin/errors.js';
import type { Checkpoint, ItemRef, Page } from '../plugin/types.js';
import { makeAcknowledger } from './acknowledger.js';
import { makeBatcher } from './batcher.js';
import { defect, labelled } from './boundary.js';
import type { FlowContext } from './flow-context.js';
import { addOutcome, type ItemOutcome, type Tally } from './outcome.js';
import { type BatchedItem, processItem, storeUnitWithRetry } from './process-item.js';
import { retrySchedule } from './retry.js';

/** Unsettled items are read from the ledger this many at a time, never all at once. */
const UNSETTLED_PAGE = 256;

type Element =
  | { readonly kind: 'item'; readonly ref: ItemRef; readonly page?: number }
  | { readonly kind: 'checkpoint'; readonly page: number; readonly checkpoint: Checkpoint };

/**
 * Commits the source's checkpoint once every item listed before it has settled. Pages are
 * numbered as listed; items settle in any order (they are processed concurrently, unordered), and
 * the checkpoint of page n is written only when pages 0..n are all settled, so a crash never moves
 * the checkpoint past an item the ledger does not have.
 */
class CheckpointTracker {
  readonly #open = new Map<number, { remaining: number; checkpoint?: Checkpoint }>();
  #next = 0;
  listed(page: number, items: number): void {
    this.#open.set(page, { remaining: items });
  }
  marked(page: number, checkpoint: Checkpoint): void {
    const entry = this.#open.get(page);
    if (entry) entry.checkpoint = checkpoint;
  }
  settled(page: number): void {
    const entry = this.#open.get(page);
    if (entry) entry.remaining--;
  }
  /** The checkpoints now safe to commit, in order. */
  ready(): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (;;) {
      const entry = this.#open.get(this.#next);
      if (!entry || entry.remaining > 0 || entry.checkpoint === undefined) return out;
      out.push(entry.checkpoint);
      this.#open.delete(this.#next);
      this.#next++;
    }
  }
}

const pageProblem = (page: Page): string | undefined => {
  if (typeof page !== 'object' || page === null) return 'yielded something that is not a page';
  if (!Array.isArray(page.items)) return 'yielded a page without an items array';
  if (typeof page.checkpoint !== 'object' || page.checkpoint === null || Array.isArray(page.checkpoint))
    return 'yielded a page without a checkpoint object';
  return undefined;
};

export interface ArchiveFlowResult {
  /** Set when the listing failed or stopped: the run's error (items in flight were finished first). */
  readonly listingError?: PluginError;
}

/**
 * The archive flow: items earlier runs left unsettled (read from the ledger page by page), then the
 * source's listing from the stored checkpoint. Items are processed `concurrency` at a time; each
 * outcome is folded into `tally`. A listing that fails retryably resumes from the last page it
 * delivered, by the retry schedule; one that fails for good ends the listing, lets the items in
 * flight finish, and is returned as the run's error.
 */
export const archiveFlow = (
  flowCtx: FlowContext,
  start: Checkpoint | undefined,
  tally: Ref.Ref<Tally>,
): Effect.Effect<ArchiveFlowResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const flowScope = yield* Effect.scope;
      // Acknowledgements run beside the items, from the ledger, and get `acknowledgeDrainMs` after them.
      const acknowledger = makeAcknowledger(flowCtx, tally);
      const acknowledged: FlowContext = acknowledger
        ? { ...flowCtx, archivedToAcknowledge: acknowledger.wake }
        : flowCtx;
      // In the batch layout, records go to batches stored beside the items (batcher.ts).
      const ctx: FlowContext =
        acknowledged.layout.records === 'batch'
          ? {
              ...acknowledged,
              batcher: makeBatcher(acknowledged, {
                batchSize: acknowledged.layout.batchSize,
                store: (unit, itemId, targets) => storeUnitWithRetry(acknowledged, unit, itemId, targets),
                scope: flowScope,
                ...(acknowledger ? { acknowledged: acknowledger.wake } : {}),
              }),
            }
          : acknowledged;
      // Items whose batch is not settled yet: each settles its page when its batch does.
      let outstanding = 0;
      const batchSettled = Latch.makeUnsafe(false);
      const acknowledging = acknowledger ? yield* Effect.forkChild(acknowledger.run) : undefined;
      const tracker = new CheckpointTracker();
      let listingError: PluginError | undefined;

      const unsettled = Stream.paginate<UnsettledCursor | undefined, Element>(undefined, (cursor) =>
        Effect.promise(() =>
          ctx.ledger.unsettledPage(ctx.tenant, ctx.sourceId, ctx.runId, ctx.now(), cursor, UNSETTLED_PAGE),
        ).pipe(
          Effect.map(
            ({ refs, next }) =>
              [refs.map((ref): Element => ({ kind: 'item', ref })), Option.fromNullishOr(next)] as const,
          ),
        ),
      );

      let lastListed = start;
      let pageNo = 0;
      const where = `${ctx.source.label}.pages`;
      const state: { stopped?: string } = {};
      const listing = Stream.suspend(() => {
        let pages: AsyncIterable<unknown>;
        try {
          pages = ctx.source.instance.pages(lastListed, ctx.signal);
        } catch (cause) {
          return Stream.fail(defect(where, cause));
        }
        return Stream.fromAsyncIterable(pages, (cause) => defect(where, cause));
      }).pipe(
        Stream.mapEffect((value) => {
          const result = value as Result<Page, PluginError>;
          if (result === null || typeof result !== 'object' || typeof result.isOk !== 'function')
            return Effect.fail(defect(where, new TypeError('yielded something that is not a Result')));
          return result.isOk() ? Effect.succeed(result.value) : Effect.fail(labelled(result.error, where));
        }),
        Stream.flatMap((page) => {
          const problem = pageProblem(page);
          if (problem) return Stream.fail(defect(where, new TypeError(problem)));
          lastListed = page.checkpoint;
          const n = pageNo++;
          tracker.listed(n, page.items.length);
          return Stream.fromIterable<Element>([
            ...page.items.map((ref): Element => ({ kind: 'item', ref, page: n })),
            { kind: 'checkpoint', page: n, checkpoint: page.checkpoint },
          ]);
        }),
        Stream.retry(
          retrySchedule(
            ctx.policy,
            ctx.budgets,
            {
              onRetry: (info) =>
                ctx.logger.warn('the listing failed; resuming from the last page it delivered', {
                  errorTag: info.error._tag,
                  delayMs: info.delayMs,
                  reason: ctx.scrubber.scrub(info.error.message),
                }),
            },
            state,
          ),
        ),
        Stream.catch((error: PluginError) => {
          listingError =
            state.stopped && isPluginError(error)
              ? { ...error, message: `${error.message} (${state.stopped})` }
              : error;
          return Stream.empty;
        }),
      );

      // Checkpoints are cumulative: the newest ready one says everything the others say.
      const commitReady = Effect.gen(function* () {
        const checkpoint = tracker.ready().at(-1);
        if (checkpoint !== undefined)
          yield* Effect.promise(() =>
            ctx.ledger.setCheckpoint(ctx.tenant, ctx.sourceId, checkpoint, ctx.now()),
          );
      });

      yield* Stream.concat(unsettled, listing).pipe(
        Stream.mapEffect(
          (el): Effect.Effect<{ el: Element; outcome?: ItemOutcome | BatchedItem }> =>
            el.kind === 'item'
              ? Effect.map(
                  processItem(ctx, el.ref, (outcome) => Ref.update(tally, (t) => addOutcome(t, outcome))),
                  (outcome) => ({ el, outcome }),
                )
              : Effect.succeed({ el }),
          { concurrency: ctx.concurrency, unordered: true },
        ),
        Stream.runForEach(({ el, outcome }) =>
          Effect.gen(function* () {
            if (el.kind === 'checkpoint') tracker.marked(el.page, el.checkpoint);
            else if (outcome?.status === 'batched') {
              // Settled with its batch: the page waits for it.
              const page = el.page;
              outstanding++;
              void outcome.settled.then(() => {
                if (page !== undefined) tracker.settled(page);
                outstanding--;
                Latch.openUnsafe(batchSettled);
              });
            } else {
              // The outcome was counted by the item itself, when it settled.
              if (outcome && el.page !== undefined) tracker.settled(el.page);
            }
            yield* commitReady;
          }),
        ),
      );
      if (ctx.batcher) {
        yield* ctx.batcher.finish();
        // Every batch is settled now; what remains is the last pages' checkpoints.
        while (outstanding > 0) {
          yield* batchSettled.await;
          Latch.closeUnsafe(batchSettled);
        }
        yield* commitReady;
      }
      if (acknowledger && acknowledging) {
        acknowledger.finish();
        const drained = yield* Effect.timeoutOption(Fiber.join(acknowledging), ctx.acknowledgeDrainMs);
        // What is left stays pending in the ledger: a later run tells the source.
        if (Option.isNone(drained)) yield* Fiber.interrupt(acknowledging);
      }
      return listingError ? { listingError } : {};
    }),
  );
