import { Effect, Latch, Ref, type Scope, Semaphore } from 'effect';
import type { PendingAck } from '../ledger/ledger.js';
import { isRetryable, type PluginError } from '../plugin/errors.js';
import type { Outcome } from '../plugin/types.js';
import { invoke } from './boundary.js';
import type { FlowContext } from './flow-context.js';
import { type AckOutcome, addAck, type Tally } from './outcome.js';
import { asStored } from './process-item.js';
import { withRetry } from './retry.js';

/** Pending acknowledgements are read from the ledger this many at a time, never all at once. */
const ACK_PAGE = 64;
/**
 * Acknowledgements in flight at once: 2, so one stuck acknowledgement does not stop the others, but
 * never more than half the source's `maxInFlight`: an acknowledgement waiting for its budget inside
 * the source holds one of those slots, and the items need the rest.
 */
const ackConcurrency = (maxInFlight: number | undefined): number =>
  maxInFlight === undefined ? 2 : Math.max(1, Math.min(2, Math.floor(maxInFlight / 2)));
/** An acknowledgement that failed and may pass is tried again after this, doubled per attempt... */
const ACK_RETRY_BASE_MS = 5 * 60_000;
/** ...up to this. */
const ACK_RETRY_MAX_MS = 24 * 3_600_000;

const retryDelayMs = (attempts: number): number =>
  Math.min(ACK_RETRY_MAX_MS, ACK_RETRY_BASE_MS * 2 ** Math.min(attempts, 20));

/** What a failed acknowledgement comes to: tried again later (it may pass), or refused for good. */
const settlementOf = (
  ctx: FlowContext,
  error: PluginError,
  attempts: number,
): { status: 'pending'; error: string; retryAt: Date } | { status: 'refused'; error: string } => {
  const reason = `[${error._tag}] ${ctx.scrubber.scrub(error.message)}`;
  if (error._tag === 'NotYet' && error.retryAt instanceof Date && !Number.isNaN(error.retryAt.getTime()))
    return { status: 'pending', error: reason, retryAt: error.retryAt };
  // Auth may pass once the credentials or permissions are fixed: not a refusal of this item.
  if (isRetryable(error) || error._tag === 'NotYet' || error._tag === 'Auth')
    return {
      status: 'pending',
      error: reason,
      retryAt: new Date(ctx.now().getTime() + retryDelayMs(attempts)),
    };
  return { status: 'refused', error: reason };
};

/** Tells the source about one archived item and records how it went. */
const acknowledgeOne = (
  ctx: FlowContext,
  pending: PendingAck,
  tally: Ref.Ref<Tally>,
  acknowledge: NonNullable<FlowContext['source']['instance']['acknowledge']>,
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const { ref } = pending;
    const outcome: Outcome = { status: 'archived', objects: pending.objects.map(asStored) };
    const result = yield* Effect.result(
      withRetry(
        invoke(ctx.inflight, ctx.source, 'acknowledge', (signal) => acknowledge(ref, outcome, signal)),
        ctx.policy,
        ctx.budgets,
      ),
    );
    // Recorded and counted as one step: an acknowledgement the ledger has is in the report.
    yield* Effect.uninterruptible(
      Effect.gen(function* () {
        let counted: AckOutcome;
        if (result._tag === 'Success') {
          yield* Effect.promise(() =>
            ctx.ledger.settleAck(ctx.tenant, ctx.sourceId, ref.id, { status: 'done' }, ctx.now()),
          );
          counted = { status: 'done', itemId: ref.id };
        } else {
          const settlement = settlementOf(ctx, result.failure, pending.attempts + 1);
          yield* Effect.promise(() =>
            ctx.ledger.settleAck(ctx.tenant, ctx.sourceId, ref.id, settlement, ctx.now()),
          );
          ctx.logger.warn(
            settlement.status === 'refused'
              ? 'the source refused to be told the item is archived; it stays archived, and is not told again'
              : 'the source could not be told the item is archived; it stays archived, and a later run tells it',
            {
              itemId: ref.id,
              reason: settlement.error,
              ...(settlement.status === 'pending' ? { retryAt: settlement.retryAt.toISOString() } : {}),
            },
          );
          counted = { status: settlement.status, itemId: ref.id, reason: settlement.error };
        }
        yield* Ref.update(tally, (t) => addAck(t, counted));
      }),
    );
  });

