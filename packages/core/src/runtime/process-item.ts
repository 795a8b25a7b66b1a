import { Effect } from 'effect';
import { type BeginResult, isBatchItemId, type LedgerObject, type Settlement } from '../ledger/ledger.js';
import { dropReasonOf, isDropped } from '../plugin/dropped.js';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Item, ItemRef, StoredObject } from '../plugin/types.js';
import type { BatchMember } from './batcher.js';
import { invoke } from './boundary.js';
import { faultPoint } from './faults.js';
import type { FlowContext, SinkTarget } from './flow-context.js';
import type { ItemOutcome } from './outcome.js';
import { type RetryHooks, withRetry } from './retry.js';
import { storeUnitOnce } from './store-unit.js';
import { artifactsProblem, artifactUnit, recordArtifact, type Unit } from './units.js';

/** How long an item whose data is not there yet waits when the source did not say. */
const DEFAULT_NOT_YET_MS = 15 * 60_000;

/** Item ids are part of object keys and ledger rows: a usable id is a non-empty string. */
export const refProblem = (ref: ItemRef): string | undefined => {
  if (typeof ref?.id !== 'string' || ref.id === '') return 'the source listed an item without an id';
  if (typeof ref.data !== 'object' || ref.data === null || Array.isArray(ref.data))
    return `item ${ref.id}: its reference carries no data object`;
  if (isBatchItemId(ref.id))
    return `item ${ref.id}: ids starting with #batch: are reserved for batches of records`;
  return undefined;
};

/** The ref as the ledger keeps it: a listed ref with a problem is kept by its id alone (and fails). */
export const usableRef = (listed: ItemRef): { readonly ref: ItemRef; readonly problem?: string } => {
  const problem = refProblem(listed);
  return problem
    ? { ref: { id: typeof listed?.id === 'string' ? listed.id : String(listed?.id), data: {} }, problem }
    : { ref: listed };
};

/**
 * How far a page's quick pass (quick-pass.ts) took an item before its own program runs: the
 * program goes on from there, so no plugin operation is made twice. `step` counts the operations
 * done (0: none; 1: fetched; 1 + k: k transforms applied); `error` is how the first attempt of the
 * next one failed (the retry policy takes it from there), `dropped` that a transform dropped it.
 */
export interface Prepared {
  readonly step: number;
  readonly item?: Item;
  readonly error?: PluginError;
  /** Why a transform dropped it (`dropReasonOf`). */
  readonly dropped?: string;
}

/** What the flow already knows of an item when it hands it over: its begin, and how far it got. */
export interface Handover {
  readonly begin: BeginResult;
  readonly prepared?: Prepared;
}

/** Fails once with `error` (an attempt made elsewhere), then runs `effect` on every retry. */
const failingFirst = <A>(
  error: PluginError,
  effect: Effect.Effect<A, PluginError>,
): Effect.Effect<A, PluginError> => {
  let first: PluginError | undefined = error;
  return Effect.suspend(() => {
    if (first === undefined) return effect;
    const e = first;
    first = undefined;
    return Effect.fail(e);
  });
};

/** The id check after a fetch or a transform: a plugin must not change an item's id. */
export const idProblem = (
  label: string,
  operation: 'fetch' | 'apply',
  refId: string,
  got: Item | null | undefined,
): PluginError | undefined => {
  if (operation === 'apply' && got === null) return undefined;
  if (got?.id === refId) return undefined;
  return PluginErrors.permanent(
    operation === 'fetch'
      ? `${label}.fetch returned item ${String(got?.id)} for ${refId}`
      : `${label}.apply changed the item id from ${refId} to ${String(got?.id)}`,
  );
};

/**
 * An item whose artifacts are stored and whose record waits in a batch (the batch layout): it is
 * settled when its batch is, and `settled` then gives its outcome.
 */
export interface BatchedItem {
  readonly status: 'batched';
  readonly itemId: string;
  /** Resolves once the item is settled (never, when the run is stopped first). */
  readonly settled: Promise<ItemOutcome>;
}

export const asStored = (o: LedgerObject): StoredObject => ({
  artifact: o.artifact,
  sink: o.sink,
  key: o.key,
  physicalKey: o.physicalKey,
  size: o.size,
  sha256: o.sha256,
  checksum: o.checksum,
  ...(o.versionId ? { versionId: o.versionId } : {}),
});

