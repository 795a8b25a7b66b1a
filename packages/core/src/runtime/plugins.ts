import { Effect, Semaphore } from 'effect';
import { ok } from 'neverthrow';
import { COMPUTABLE_CHECKSUMS } from '../hashing.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { PreparedPipeline, PreparedPlugin } from '../pipeline/prepare-pipeline.js';
import {
  memoryJobStore,
  type PluginContext,
  type PluginInstances,
  type PluginKind,
} from '../plugin/define-plugin.js';
import type { PluginError } from '../plugin/errors.js';
import type { Codec, Notifier, PluginLimits, Sink, Source, Transform } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { type InFlight, invoke, type PluginHandle } from './boundary.js';
import type { Budgets } from './budgets.js';
import type { NotifierChannel } from './event-bus.js';
import type { SinkTarget } from './flow-context.js';
import { ledgerJobStore } from './job-store.js';
import { type RetryPolicy, withRetry } from './retry.js';
import { RunSetupError } from './run-options.js';

const permitsFor = (instance: unknown): Semaphore.Semaphore | undefined => {
  const max = (instance as { limits?: PluginLimits } | null)?.limits?.maxInFlight;
  return typeof max === 'number' && Number.isFinite(max) && max >= 1
    ? Semaphore.makeUnsafe(Math.floor(max))
    : undefined;
};

/** The context a plugin is created with; its budgets are the families its definition declares. */
export const contextFor = (
  plugin: PreparedPlugin,
  shared: {
    tenant: string;
    baseDir: string;
    logger: Logger;
    now: () => Date;
    budgets: Budgets;
    /** Where the plugin's durable jobs are kept; default: in memory (a context without a ledger). */
    ledger?: Ledger;
  },
): PluginContext => {
  const mine = new Set((plugin.definition.budgets ?? []).map((b) => b.family));
  return {
    tenant: shared.tenant,
    baseDir: shared.baseDir,
    label: plugin.label,
    logger: shared.logger,
    now: shared.now,
    jobs: shared.ledger
      ? ledgerJobStore(shared.ledger, shared.tenant, plugin.label, shared.now)
      : memoryJobStore(shared.now),
    budget(family) {
      const bucket = mine.has(family) ? shared.budgets.get(family) : undefined;
      if (!bucket)
        throw new Error(
          `${plugin.label} asked for the budget of ${family}, which its definition does not declare`,
        );
      return { take: (signal) => Effect.runPromise(Effect.asVoid(bucket.take), { signal }) };
    },
  };
};

/** Creates one plugin through the boundary: a refusal or a throw is a setup error naming it. */
const createPlugin = async <K extends PluginKind>(
  plugin: PreparedPlugin<K>,
  context: PluginContext,
  inflight: InFlight,
  scrubber: SecretScrubber,
): Promise<PluginHandle<PluginInstances[K]>> => {
  const created = await Effect.runPromise(
    Effect.result(
      invoke(inflight, { label: plugin.label }, 'create', async () =>
        plugin.definition.create(plugin.config, context),
      ),
    ),
  );
  if (created._tag === 'Failure')
    throw new RunSetupError(
      `${plugin.label} (${plugin.packageName}) could not start: [${created.failure._tag}] ${scrubber.scrub(created.failure.message)}`,
    );
  const instance = created.success;
  const permits = permitsFor(instance);
  return { label: plugin.label, packageName: plugin.packageName, instance, ...(permits ? { permits } : {}) };
};

export type Closable = PluginHandle<{ close?(): Promise<void> }>;

export interface RunPlugins {
  readonly source: PluginHandle<Source>;
  readonly transforms: readonly PluginHandle<Transform>[];
  readonly codec: PluginHandle<Codec>;
  readonly sinks: readonly SinkTarget[];
  readonly notifiers: readonly PluginHandle<Notifier>[];
}

/**
 * Creates every plugin of the pipeline in file order. Each one created is pushed to `created` at
 * once, so the caller closes them all whatever happens next (a later plugin refusing to start).
 */
export const createPlugins = async (
  prepared: PreparedPipeline,
  shared: {
    logger: Logger;
    now: () => Date;
    budgets: Budgets;
    inflight: InFlight;
    scrubber: SecretScrubber;
    ledger: Ledger;
  },
  created: Closable[],
): Promise<RunPlugins> => {
  const { config, dir } = prepared.loaded;
  const make = async <K extends PluginKind>(p: PreparedPlugin<K>) => {
    const context = contextFor(p, { ...shared, tenant: config.tenant, baseDir: dir });
    const handle = await createPlugin(p, context, shared.inflight, shared.scrubber);
    created.push(handle as Closable);
    return handle;
  };
  const source = await make(prepared.source);
  const transforms: PluginHandle<Transform>[] = [];
  for (const t of prepared.transforms) transforms.push(await make(t));
  const codec = await make(prepared.codec);
  const sinks: SinkTarget[] = [];
  for (const s of prepared.sinks) {
    sinks.push(sinkTargetOf(await make(s)));
  }
  const notifiers: PluginHandle<Notifier>[] = [];
  for (const n of prepared.notifiers) notifiers.push(await make(n));
  return { source, transforms, codec, sinks, notifiers };
};

/**
 * A sink as flows write to it: the first algorithm its store reports that the runtime computes too
 * (none means verification by read-back), and its composite part size when it declares one.
 */
export const sinkTargetOf = (handle: PluginHandle<Sink>): SinkTarget => {
  const declared = Array.isArray(handle.instance.checksums) ? handle.instance.checksums : [];
  const algorithm = declared.find((a) => COMPUTABLE_CHECKSUMS.includes(a));
  const partSize = handle.instance.checksumPartSize;
  const parted = Number.isSafeInteger(partSize) && (partSize ?? 0) > 0 ? { partSize } : {};
  return algorithm ? { ...handle, algorithm, ...parted } : handle;
};

/** Closes plugins (last created first) through the boundary; a failing close is only logged. */
export const closePlugins = async (
  created: readonly Closable[],
  inflight: InFlight,
  logger: Logger,
): Promise<void> => {
  for (const handle of [...created].reverse()) {
    const closed = await Effect.runPromise(
      Effect.result(
        invoke(inflight, handle, 'close', async () => {
          await handle.instance.close?.();
          return ok(undefined);
        }),
      ),
    );
    if (closed._tag === 'Failure')
      logger.warn('a plugin failed to close', { reason: closed.failure.message });
  }
};

/** How the event bus reaches each notifier: through the boundary, retried within a minute. */
export const notifierChannels = (
  notifiers: readonly PluginHandle<Notifier>[],
  inflight: InFlight,
  policy: RetryPolicy,
  budgets: Budgets,
): NotifierChannel[] =>
  notifiers.map((n) => ({
    label: n.label,
    deliver: (event, signal) =>
      Effect.runPromise(
        Effect.result(
          withRetry(
            invoke(inflight, n, 'notify', (s) => n.instance.notify(event, s)),
            { ...policy, maxElapsedMs: Math.min(policy.maxElapsedMs, 60_000) },
            budgets,
          ),
        ),
        { signal },
      ).then(
        (r): PluginError | undefined => (r._tag === 'Failure' ? r.failure : undefined),
        (e: unknown): PluginError => ({
          _tag: 'Transient',
          message: `delivery stopped: ${e instanceof Error ? e.message : String(e)}`,
        }),
      ),
  }));