export interface Acknowledger {
  /** Wakes it: an item to be acknowledged was committed. */
  readonly wake: () => void;
  /**
   * Tells it the run's items are all settled: it makes one more pass over what is due and ends.
   * The caller bounds that pass in time (`acknowledge.drainFor`) by interrupting it.
   */
  readonly finish: () => void;
  /** Acknowledges what the ledger has pending and due, pass after pass, until finished. */
  readonly run: Effect.Effect<void>;
}

/**
 * The acknowledger of a run: archived items the source is to be told about are marked pending in
 * the ledger when they are committed, and this tells the source, from the ledger, alongside the
 * archiving (a slow write-back never holds an item up) — including items earlier runs could not
 * tell. A failure is recorded, never a change to the item: it stays archived.
 */
export const makeAcknowledger = (ctx: FlowContext, tally: Ref.Ref<Tally>): Acknowledger | undefined => {
  const instance = ctx.source.instance;
  if (typeof instance.acknowledge !== 'function') return undefined;
  const acknowledge = instance.acknowledge.bind(instance);
  const latch = Latch.makeUnsafe(true);
  const permits = Semaphore.makeUnsafe(ackConcurrency(instance.limits?.maxInFlight));
  // Items being acknowledged now: a pass never starts one twice. A slow or stuck acknowledgement
  // holds one slot only; the others go on with what comes after it.
  const inFlight = new Set<string>();
  let finished = false;
  /** Starts every due acknowledgement not in flight, as slots free up; returns how many it started. */
  const pass = (scope: Scope.Scope) =>
    Effect.gen(function* () {
      let started = 0;
      let cursor: string | undefined;
      do {
        const page = yield* Effect.promise(() =>
          ctx.ledger.pendingAcks(ctx.tenant, ctx.sourceId, cursor, ACK_PAGE, ctx.now()),
        );
        for (const pending of page.items) {
          if (inFlight.has(pending.ref.id)) continue;
          yield* permits.take(1);
          // The page may be stale by now: an item in flight when it was read may have been told and
          // settled while this waited for a slot. Told once: look again, as committed.
          const due =
            !inFlight.has(pending.ref.id) &&
            (yield* Effect.promise(() =>
              ctx.ledger.ackDue(ctx.tenant, ctx.sourceId, pending.ref.id, ctx.now()),
            ));
          if (!due) {
            yield* permits.release(1);
            continue;
          }
          inFlight.add(pending.ref.id);
          started++;
          yield* acknowledgeOne(ctx, pending, tally, acknowledge).pipe(
            Effect.ensuring(
              Effect.sync(() => {
                inFlight.delete(pending.ref.id);
                Latch.openUnsafe(latch);
              }),
            ),
            Effect.ensuring(permits.release(1)),
            Effect.forkIn(scope),
          );
        }
        cursor = page.next;
      } while (cursor !== undefined);
      return started;
    });
  return {
    wake: () => {
      Latch.openUnsafe(latch);
    },
    finish: () => {
      finished = true;
      Latch.openUnsafe(latch);
    },
    run: Effect.scoped(
      Effect.gen(function* () {
        const scope = yield* Effect.scope;
        for (;;) {
          yield* latch.await;
          // Closed before the pass: a wake during the pass (an item committed, an
          // acknowledgement done) opens it again for the next one.
          Latch.closeUnsafe(latch);
          const last = finished;
          const started = yield* pass(scope);
          // Done once told so, with nothing more to start and nothing in flight.
          if (last && started === 0 && inFlight.size === 0) return;
        }
      }),
    ),
  };
};