interface Progress {
  readonly recorded: LedgerObject[];
  /** Of `recorded`, the objects found already stored (same content) and adopted. */
  adopted: number;
  plaintextBytes: number;
}

/** An item a transform dropped, and why (`dropReasonOf`). */
export interface DroppedItem {
  readonly droppedBecause: string;
}

/**
 * fetch → transforms: the item as it will be archived, or why a transform dropped it. Goes on
 * from `prepared` when a quick pass began it.
 */
export const prepareItem = (
  ctx: FlowContext,
  ref: ItemRef,
  hooks: RetryHooks,
  prepared?: Prepared,
  /** Told the item as each operation gives it (what a caller reports about an item that failed later). */
  seen?: { item?: Item },
): Effect.Effect<Item | DroppedItem, PluginError> =>
  Effect.gen(function* () {
    if (prepared?.item && seen) seen.item = prepared.item;
    if (prepared?.dropped !== undefined) return { droppedBecause: prepared.dropped };
    const source = ctx.source;
    let item = prepared?.item;
    let earlier = prepared?.error;
    const attempt = <A>(effect: Effect.Effect<A, PluginError>): Effect.Effect<A, PluginError> => {
      const first = earlier;
      earlier = undefined;
      return withRetry(first ? failingFirst(first, effect) : effect, ctx.policy, ctx.budgets, hooks);
    };
    const from = prepared?.step ?? 0;
    if (from === 0) {
      const fetched = yield* attempt(
        invoke(ctx.inflight, source, 'fetch', (signal) => source.instance.fetch(ref, signal)),
      );
      const wrong = idProblem(source.label, 'fetch', ref.id, fetched);
      if (wrong) return yield* Effect.fail(wrong);
      faultPoint('after-fetch', ref.id);
      item = fetched;
      if (seen) seen.item = fetched;
    }
    for (let k = Math.max(0, from - 1); k < ctx.transforms.length; k++) {
      const transform = ctx.transforms[k]!;
      const current = item as Item;
      const next = yield* attempt(
        invoke(ctx.inflight, transform, 'apply', (signal) => transform.instance.apply(current, signal)),
      );
      if (isDropped(next))
        return { droppedBecause: dropReasonOf(transform.label, next, (t) => ctx.scrubber.scrub(t)) };
      const wrong = idProblem(transform.label, 'apply', ref.id, next);
      if (wrong) return yield* Effect.fail(wrong);
      item = next;
      if (seen) seen.item = next;
    }
    return item as Item;
  });

/** Stores one unit on every sink missing it, retrying the sinks that failed; records each object. */
const storeUnit = (
  ctx: FlowContext,
  unit: Unit,
  itemId: string,
  targets: readonly SinkTarget[],
  progress: Progress,
  hooks: RetryHooks,
): Effect.Effect<void, PluginError> =>
  Effect.suspend(() => {
    let remaining = targets;
    const attempt = Effect.suspend(() => storeUnitOnce(ctx, unit, itemId, remaining)).pipe(
      Effect.flatMap((p) => {
        progress.recorded.push(...p.recorded);
        progress.adopted += p.adopted;
        remaining = p.remaining;
        if (remaining.length === 0) progress.plaintextBytes += p.plaintextBytes;
        return p.failure ? Effect.fail(p.failure) : Effect.void;
      }),
    );
    return withRetry(attempt, ctx.policy, ctx.budgets, hooks);
  });

/** Stores a unit on the targets missing it, retried by the policy: what the batcher uses. */
export const storeUnitWithRetry = (
  ctx: FlowContext,
  unit: Unit,
  itemId: string,
  targets: readonly SinkTarget[],
): Effect.Effect<{ readonly recorded: readonly LedgerObject[]; readonly adopted: number }, PluginError> =>
  Effect.suspend(() => {
    const progress: Progress = { recorded: [], adopted: 0, plaintextBytes: 0 };
    return storeUnit(ctx, unit, itemId, targets, progress, {}).pipe(
      // Read once it is done (the count is a number, not a reference).
      Effect.map(() => ({ recorded: progress.recorded, adopted: progress.adopted })),
    );
  });

