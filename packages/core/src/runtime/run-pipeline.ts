import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cause, Effect, Exit, Ref, Semaphore } from 'effect';
import { ok } from 'neverthrow';
import { parseDuration } from '../duration.js';
import { COMPUTABLE_CHECKSUMS } from '../hashing.js';
import type { Ledger } from '../ledger/ledger.js';
import { LedgerError } from '../ledger/ledger-error.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import { type Logger, silentLogger } from '../logger.js';
import { makeDirectory } from '../make-directory.js';
import { type PreparedPipeline, type PreparedPlugin, pluginsOf } from '../pipeline/prepare-pipeline.js';
import type {
  BudgetDeclaration,
  PluginContext,
  PluginInstances,
  PluginKind,
} from '../plugin/define-plugin.js';
import type { Codec, Notifier, PipelineEvent, PluginLimits, Source, Transform } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { archiveFlow } from './archive-flow.js';
import { InFlight, invoke, type PluginHandle } from './boundary.js';
import { type Budgets, resolveBudgets } from './budgets.js';
import { createEventBus, type NotifierChannel } from './event-bus.js';
import type { FlowContext, SinkTarget } from './flow-context.js';
import { acquireLease, LeaseHeldError } from './lease.js';
import { emptyTally, type Tally } from './outcome.js';
import { REPORT_VERSION, type RunReport, type RunStatus, successRate } from './report.js';
import { retryPolicyFrom, withRetry } from './retry.js';

export interface RunOptions {
  readonly prepared: PreparedPipeline;
  readonly scrubber: SecretScrubber;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Called for every event as it happens (progress display). */
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Also write the report here (it is always written beside the ledger). */
  readonly reportFile?: string;
  /** Stops the run: in-flight operations are aborted, settled work stays settled, the next run resumes. */
  readonly signal?: AbortSignal;
  /** How long a stopped run waits for aborted plugin operations to settle before closing. Default 10 s. */
  readonly settleTimeoutMs?: number;
  /** Events queued per notifier before new ones are dropped and counted. Default 1000. */
  readonly notifierQueueSize?: number;
}

/** A run that could not start: the tenant is held by another run, the ledger is unusable, a plugin refused to start. */
export class RunSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSetupError';
  }
}

export const ledgerPath = (prepared: PreparedPipeline): string =>
  path.resolve(
    prepared.loaded.dir,
    prepared.loaded.config.state.path ?? `.cxarchive/${prepared.loaded.config.tenant}.db`,
  );

