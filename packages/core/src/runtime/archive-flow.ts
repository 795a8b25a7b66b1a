import { Effect, Fiber, Latch, Option, Ref, Stream } from 'effect';
import type { Result } from 'neverthrow';
import type { BeginResult, UnsettledCursor } from '../ledger/ledger.js';
import { isPluginError, type PluginError } from '../plugin/errors.js';
import type { Checkpoint, ItemRef, Page } from '../plugin/types.js';
import { makeAcknowledger } from './acknowledger.js';
import { makeBatcher } from './batcher.js';
import { defect, labelled } from './boundary.js';
import type { FlowContext } from './flow-context.js';
import { addOutcome, type ItemOutcome, type Tally } from './outcome.js';
import {
  type BatchedItem,
  batchMemberOf,
  noteOf,
  type Prepared,
  processItem,
  skippedOutcome,
  storeUnitWithRetry,
  usableRef,
} from './process-item.js';
import { isQuick, quickPass } from './quick-pass.js';
import { retrySchedule } from './retry.js';
import { artifactsProblem, recordArtifact } from './units.js';

/** Unsettled items are read from the ledger this many at a time, never all at once. */
const UNSETTLED_PAGE = 256;

/** A listed page (`page` numbers it, with its checkpoint), or a page of items earlier runs left. */
interface PageOfRefs {
  readonly refs: readonly ItemRef[];
  readonly page?: number;
  readonly checkpoint?: Checkpoint;
}

type Element =
  | {
      readonly kind: 'item';
      readonly ref: ItemRef;
      readonly page?: number;
      readonly begin: BeginResult;
      readonly prepared?: Prepared;
    }
  /** Items of a page placed in their batches by the page's quick pass: each settles with its batch. */
  | { readonly kind: 'batched'; readonly page?: number; readonly settled: readonly Promise<ItemOutcome>[] }
  /** Items of a page settled when it was begun (already archived, listed twice, not due yet…). */
  | { readonly kind: 'settled'; readonly page?: number; readonly count: number }
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

/**
 * Begins a page's items in one ledger write, settles at once those that need nothing (already
 * archived, listed twice, not due yet), and in the batch layout runs the page's quick pass: new
 * items without artifacts go straight to their batches. What is left becomes elements for the
 * items' own programs, each handed its begin and how far the quick pass took it.
 */
const beginPage = (ctx: FlowContext, page: PageOfRefs, tally: Ref.Ref<Tally>): Effect.Effect<Element[]> =>
  Effect.gen(function* () {
    const usable = page.refs.map(usableRef);
    const begins = yield* Effect.promise(() =>
      ctx.ledger.beginMany(
        ctx.tenant,
        ctx.sourceId,
        usable.map((u) => u.ref),
        ctx.runId,
        ctx.now(),
      ),
    );
    const batcher = ctx.batcher;
    // Listed items begun for the first time, with a usable ref: what a quick pass may take.
    const fresh: number[] = [];
    if (batcher && page.page !== undefined)
      for (const [i, begin] of begins.entries())
        if (usable[i]!.problem === undefined && begin.state === 'begun' && begin.attempts === 1)
          fresh.push(i);
    const prepared =
      fresh.length === 0
        ? []
        : yield* Effect.promise((signal) =>
            quickPass(
              ctx,
              fresh.map((i) => usable[i]!.ref),
              signal,
            ),
          );
    const preparedAt = new Map<number, Prepared>();
    for (const [k, p] of prepared.entries()) if (p !== undefined) preparedAt.set(fresh[k]!, p);

    const elements: Element[] = [];
    const settledNow: ItemOutcome[] = [];
    const settled: Promise<ItemOutcome>[] = [];
    const count = (outcome: ItemOutcome) => Ref.update(tally, (t) => addOutcome(t, outcome));
    const recordName = `${ctx.source.instance.recordName ?? 'record'}.json`;
    for (const [i, begin] of begins.entries()) {
      const ref = usable[i]!.ref;
      const skipped = skippedOutcome(ctx, ref, begin);
      if (skipped) {
        settledNow.push(skipped);
        continue;
      }
      const p = preparedAt.get(i);
      if (batcher && isQuick(ctx, p) && !artifactsProblem(p.item, [recordArtifact(recordName, {})])) {
        const { member, batched } = batchMemberOf(ctx, ref, count, {
          item: p.item,
          note: noteOf(ctx, p.item),
          firstAttempt: true,
          objects: [],
          newObjects: 0,
          plaintextBytes: 0,
          storedBytes: 0,
          retries: 0,
        });
        batcher.addNew(member);
        settled.push(batched.settled);
        continue;
      }
      elements.push({
        kind: 'item',
        ref: page.refs[i]!,
        begin,
        ...(page.page === undefined ? {} : { page: page.page }),
        ...(p ? { prepared: p } : {}),
      });
    }
    if (settledNow.length > 0) {
      yield* Ref.update(tally, (t) => settledNow.reduce(addOutcome, t));
      elements.push({
        kind: 'settled',
        count: settledNow.length,
        ...(page.page === undefined ? {} : { page: page.page }),
      });
    }
    if (settled.length > 0)
      elements.push({ kind: 'batched', settled, ...(page.page === undefined ? {} : { page: page.page }) });
    if (page.page !== undefined && page.checkpoint !== undefined)
      elements.push({ kind: 'checkpoint', page: page.page, checkpoint: page.checkpoint });
    // Full batches start now, waiting for an upload slot: the listing waits with them.
    if (batcher) yield* batcher.startReady();
    return elements;
  });

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
): Effect.Effect<ArchiveFlowResult> => itemsFlow(processItem)(flowCtx, start, tally);