/**
 * The item's units, in order: the metadata record first (unless it goes to a batch), then its own
 * artifacts.
 */
const unitsOf = (ctx: FlowContext, item: Item): Effect.Effect<Unit[], PluginError> =>
  Effect.suspend(() => {
    const recordName = `${ctx.source.instance.recordName ?? 'record'}.json`;
    const record = recordArtifact(recordName, item.record ?? {});
    const artifacts = [record, ...(item.artifacts ?? [])];
    const problem = artifactsProblem(item, artifacts);
    if (problem) return Effect.fail(problem);
    const units: Unit[] = [];
    for (const artifact of ctx.batcher ? artifacts.slice(1) : artifacts) {
      const unit = artifactUnit(ctx.tenant, ctx.codec.instance.extension, item, artifact);
      if (unit.isErr()) return Effect.fail(unit.error);
      units.push(unit.value);
    }
    return Effect.succeed(units);
  });

const archive = (
  ctx: FlowContext,
  ref: ItemRef,
  known: readonly LedgerObject[],
  progress: Progress,
  hooks: RetryHooks,
  prepared: Prepared | undefined,
): Effect.Effect<{ readonly note?: string; readonly item: Item } | DroppedItem, PluginError> =>
  Effect.gen(function* () {
    const item = yield* prepareItem(ctx, ref, hooks, prepared);
    if ('droppedBecause' in item) return item;
    const units = yield* unitsOf(ctx, item);
    for (const unit of units) {
      const targets = ctx.sinks.filter(
        (s) => !known.some((o) => o.artifact === unit.artifact.name && o.sink === s.label),
      );
      if (targets.length > 0) yield* storeUnit(ctx, unit, item.id, targets, progress, hooks);
    }
    const note = noteOf(ctx, item);
    return note === undefined ? { item } : { note, item };
  });

/** Longest note kept: a remark, not a record. */
const MAX_NOTE = 500;

