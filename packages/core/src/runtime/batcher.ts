import { Readable } from 'node:stream';
import { Effect, Fiber, type Scope, Semaphore } from 'effect';
import { okAsync } from 'neverthrow';
import { buildObjectKey } from '../keys.js';
import { batchItemId, type LedgerBatch, type LedgerObject } from '../ledger/ledger.js';
import type { PluginError } from '../plugin/errors.js';
import type { ItemRef } from '../plugin/types.js';
import type { FlowContext, SinkTarget } from './flow-context.js';
import { isDifferentObject } from './store-unit.js';
import type { Unit } from './units.js';

/** The artifact name of a batch object, and its content type (JSON Lines). */
export const BATCH_ARTIFACT = 'records.jsonl';
export const BATCH_CONTENT_TYPE = 'application/x-ndjson';
/** Batch keys: dated by their members' day, named by the batch id. */
const BATCH_KEY_TEMPLATE = '{tenant}/records/{yyyy}/{mm}/{dd}/{artifact}';
/** Batches stored at once; more wait (and so do the items that would fill the next one). */
const UPLOADS_IN_FLIGHT = 2;
/** Open batches (one per day of the items' dates) at once; the fullest is sealed beyond. */
const OPEN_BATCHES = 8;

/** What a batch is told about one item whose artifacts are stored and whose record waits for it. */
export interface BatchMember {
  readonly ref: ItemRef;
  readonly occurredAt: Date;
  /** The item's JSON line, `{"id":…,"record":…}\n`: what the batch object holds for it. */
  readonly line: Buffer;
  /** Whether the source is to be told the item is archived (its acknowledgement starts pending). */
  readonly acknowledge: boolean;
  /** Begun for the first time: it cannot be in a batch of an earlier run (nothing to look up). */
  readonly firstAttempt: boolean;
  readonly note?: string;
  /**
   * Ends the item: for `archived`, the ledger already settled it (with the whole batch); the item
   * is counted and its event emitted. For `failed`, it is settled, counted and told.
   */
  conclude(
    result:
      | {
          readonly status: 'archived';
          readonly batchObjects: readonly LedgerObject[];
          /**
           * Objects and bytes the batch stored in this run, counted once (with its first member);
           * `adopted`: of those objects, the ones found already stored (same content) and adopted.
           */
          readonly batchNew?: {
            readonly objects: number;
            readonly adopted: number;
            readonly storedBytes: number;
          };
        }
      | { readonly status: 'failed'; readonly error: PluginError },
  ): Effect.Effect<void>;
}

interface Batch {
  readonly batchId: string;
  readonly key: string;
  readonly members: BatchMember[];
}

export interface Batcher {
  /** Adds an item's record to its batch; may wait while batches are being stored (backpressure). */
  add(member: BatchMember): Effect.Effect<void>;
  /**
   * Places a member begun for the first time (nothing to look up) at once, without waiting: a page's
   * quick pass places many this way, then calls `startReady`.
   */
  addNew(member: BatchMember): void;
  /** Starts the batches `addNew` filled, waiting for upload slots as `add` does. */
  startReady(): Effect.Effect<void>;
  /**
   * Stores what is left: every open batch, and batches from an earlier run that could not be
   * re-formed in full (abandoned: their members go to new batches). Resolves once all are settled.
   */
  finish(): Effect.Effect<void>;
}

/** Stores one unit on the targets missing it, with retries; the objects recorded, or the failure. */
export type StoreUnit = (
  unit: Unit,
  itemId: string,
  targets: readonly SinkTarget[],
) => Effect.Effect<{ readonly recorded: readonly LedgerObject[]; readonly adopted: number }, PluginError>;

const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** Lines are handed on in pieces of at least this much: one small write per record costs more than the gzip. */
const PIECE = 64 * 1024;

/** The lines joined into pieces of at least `PIECE` bytes (the last may be smaller). */
function* coalesced(lines: readonly Buffer[]): Generator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    pending.push(line);
    size += line.length;
    if (size >= PIECE) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

