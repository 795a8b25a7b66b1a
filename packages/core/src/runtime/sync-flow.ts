import { Effect, Ref } from 'effect';
import { batchIdOf, type LedgerObject, type MissingObject, storedKeyOf } from '../ledger/ledger.js';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Checkpoint } from '../plugin/types.js';
import { invoke } from './boundary.js';
import type { FlowContext, SinkTarget } from './flow-context.js';
import { addOutcome, type ItemOutcome, type Tally } from './outcome.js';
import { putToSinks, readBack } from './put-to-sinks.js';
import { type RetryHooks, withRetry } from './retry.js';

/** Missing objects are read from the ledger this many at a time. */
const PAGE = 256;

/** `<item>/<artifact> → <sink>`; a batch object (the batch layout) as `batch <batchId>/records.jsonl → <sink>`. */
const describeObject = (m: MissingObject, target: SinkTarget) => {
  const batchId = batchIdOf(m.itemId);
  return `${batchId === undefined ? m.itemId : `batch ${batchId}`}/${m.artifact} → ${target.label}`;
};

/**
 * Copies one stored object, as it is (no decoding, no re-encryption), from a sink that holds it to
 * `target`: streamed, verified by the target store's checksum like any put, and compared with the
 * SHA-256 recorded when it was archived, so the copy is exactly what was verified then.
 */
const copyOnce = (
  ctx: FlowContext,
  target: SinkTarget,
  holder: LedgerObject,
  from: SinkTarget,
  itemId: string,
): Effect.Effect<{ readonly object: LedgerObject; readonly adopted: boolean }, PluginError> =>
  Effect.gen(function* () {
    // Where the holder keeps it (a rewrapped object sits beside its original key): the same there.
    const key = storedKeyOf(holder);
    const body = yield* invoke(ctx.inflight, from, 'get', (signal) => from.instance.get(key, signal));
    const outcome = yield* putToSinks(
      ctx,
      {
        key,
        contentType: holder.contentType ?? 'application/octet-stream',
        metadata: { 'cxarchive-key-id': holder.keyId },
        body,
        itemId,
        upstreamFailure: () => undefined,
      },
      [target],
    );
    if (outcome.failure) return yield* Effect.fail(outcome.failure);
    const stored = outcome.stored[0];
    if (stored) {
      if (stored.sha256 !== holder.sha256 || stored.size !== holder.size)
        return yield* Effect.fail(
          PluginErrors.permanent(
            `${from.label} gave bytes for ${key} that differ from what was archived (SHA-256 ${holder.sha256}); the copy on ${target.label} is not recorded`,
          ),
        );
      return {
        object: {
          ...holder,
          sink: target.label,
          physicalKey: stored.physicalKey,
          checksum: stored.checksum,
          runId: ctx.runId,
          ...(stored.versionId ? { versionId: stored.versionId } : {}),
        },
        adopted: false,
      };
    }
    // The target already has something at the key (an earlier sync that lost its ledger write).
    const existing = yield* readBack(ctx, target, key);
    if (existing.sha256 !== holder.sha256)
      return yield* Effect.fail(
        PluginErrors.permanent(
          `${target.label}: a different object already exists at ${key}; it was left untouched`,
        ),
      );
    const info = yield* invoke(ctx.inflight, target, 'head', (signal) => target.instance.head(key, signal));
    return {
      object: {
        ...holder,
        sink: target.label,
        physicalKey: info?.key ?? key,
        checksum: { algorithm: 'sha256', value: existing.sha256 },
        runId: ctx.runId,
      },
      adopted: true,
    };
  });

const copyObject = (ctx: FlowContext, target: SinkTarget, m: MissingObject): Effect.Effect<ItemOutcome> =>
  Effect.gen(function* () {
    const what = describeObject(m, target);
    const holder = m.held.find((h) => h.sink !== target.label && ctx.sinks.some((s) => s.label === h.sink));
    if (!holder) {
      const reason = `no sink of this pipeline holds ${what.split(' →')[0]} (it is recorded on ${m.held.map((h) => h.sink).join(', ')})`;
      return {
        status: 'failed',
        itemId: what,
        errorTag: 'InvalidInput',
        reason,
        retries: 0,
        newObjects: 0,
        storedBytes: 0,
      };
    }
    const from = ctx.sinks.find((s) => s.label === holder.sink)!;
    let retries = 0;
    const hooks: RetryHooks = {
      onRetry: () => {
        retries++;
      },
    };
    const copied = yield* Effect.result(
      withRetry(
        Effect.suspend(() => copyOnce(ctx, target, holder, from, m.itemId)),
        ctx.policy,
        ctx.budgets,
        hooks,
      ),
    );
    if (copied._tag === 'Failure') {
      const reason = ctx.scrubber.scrub(copied.failure.message);
      return {
        status: 'failed',
        itemId: what,
        errorTag: copied.failure._tag,
        reason,
        retries,
        newObjects: 0,
        storedBytes: 0,
      };
    }
    const copy = copied.success.object;
    yield* Effect.promise(() => ctx.ledger.recordObject(ctx.tenant, ctx.sourceId, m.itemId, copy, ctx.now()));
    const { keyId: _k, unitId: _u, runId: _r, contentType: _c, ...stored } = copy;
    return {
      status: 'archived',
      itemId: what,
      objects: [stored],
      newObjects: 1,
      adoptedObjects: copied.success.adopted ? 1 : 0,
      plaintextBytes: 0,
      storedBytes: copy.size,
      retries,
    };
  });

/**
 * The sync flow (`cxarchive sync`): fills every sink of the pipeline with the objects of archived
 * items that another sink holds and it does not (a sink added after they were archived). In the
 * batch layout a stored batch is an archived item of kind `batch` (`#batch:<batchId>`): its object
 * is copied like any other, as it is (its context binds its key, which the copy keeps). Each
 * object copied is one outcome (`archived`, or `failed` with the reason) in the report.
 */
export const syncFlow = (
  ctx: FlowContext,
  _start: Checkpoint | undefined,
  tally: Ref.Ref<Tally>,
): Effect.Effect<{ readonly listingError?: PluginError }> =>
  Effect.gen(function* () {
    for (const target of ctx.sinks) {
      let cursor: { itemId: string; artifact: string } | undefined;
      do {
        const page = yield* Effect.promise(() =>
          ctx.ledger.laggingPage(ctx.tenant, ctx.sourceId, target.label, cursor, PAGE),
        );
        yield* Effect.forEach(
          page.missing,
          (m) =>
            copyObject(ctx, target, m).pipe(
              Effect.flatMap((o) => Ref.update(tally, (t) => addOutcome(t, o))),
            ),
          { concurrency: ctx.concurrency, discard: true },
        );
        cursor = page.next;
      } while (cursor);
    }
    return {};
  });