/** The item's note, scrubbed, on one line and cut to length; none when empty or not a string. */
export const noteOf = (ctx: FlowContext, item: Item): string | undefined => {
  if (typeof item.note !== 'string') return undefined;
  const text = ctx.scrubber.scrub(item.note).replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  return text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE - 1)}…` : text;
};

export const eventBase = (ctx: FlowContext, itemId: string) => ({
  runId: ctx.runId,
  tenant: ctx.tenant,
  itemId,
  at: ctx.now().toISOString(),
});

/** What an item that is not to be processed comes to (its event, if any, is emitted here). */
export const skippedOutcome = (
  ctx: FlowContext,
  ref: ItemRef,
  begin: BeginResult,
): ItemOutcome | undefined => {
  if (begin.state === 'begun') return undefined;
  const base = eventBase(ctx, ref.id);
  switch (begin.state) {
    case 'duplicate':
      return { status: 'duplicate', itemId: ref.id };
    case 'archived':
      ctx.emit({ type: 'item.skipped', ...base, reason: 'already archived' });
      return { status: 'skipped', itemId: ref.id, reason: 'already archived' };
    case 'dropped':
      ctx.emit({ type: 'item.skipped', ...base, reason: 'dropped earlier by a transform' });
      return { status: 'skipped', itemId: ref.id, reason: 'dropped earlier' };
    case 'awaiting':
      // Still not due: it stays awaiting (no event: nothing happened to it).
      return {
        status: 'awaiting',
        itemId: ref.id,
        reason: 'not due yet',
        retryAt: begin.retryAt,
        retries: 0,
      };
  }
};

/** An item's retry hooks: each retry logged (debug) and counted for its outcome. */
export const retryCounter = (
  ctx: FlowContext,
  itemId: string,
): { readonly hooks: RetryHooks; readonly count: () => number } => {
  let retries = 0;
  return {
    hooks: {
      onRetry(info) {
        retries++;
        ctx.logger.debug(info.budgetWait ? 'waiting for the API budget' : 'retrying', {
          itemId,
          attempt: info.attempt,
          errorTag: info.error._tag,
          delayMs: info.delayMs,
          reason: ctx.scrubber.scrub(info.error.message),
        });
      },
    },
    count: () => retries,
  };
};

/** Counts an outcome in the run's tally. */
export type Count = (outcome: ItemOutcome) => Effect.Effect<void>;

export type Conclude = (
  settlement: Settlement | undefined,
  outcome: ItemOutcome,
  event?: Parameters<FlowContext['emit']>[0],
) => Effect.Effect<ItemOutcome>;

/**
 * Settles an item, counts it and tells the world, as one step no interruption splits: an item the
 * ledger has settled is always in the report and the audit log.
 */
export const concluder =
  (ctx: FlowContext, itemId: string, count: Count): Conclude =>
  (settlement, outcome, event) =>
    Effect.uninterruptible(
      Effect.gen(function* () {
        if (settlement)
          yield* Effect.promise(() =>
            ctx.ledger.settleItem(ctx.tenant, ctx.sourceId, itemId, settlement, ctx.runId, ctx.now()),
          );
        yield* count(outcome);
        if (event) ctx.emit(event);
        return outcome;
      }),
    );

/**
 * The batch layout: an item whose own artifacts are stored hands its record to its batch, and is
 * settled with it (batcher.ts). The member for the batcher, and the item's outcome once settled.
 */
export const batchMemberOf = (
  ctx: FlowContext,
  ref: ItemRef,
  count: Count,
  done: {
    readonly item: Item;
    readonly note: string | undefined;
    readonly firstAttempt: boolean;
    /** Objects the item's own artifacts are in (none without artifacts). */
    readonly objects: readonly StoredObject[];
    readonly newObjects: number;
    /** Of `newObjects`, those adopted (none when absent). */
    readonly adoptedObjects?: number;
    readonly plaintextBytes: number;
    readonly storedBytes: number;
    readonly retries: number;
  },
): { readonly member: BatchMember; readonly batched: BatchedItem } => {
  const conclude = concluder(ctx, ref.id, count);
  const { note, retries } = done;
  let resolveSettled: (outcome: ItemOutcome) => void = () => undefined;
  const settled = new Promise<ItemOutcome>((resolve) => {
    resolveSettled = resolve;
  });
  const member: BatchMember = {
    ref,
    occurredAt: done.item.occurredAt,
    line: Buffer.from(`${JSON.stringify({ id: ref.id, record: done.item.record ?? {} })}\n`, 'utf8'),
    acknowledge: typeof ctx.source.instance.acknowledge === 'function',
    firstAttempt: done.firstAttempt,
    ...(note === undefined ? {} : { note }),
    conclude: (batched) =>
      Effect.gen(function* () {
        if (batched.status === 'failed') {
          const error = batched.error;
          const reason = ctx.scrubber.scrub(error.message);
          resolveSettled(
            yield* conclude(
              { status: 'failed', error: `[${error._tag}] ${reason}` },
              {
                status: 'failed',
                itemId: ref.id,
                errorTag: error._tag,
                reason,
                retries,
                newObjects: done.newObjects,
                adoptedObjects: done.adoptedObjects ?? 0,
                storedBytes: done.storedBytes,
              },
              { type: 'item.failed', ...eventBase(ctx, ref.id), errorTag: error._tag, reason },
            ),
          );
          return;
        }
        const all = [...done.objects, ...batched.batchObjects.map(asStored)];
        resolveSettled(
          yield* conclude(
            undefined,
            {
              status: 'archived',
              itemId: ref.id,
              objects: all,
              newObjects: done.newObjects + (batched.batchNew?.objects ?? 0),
              adoptedObjects: (done.adoptedObjects ?? 0) + (batched.batchNew?.adopted ?? 0),
              plaintextBytes: done.plaintextBytes + member.line.length,
              storedBytes: done.storedBytes + (batched.batchNew?.storedBytes ?? 0),
              retries,
              ...(note === undefined ? {} : { note }),
            },
            {
              type: 'item.archived',
              ...eventBase(ctx, ref.id),
              objects: all,
              ...(note === undefined ? {} : { note }),
            },
          ),
        );
      }),
  };
  return { member, batched: { status: 'batched', itemId: ref.id, settled } };
};

/**
 * Processes one listed item to a settled state and returns what happened. Never fails for the
 * item's sake: a failure is recorded in the ledger (with its reason) and returned as an outcome. A
 * ledger failure is a defect and stops the run. Interrupted, it leaves the item pending. The flow
 * hands over the item's begin when it began its page at once, and how far a quick pass took it.
 */
export const processItem = (
  ctx: FlowContext,
  listed: ItemRef,
  count: Count,
  handover?: Handover,
): Effect.Effect<ItemOutcome | BatchedItem> =>
  Effect.gen(function* () {
    const { ref, problem } = usableRef(listed);
    const base = () => eventBase(ctx, ref.id);
    const conclude = concluder(ctx, ref.id, count);
    const begin =
      handover?.begin ??
      (yield* Effect.promise(() =>
        ctx.ledger.beginItem(ctx.tenant, ctx.sourceId, ref, ctx.runId, ctx.now()),
      ));
    const skipped = skippedOutcome(ctx, ref, begin);
    if (skipped) return yield* conclude(undefined, skipped);
    const known = begin.state === 'begun' ? begin.objects : [];
    const counted = retryCounter(ctx, ref.id);
    const hooks = counted.hooks;
    const progress: Progress = { recorded: [], adopted: 0, plaintextBytes: 0 };
    const result = yield* Effect.result(
      problem
        ? Effect.fail(PluginErrors.invalidInput(problem))
        : archive(ctx, ref, known, progress, hooks, handover?.prepared),
    );
    const storedBytes = progress.recorded.reduce((n, o) => n + o.size, 0);

    if (result._tag === 'Failure') {
      const error = result.failure;
      const reason = ctx.scrubber.scrub(error.message);
      if (error._tag === 'NotYet') {
        const retryAt =
          error.retryAt instanceof Date && !Number.isNaN(error.retryAt.getTime())
            ? error.retryAt
            : new Date(ctx.now().getTime() + DEFAULT_NOT_YET_MS);
        return yield* conclude(
          { status: 'awaiting', reason, retryAt },
          {
            status: 'awaiting',
            itemId: ref.id,
            reason,
            retryAt: retryAt.toISOString(),
            retries: counted.count(),
          },
          { type: 'item.awaiting', ...base(), reason, retryAt: retryAt.toISOString() },
        );
      }
      return yield* conclude(
        { status: 'failed', error: `[${error._tag}] ${reason}` },
        {
          status: 'failed',
          itemId: ref.id,
          errorTag: error._tag,
          reason,
          retries: counted.count(),
          newObjects: progress.recorded.length,
          adoptedObjects: progress.adopted,
          storedBytes,
        },
        { type: 'item.failed', ...base(), errorTag: error._tag, reason },
      );
    }
    if ('droppedBecause' in result.success) {
      const reason = result.success.droppedBecause;
      return yield* conclude(
        { status: 'dropped' },
        { status: 'skipped', itemId: ref.id, reason },
        { type: 'item.skipped', ...base(), reason },
      );
    }
    const objects = [...known, ...progress.recorded].map(asStored);
    const { note, item } = result.success;
    // The acknowledgement (if the source wants one) is made after the commit by the flow's
    // acknowledger, from the ledger: a crash between the two only delays it.
    const acknowledge = typeof ctx.source.instance.acknowledge === 'function';
    if (ctx.batcher) {
      const { member, batched } = batchMemberOf(ctx, ref, count, {
        item,
        note,
        firstAttempt: begin.state === 'begun' && begin.attempts === 1,
        objects,
        newObjects: progress.recorded.length,
        adoptedObjects: progress.adopted,
        plaintextBytes: progress.plaintextBytes,
        storedBytes,
        retries: counted.count(),
      });
      yield* ctx.batcher.add(member);
      return batched;
    }
    const archived = yield* conclude(
      { status: 'archived', acknowledge, ...(note === undefined ? {} : { note }) },
      {
        status: 'archived',
        itemId: ref.id,
        objects,
        newObjects: progress.recorded.length,
        adoptedObjects: progress.adopted,
        plaintextBytes: progress.plaintextBytes,
        storedBytes,
        retries: counted.count(),
        ...(note === undefined ? {} : { note }),
      },
      { type: 'item.archived', ...base(), objects, ...(note === undefined ? {} : { note }) },
    );
    faultPoint('after-commit', ref.id);
    if (acknowledge) ctx.archivedToAcknowledge?.();
    return archived;
  });
