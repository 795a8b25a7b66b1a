import { Readable } from 'node:stream';
import { Effect } from 'effect';
import { okAsync } from 'neverthrow';
import type { LedgerObject } from '../ledger/ledger.js';
import type { PluginError } from '../plugin/errors.js';
import { PluginErrors } from '../plugin/errors.js';
import type { Artifact, Item, ItemRef, JsonObject, StoredObject } from '../plugin/types.js';
import { callPlugin, type RetryEvents } from './retry.js';
import type { RunContext } from './run-context.js';
import { planUpload, uploadOnce } from './store-artifact.js';

export type ItemResult = 'archived' | 'failed' | 'skipped' | 'duplicate';

/** The metadata record as an artifact: JSON, serialised the same way every time. */
export const recordArtifact = (name: string, record: JsonObject): Artifact => ({
  name,
  contentType: 'application/json',
  open: () => okAsync(Readable.from([Buffer.from(`${JSON.stringify(record)}\n`, 'utf8')])),
});

const retryEvents = (ctx: RunContext, itemId: string, operation: string): RetryEvents => ({
  onRetry(attempt, error, delayMs) {
    ctx.stats.retries++;
    ctx.logger.debug(`retrying ${operation}`, { itemId, attempt, errorTag: error._tag, delayMs });
  },
});

const checkArtifacts = (item: Item, all: readonly Artifact[]): PluginError | undefined => {
  const names = new Set<string>();
  for (const a of all) {
    if (names.has(a.name)) return PluginErrors.permanent(`item ${item.id} has two artifacts named ${a.name}`);
    names.add(a.name);
  }
  if (Number.isNaN(item.occurredAt.getTime()))
    return PluginErrors.invalidInput(`item ${item.id} has no valid date`);
  return undefined;
};

/** fetch → transforms → every artifact to every sink → ledger. Fails with the item's error. */
const archiveItem = (
  ctx: RunContext,
  ref: ItemRef,
  known: readonly LedgerObject[],
): Effect.Effect<'archived' | 'dropped', PluginError> =>
  Effect.gen(function* () {
    const { policy } = ctx;
    const source = ctx.source;
    let item: Item = yield* callPlugin(
      `${source.label}.fetch`,
      () => source.limit(() => Promise.resolve(source.instance.fetch(ref))),
      policy,
      retryEvents(ctx, ref.id, 'fetch'),
    );
    if (item.id !== ref.id) {
      return yield* Effect.fail(
        PluginErrors.permanent(`${source.label}.fetch returned item ${item.id} for ${ref.id}`),
      );
    }
    for (const transform of ctx.transforms) {
      const current = item;
      const next = yield* callPlugin(
        `${transform.label}.apply`,
        () => transform.limit(() => Promise.resolve(transform.instance.apply(current))),
        policy,
        retryEvents(ctx, ref.id, 'transform'),
      );
      if (next === null) return 'dropped' as const;
      if (next.id !== ref.id)
        return yield* Effect.fail(PluginErrors.permanent(`${transform.label} changed the item id`));
      item = next;
    }
    const recordName = `${source.instance.recordName ?? 'record'}.json`;
    const artifacts = [recordArtifact(recordName, item.record), ...item.artifacts];
    const problem = checkArtifacts(item, artifacts);
    if (problem) return yield* Effect.fail(problem);
    for (const artifact of artifacts) {
      const upload = planUpload(ctx, item, artifact, known);
      if (upload.remaining.length === 0) continue;
      yield* callPlugin(
        `store ${artifact.name}`,
        () => uploadOnce(ctx, upload),
        policy,
        retryEvents(ctx, ref.id, `store ${artifact.name}`),
      );
    }
    return 'archived' as const;
  });

/**
 * Processes one listed item to a settled state. Never fails: an item's failure is recorded in the
 * ledger and the report, and the run goes on. A ledger failure is a defect and stops the run.
 */
export const processItem = (ctx: RunContext, ref: ItemRef): Effect.Effect<ItemResult> =>
  Effect.suspend(() => {
    if (ctx.seenIds.has(ref.id)) {
      ctx.stats.duplicates++;
      return Effect.succeed<ItemResult>('duplicate');
    }
    ctx.seenIds.add(ref.id);
    ctx.stats.seen++;
    const at = () => ctx.now().toISOString();
    const base = { runId: ctx.runId, tenant: ctx.tenant, itemId: ref.id };
    const existing = ctx.ledger.getItem(ctx.tenant, ctx.sourceId, ref.id);
    if (existing?.status === 'archived') {
      ctx.stats.skipped++;
      ctx.emit({ type: 'item.skipped', ...base, reason: 'already archived', at: at() });
      return Effect.succeed<ItemResult>('skipped');
    }
    // What sinks already hold (from an earlier attempt) comes back with the pending row.
    const entry = ctx.ledger.beginItem(ctx.tenant, ctx.sourceId, ref, ctx.runId, ctx.now());
    return archiveItem(ctx, ref, entry.objects).pipe(
      Effect.matchEffect({
        onFailure: (error) =>
          Effect.sync((): ItemResult => {
            const reason = ctx.scrubber.scrub(error.message);
            ctx.ledger.settleItem(
              ctx.tenant,
              ctx.sourceId,
              ref.id,
              'failed',
              ctx.runId,
              ctx.now(),
              `[${error._tag}] ${reason}`,
            );
            ctx.stats.failed++;
            ctx.stats.failures.push({ itemId: ref.id, errorTag: error._tag, reason });
            ctx.emit({ type: 'item.failed', ...base, errorTag: error._tag, reason, at: at() });
            return 'failed';
          }),
        onSuccess: (result) =>
          Effect.gen(function* () {
            if (result === 'dropped') {
              ctx.ledger.settleItem(ctx.tenant, ctx.sourceId, ref.id, 'dropped', ctx.runId, ctx.now());
              ctx.stats.skipped++;
              ctx.emit({ type: 'item.skipped', ...base, reason: 'dropped by a transform', at: at() });
              return 'skipped' as const;
            }
            const objects: StoredObject[] = (
              ctx.ledger.getItem(ctx.tenant, ctx.sourceId, ref.id)?.objects ?? []
            ).map(({ keyId: _keyId, ...o }) => o);
            ctx.ledger.settleItem(ctx.tenant, ctx.sourceId, ref.id, 'archived', ctx.runId, ctx.now());
            ctx.stats.archived++;
            const acknowledge = ctx.source.instance.acknowledge?.bind(ctx.source.instance);
            if (acknowledge) {
              yield* callPlugin(
                `${ctx.source.label}.acknowledge`,
                () => acknowledge(ref, { status: 'archived', objects }),
                ctx.policy,
                retryEvents(ctx, ref.id, 'acknowledge'),
              ).pipe(
                Effect.catch((error) =>
                  Effect.sync(() =>
                    ctx.logger.warn('the source could not be told the item is archived; the ledger has it', {
                      itemId: ref.id,
                      reason: ctx.scrubber.scrub(error.message),
                    }),
                  ),
                ),
              );
            }
            ctx.emit({ type: 'item.archived', ...base, objects, at: at() });
            return 'archived' as const;
          }),
      }),
    );
  });