/** What becomes of one listed item in a flow: the archive flow's `processItem`, the attach flow's own. */
export type ItemProgram = typeof processItem;

/**
 * The flow of listed items (unsettled ones first, then the source's listing from `start`), each
 * processed by `program`, `concurrency` at a time, with the checkpoint committed behind them: what
 * the archive flow and the attach flow share.
 */
export const itemsFlow =
  (program: ItemProgram) =>
  (
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

        const unsettled = Stream.paginate<UnsettledCursor | undefined, PageOfRefs>(undefined, (cursor) =>
          Effect.promise(() =>
            ctx.ledger.unsettledPage(ctx.tenant, ctx.sourceId, ctx.runId, ctx.now(), cursor, UNSETTLED_PAGE),
          ).pipe(Effect.map(({ refs, next }) => [[{ refs }], Option.fromNullishOr(next)] as const)),
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
          Stream.mapEffect((page) => {
            const problem = pageProblem(page);
            if (problem) return Effect.fail(defect(where, new TypeError(problem)));
            lastListed = page.checkpoint;
            const n = pageNo++;
            tracker.listed(n, page.items.length);
            return Effect.succeed<PageOfRefs>({ refs: page.items, page: n, checkpoint: page.checkpoint });
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

        const count = (outcome: ItemOutcome) => Ref.update(tally, (t) => addOutcome(t, outcome));
        // Settled with its batch: the page waits for it.
        const awaitBatch = (page: number | undefined, settled: Promise<ItemOutcome>): void => {
          outstanding++;
          void settled.then(() => {
            if (page !== undefined) tracker.settled(page);
            outstanding--;
            Latch.openUnsafe(batchSettled);
          });
        };

        yield* Stream.concat(unsettled, listing).pipe(
          Stream.mapEffect((page) => beginPage(ctx, page, tally)),
          Stream.flatMap((elements) => Stream.fromIterable(elements)),
          Stream.mapEffect(
            (el): Effect.Effect<{ el: Element; outcome?: ItemOutcome | BatchedItem }> =>
              el.kind === 'item'
                ? Effect.map(
                    program(ctx, el.ref, count, {
                      begin: el.begin,
                      ...(el.prepared ? { prepared: el.prepared } : {}),
                    }),
                    (outcome) => ({ el, outcome }),
                  )
                : Effect.succeed({ el }),
            { concurrency: ctx.concurrency, unordered: true },
          ),
          Stream.runForEach(({ el, outcome }) =>
            Effect.gen(function* () {
              if (el.kind === 'checkpoint') tracker.marked(el.page, el.checkpoint);
              else if (el.kind === 'batched') for (const settled of el.settled) awaitBatch(el.page, settled);
              else if (el.kind === 'settled') {
                if (el.page !== undefined) for (let i = 0; i < el.count; i++) tracker.settled(el.page);
              } else if (outcome?.status === 'batched') awaitBatch(el.page, outcome.settled);
              // The outcome was counted by the item itself, when it settled.
              else if (outcome && el.page !== undefined) tracker.settled(el.page);
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