const newRunId = (at: Date): string =>
  `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Written whole or not at all (temp file, then rename), readable by the owner only. */
const writeReport = (file: string, report: RunReport): void => {
  makeDirectory(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
};

const permitsFor = (instance: unknown): Semaphore.Semaphore | undefined => {
  const max = (instance as { limits?: PluginLimits } | null)?.limits?.maxInFlight;
  return typeof max === 'number' && Number.isFinite(max) && max >= 1
    ? Semaphore.makeUnsafe(Math.floor(max))
    : undefined;
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
  return {
    label: plugin.label,
    packageName: plugin.packageName,
    instance,
    ...(permitsFor(instance) ? { permits: permitsFor(instance)! } : {}),
  };
};

const closePlugin = (inflight: InFlight, handle: PluginHandle<{ close?(): Promise<void> }>) =>
  Effect.runPromise(
    Effect.result(
      invoke(inflight, handle, 'close', async () => {
        await handle.instance.close?.();
        return ok(undefined);
      }),
    ),
  );

const statusOf = (tally: Tally, error: { errorTag: string } | undefined, interrupted: boolean): RunStatus =>
  interrupted ? 'interrupted' : error ? 'failed' : tally.failed > 0 ? 'completed_with_failures' : 'succeeded';

/**
 * The run harness: owns the ledger, the tenant's lease (with heartbeat), the plugins' lifetimes,
 * interruption, the event bus and the report, and runs the archive flow inside them. Resolves
 * with the report (also written to disk) whatever happened to individual items; rejects only when
 * the run cannot start (`RunSetupError`). Nothing is written after it returns: a stopped run
 * aborts its in-flight operations and waits for them to settle first.
 */
export const runPipeline = async (options: RunOptions): Promise<RunReport> => {
  const { prepared, scrubber } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { config, dir, file } = prepared.loaded;
  const tenant = config.tenant;
  const startedAt = now();
  const runId = newRunId(startedAt);
  const dbFile = ledgerPath(prepared);
  const stateDir = path.dirname(dbFile);
  const sourceId = prepared.source.use;

  let ledger: Ledger;
  try {
    ledger = openSqliteLedger(dbFile);
  } catch (error) {
    if (error instanceof LedgerError) throw new RunSetupError(error.message);
    throw error;
  }

  const stop = new AbortController();
  let stopReason: string | undefined;
  const onAbort = () => {
    stopReason ??= 'the run was stopped; the next run resumes where it left off';
    stop.abort(options.signal?.reason);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const inflight = new InFlight();
  const handles: PluginHandle<{ close?(): Promise<void> }>[] = [];
  let lease: Awaited<ReturnType<typeof acquireLease>> | undefined;
  try {
    try {
      lease = await acquireLease(
        ledger,
        tenant,
        runId,
        parseDuration(config.state.lease ?? '1m'),
        now,
        logger,
        (reason) => {
          stopReason = reason;
          stop.abort(new Error(reason));
        },
      );
    } catch (error) {
      if (error instanceof LeaseHeldError || error instanceof LedgerError)
        throw new RunSetupError(error.message);
      throw error;
    }

    const declared: BudgetDeclaration[] = pluginsOf(prepared).flatMap((p) => [
      ...(p.definition.budgets ?? []),
    ]);
    const { budgets, unknownOverrides } = resolveBudgets(declared, config.budgets ?? {});
    const warnings: string[] = [];
    for (const family of unknownOverrides)
      warnings.push(
        `budgets.${family}: no plugin of this pipeline declares the API family ${family}; the budget is not used`,
      );

    const contextFor = (plugin: PreparedPlugin, own: Budgets): PluginContext => {
      const mine = new Set((plugin.definition.budgets ?? []).map((b) => b.family));
      return {
        tenant,
        baseDir: dir,
        label: plugin.label,
        logger,
        now,
        budget(family) {
          const bucket = mine.has(family) ? own.get(family) : undefined;
          if (!bucket)
            throw new Error(
              `${plugin.label} asked for the budget of ${family}, which its definition does not declare`,
            );
          return {
            take: (signal) => Effect.runPromise(Effect.asVoid(bucket.take), { signal }),
          };
        },
      };
    };
    const make = async <K extends PluginKind>(p: PreparedPlugin<K>) => {
      const handle = await createPlugin(p, contextFor(p, budgets), inflight, scrubber);
      handles.push(handle as PluginHandle<{ close?(): Promise<void> }>);
      return handle;
    };
    const source: PluginHandle<Source> = await make(prepared.source);
    const transforms: PluginHandle<Transform>[] = [];
    for (const t of prepared.transforms) transforms.push(await make(t));
    const codec: PluginHandle<Codec> = await make(prepared.codec);
    const sinks: SinkTarget[] = [];
    for (const s of prepared.sinks) {
      const handle = await make(s);
      const declaredSums = Array.isArray(handle.instance.checksums) ? handle.instance.checksums : [];
      const algorithm = declaredSums.find((a) => COMPUTABLE_CHECKSUMS.includes(a));
      sinks.push(algorithm ? { ...handle, algorithm } : handle);
    }
    const notifiers: PluginHandle<Notifier>[] = [];
    for (const n of prepared.notifiers) notifiers.push(await make(n));

    const policy = retryPolicyFrom(config.retry);
    const channels: NotifierChannel[] = notifiers.map((n) => ({
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
          (r) => (r._tag === 'Failure' ? r.failure : undefined),
          (e: unknown) => ({ _tag: 'Transient' as const, message: `delivery stopped: ${describe(e)}` }),
        ),
    }));
    const bus = createEventBus({
      auditFile: path.join(stateDir, `${tenant}.audit.jsonl`),
      scrubber,
      logger,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      notifiers: channels,
      queueSize: options.notifierQueueSize ?? 1000,
    });

    await ledger.recordRun(runId, tenant, startedAt);
    bus.emit({ type: 'run.started', runId, tenant, at: startedAt.toISOString() });
    const before = (await ledger.getCheckpoint(tenant, sourceId)) ?? null;
    const tally = Ref.makeUnsafe<Tally>(emptyTally);
    const ctx: FlowContext = {
      runId,
      tenant,
      sourceId,
      source,
      transforms,
      codec,
      sinks,
      ledger,
      policy,
      budgets,
      inflight,
      scrubber,
      logger,
      concurrency: config.concurrency,
      signal: stop.signal,
      now,
      emit: bus.emit,
    };

    const exit = stop.signal.aborted
      ? Exit.interrupt()
      : await Effect.runPromiseExit(archiveFlow(ctx, before ?? undefined, tally), { signal: stop.signal });
    const stuck = await inflight.settle(options.settleTimeoutMs ?? 10_000);
    for (const where of stuck)
      warnings.push(`${where} did not stop within the time allowed after the run was stopped`);
    await ledger.flush();

    let runError: { errorTag: string; reason: string } | undefined;
    let interrupted = false;
    if (Exit.isSuccess(exit)) {
      const listing = exit.value.listingError;
      if (listing) runError = { errorTag: listing._tag, reason: scrubber.scrub(listing.message) };
    } else if (stop.signal.aborted && Cause.hasInterrupts(exit.cause)) {
      interrupted = true;
      runError = { errorTag: 'Interrupted', reason: stopReason ?? 'the run was stopped' };
    } else {
      const cause = Cause.squash(exit.cause);
      if (cause instanceof LedgerError) throw new RunSetupError(cause.message);
      runError = {
        errorTag: 'Defect',
        reason: scrubber.scrub(`cxarchive failed unexpectedly: ${describe(cause)}`),
      };
      logger.error('the run failed unexpectedly', { reason: scrubber.scrub(Cause.pretty(exit.cause)) });
    }

    const counted = Ref.getUnsafe(tally);
    const status = statusOf(counted, runError, interrupted);
    const finishedAt = now();
    const after = (await ledger.getCheckpoint(tenant, sourceId)) ?? null;
    bus.emit({
      type: 'run.completed',
      runId,
      tenant,
      status,
      counts: {
        archived: counted.archived,
        failed: counted.failed,
        awaiting: counted.awaiting,
        skipped: counted.skipped,
      },
      ...(runError ? { error: runError } : {}),
      at: finishedAt.toISOString(),
    });
    const delivered = await bus.close(interrupted ? 2_000 : 10_000);
    if (delivered.auditWriteError)
      warnings.push(`the audit log could not be written: ${delivered.auditWriteError}`);
    for (const n of delivered.notifiers)
      if (n.failed || n.dropped || n.undelivered)
        warnings.push(
          `${n.label}: ${n.failed} events failed, ${n.dropped} dropped (queue full), ${n.undelivered} undelivered at the end`,
        );

    const report: RunReport = scrubber.scrubValue({
      reportVersion: REPORT_VERSION,
      runId,
      tenant,
      pipelineFile: file,
      status,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      counts: {
        seen: counted.seen,
        archived: counted.archived,
        failed: counted.failed,
        awaiting: counted.awaiting,
        skipped: counted.skipped,
        duplicates: counted.duplicates,
      },
      successRate: successRate(counted.archived, counted.failed),
      objects: counted.objects,
      bytes: { plaintext: counted.plaintextBytes, stored: counted.storedBytes },
      retries: counted.retries,
      budgets: budgets.stats(),
      notifiers: delivered.notifiers,
      checkpoint: { before, after },
      failures: counted.failures,
      failuresTotal: counted.failed,
      ...(runError ? { error: runError } : {}),
      warnings,
      plugins: pluginsOf(prepared).map((p) => ({
        label: p.label,
        package: p.packageName,
        version: p.version,
      })),
    });
    const fileWarnings: string[] = [];
    for (const target of [path.join(stateDir, 'reports', `${runId}.json`), options.reportFile]) {
      if (!target) continue;
      try {
        writeReport(path.resolve(target), report);
      } catch (error) {
        fileWarnings.push(`the report could not be written to ${target}: ${scrubber.scrub(describe(error))}`);
      }
    }
    const final: RunReport = fileWarnings.length
      ? { ...report, warnings: [...report.warnings, ...fileWarnings] }
      : report;
    await ledger.finishRun(runId, finishedAt, status, final);
    return final;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const handle of handles.reverse()) await closePlugin(inflight, handle);
    await lease
      ?.release()
      .catch((error: unknown) => logger.warn('could not release the run lease', { reason: describe(error) }));
    await ledger.close();
  }
};