/**
 * Forms, seals and stores the batches of one run (the `batch` record layout, DESIGN §6). A batch's
 * members are written to the ledger with it, in one durable write that seals it, before its upload
 * starts: a member retried by a later run finds its sealed batch and waits for the others, so the
 * same object is formed again under the same key, adopted if it was stored. A batch that cannot be
 * formed again (a member that cannot be prepared any more, or other content at its key) is
 * abandoned and its members go to a new one.
 */
export const makeBatcher = (
  ctx: FlowContext,
  options: {
    readonly batchSize: number;
    readonly store: StoreUnit;
    /** Where uploads run: the flow's scope (an item's fiber ends long before its batch is stored). */
    readonly scope: Scope.Scope;
    readonly acknowledged?: () => void;
  },
): Batcher => {
  const open = new Map<string, Batch>();
  const reforming = new Map<
    string,
    { readonly batch: LedgerBatch; readonly members: Map<string, BatchMember> }
  >();
  // Every upload of the run (a few per thousand items): finish joins them, so a defect surfaces.
  const uploads: Fiber.Fiber<void>[] = [];
  /** Batches full (or pushed out by a newer day) and not started yet. */
  const ready: Batch[] = [];
  const permits = Semaphore.makeUnsafe(UPLOADS_IN_FLIGHT);
  let sequence = 0;

  const newBatch = (occurredAt: Date): Batch => {
    sequence++;
    const batchId = `${ctx.runId}-${String(sequence).padStart(5, '0')}`;
    const key = buildObjectKey(
      { tenant: ctx.tenant, occurredAt, itemId: batchId, artifact: `${batchId}.jsonl` },
      ctx.codec.instance.extension,
      BATCH_KEY_TEMPLATE,
    );
    return { batchId, key, members: [] };
  };

  const unitOf = (batch: Batch): Unit => {
    const itemId = batchItemId(batch.batchId);
    return {
      id: `${itemId}/${BATCH_ARTIFACT}`,
      key: batch.key,
      members: batch.members.map((m) => ({ itemId: m.ref.id, artifact: BATCH_ARTIFACT })),
      artifact: {
        name: BATCH_ARTIFACT,
        contentType: BATCH_CONTENT_TYPE,
        // From byte 0 on every open: a retry or an adoption reads the same lines again.
        open: () => okAsync(Readable.from(coalesced(batch.members.map((m) => m.line)))),
      },
      context: {
        tenant: ctx.tenant,
        objectKey: batch.key,
        itemId,
        artifact: BATCH_ARTIFACT,
        contentType: BATCH_CONTENT_TYPE,
      },
    };
  };

  /**
   * Members (of an abandoned batch) into new batches by day, each stored in turn by the caller's
   * fiber (it may hold an upload slot: it does not take another).
   */
  const rebatch = (members: readonly BatchMember[]): Effect.Effect<void> =>
    Effect.gen(function* () {
      const byDay = new Map<string, Batch>();
      const full: Batch[] = [];
      for (const member of members) {
        const day = dayOf(member.occurredAt);
        let batch = byDay.get(day);
        if (!batch || batch.members.length >= options.batchSize) {
          if (batch) full.push(batch);
          batch = newBatch(member.occurredAt);
          byDay.set(day, batch);
        }
        yield* join(batch, member);
      }
      for (const batch of [...full, ...byDay.values()]) yield* upload(batch, false);
    });

  /**
   * Adds a member: its position is taken and its ledger write issued at once (writes apply in the
   * order they are made, so before the batch is sealed), before anything else can run.
   */
  /** Adds a member, its place taken at once; the ledger gets all of them when the batch is sealed. */
  const join = (batch: Batch, member: BatchMember): Effect.Effect<void> => {
    batch.members.push(member);
    return Effect.void;
  };

  const upload = (batch: Batch, reformed: boolean): Effect.Effect<void> =>
    Effect.gen(function* () {
      if (!reformed)
        yield* Effect.promise(() =>
          ctx.ledger.sealBatch(
            ctx.tenant,
            ctx.sourceId,
            {
              batchId: batch.batchId,
              key: batch.key,
              recordName: ctx.source.instance.recordName ?? 'record',
            },
            batch.members.map((m) => m.ref.id),
            ctx.now(),
          ),
        );
      const known = yield* Effect.promise(() =>
        ctx.ledger.batchObjects(ctx.tenant, ctx.sourceId, batch.batchId),
      );
      const targets = ctx.sinks.filter((s) => !known.some((o) => o.sink === s.label));
      const stored =
        targets.length === 0
          ? { _tag: 'Success' as const, success: { recorded: [] as LedgerObject[], adopted: 0 } }
          : yield* Effect.result(options.store(unitOf(batch), batchItemId(batch.batchId), targets));
      if (stored._tag === 'Failure') {
        const error = stored.failure;
        if (isDifferentObject(error)) {
          // Other content at the key (records changed since the batch was first stored): that
          // object is left alone, and the members are stored in a new batch.
          ctx.logger.warn(
            'a batch could not be formed again as it was stored; its members go to a new batch',
            {
              batchId: batch.batchId,
              reason: ctx.scrubber.scrub(error.message),
            },
          );
          yield* Effect.promise(() =>
            ctx.ledger.settleBatch(
              ctx.tenant,
              ctx.sourceId,
              batch.batchId,
              'abandoned',
              ctx.runId,
              ctx.now(),
            ),
          );
          return yield* rebatch(batch.members);
        }
        for (const member of batch.members) yield* member.conclude({ status: 'failed', error });
        return;
      }
      const recorded: readonly LedgerObject[] = stored.success.recorded;
      let recordedBytes = 0;
      for (const o of recorded) recordedBytes += o.size;
      const batchObjects = [...known, ...recorded];
      yield* Effect.uninterruptible(
        Effect.gen(function* () {
          yield* Effect.promise(() =>
            ctx.ledger.settleBatch(ctx.tenant, ctx.sourceId, batch.batchId, 'stored', ctx.runId, ctx.now()),
          );
          yield* Effect.promise(() =>
            ctx.ledger.settleArchivedMany(
              ctx.tenant,
              ctx.sourceId,
              batch.members.map((m) => ({
                itemId: m.ref.id,
                acknowledge: m.acknowledge,
                ...(m.note === undefined ? {} : { note: m.note }),
              })),
              ctx.runId,
              ctx.now(),
            ),
          );
          for (const [index, member] of batch.members.entries())
            yield* member.conclude({
              status: 'archived',
              batchObjects,
              ...(index === 0
                ? {
                    batchNew: {
                      objects: recorded.length,
                      adopted: stored.success.adopted,
                      storedBytes: recordedBytes,
                    },
                  }
                : {}),
            });
        }),
      );
      if (batch.members.some((m) => m.acknowledge)) options.acknowledged?.();
    });

  /** Starts storing a batch once an upload slot is free (the caller waits for the slot). */
  const start = (batch: Batch, reformed: boolean): Effect.Effect<void> =>
    Effect.gen(function* () {
      if (batch.members.length === 0) return;
      yield* permits.take(1);
      const fiber = yield* upload(batch, reformed).pipe(
        Effect.ensuring(permits.release(1)),
        Effect.forkIn(options.scope),
      );
      uploads.push(fiber);
    });

  const add = (member: BatchMember): Effect.Effect<void> =>
    Effect.gen(function* () {
      // An item begun for the first time cannot be in a batch of an earlier run: nothing to look up.
      // Otherwise its batch without the members first (a batch of thousands is read once per
      // re-formation, not once per member).
      const info = member.firstAttempt
        ? undefined
        : yield* Effect.promise(() => ctx.ledger.batchInfoOf(ctx.tenant, ctx.sourceId, member.ref.id));
      const earlier: LedgerBatch | undefined =
        info === undefined
          ? undefined
          : info.status === 'sealed'
            ? (reforming.get(info.batchId)?.batch ??
              (yield* Effect.promise(() => ctx.ledger.batchOf(ctx.tenant, ctx.sourceId, member.ref.id))))
            : { batchId: info.batchId, key: info.key, status: info.status, members: [member.ref.id] };
      if (earlier?.status === 'sealed' && earlier.members.includes(member.ref.id)) {
        // Formed by an earlier run and possibly stored: formed again exactly, once all are here.
        let slot = reforming.get(earlier.batchId);
        if (!slot) {
          slot = { batch: earlier, members: new Map() };
          reforming.set(earlier.batchId, slot);
        }
        slot.members.set(member.ref.id, member);
        if (slot.members.size === earlier.members.length) {
          reforming.delete(earlier.batchId);
          const batch: Batch = {
            batchId: earlier.batchId,
            key: earlier.key,
            members: earlier.members.map((id) => slot.members.get(id)!),
          };
          yield* start(batch, true);
        }
        return;
      }
      if (earlier?.status === 'stored' && earlier.members.includes(member.ref.id)) {
        // Its batch was stored, and the run ended before the item was settled: it is archived.
        const batchObjects = yield* Effect.promise(() =>
          ctx.ledger.batchObjects(ctx.tenant, ctx.sourceId, earlier.batchId),
        );
        if (ctx.sinks.every((s) => batchObjects.some((o) => o.sink === s.label))) {
          yield* Effect.promise(() =>
            ctx.ledger.settleArchivedMany(
              ctx.tenant,
              ctx.sourceId,
              [
                {
                  itemId: member.ref.id,
                  acknowledge: member.acknowledge,
                  ...(member.note === undefined ? {} : { note: member.note }),
                },
              ],
              ctx.runId,
              ctx.now(),
            ),
          );
          yield* member.conclude({ status: 'archived', batchObjects });
          if (member.acknowledge) options.acknowledged?.();
          return;
        }
      }
      place(member);
      yield* startReady;
    });

  /**
   * Takes a member's place in its day's open batch, at once (nothing yields: two items never take
   * the same place, and a full batch leaves `open` before anyone else can add to it). Full batches
   * wait in `ready` for `startReady`.
   */
  const place = (member: BatchMember): void => {
    const day = dayOf(member.occurredAt);
    let batch = open.get(day);
    if (!batch) {
      if (open.size >= OPEN_BATCHES) {
        const fullest = [...open.entries()].sort((a, b) => b[1].members.length - a[1].members.length)[0]!;
        open.delete(fullest[0]);
        ready.push(fullest[1]);
      }
      batch = newBatch(member.occurredAt);
      open.set(day, batch);
    }
    batch.members.push(member);
    if (batch.members.length >= options.batchSize) {
      open.delete(day);
      ready.push(batch);
    }
  };

  /** Starts the full batches, in the order they filled; waits for upload slots (backpressure). */
  const startReady: Effect.Effect<void> = Effect.suspend(() =>
    Effect.gen(function* () {
      for (let batch = ready.shift(); batch !== undefined; batch = ready.shift()) yield* start(batch, false);
    }),
  );

  const addNew = (member: BatchMember): void => {
    if (!member.firstAttempt) throw new Error('addNew takes members begun for the first time only');
    place(member);
  };

  const finish = (): Effect.Effect<void> =>
    Effect.gen(function* () {
      yield* startReady;
      for (const [day, batch] of [...open.entries()]) {
        open.delete(day);
        yield* start(batch, false);
      }
      for (const [batchId, slot] of [...reforming.entries()]) {
        reforming.delete(batchId);
        const missing = slot.batch.members.filter((id) => !slot.members.has(id));
        ctx.logger.warn(
          'a batch of an earlier run cannot be formed again: some of its members could not be prepared; the others go to a new batch',
          {
            batchId,
            missing: missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : ''),
          },
        );
        yield* Effect.promise(() =>
          ctx.ledger.settleBatch(ctx.tenant, ctx.sourceId, batchId, 'abandoned', ctx.runId, ctx.now()),
        );
        yield* rebatch(slot.batch.members.flatMap((id) => slot.members.get(id) ?? []));
      }
      yield* Fiber.joinAll(uploads);
      uploads.length = 0;
    });

  return { add, addNew, startReady: () => startReady, finish };
};
