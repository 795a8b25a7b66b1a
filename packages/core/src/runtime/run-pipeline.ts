import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Effect, Result, Stream } from 'effect';
import type { Ledger } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import { type Logger, silentLogger } from '../logger.js';
import { type PreparedPipeline, type PreparedPlugin, pluginsOf } from '../pipeline/prepare-pipeline.js';
import type { PluginInstances, PluginKind } from '../plugin/define-plugin.js';
import type { PluginError } from '../plugin/errors.js';
import type { Notifier, PipelineEvent, PluginLimits } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { createLimiter } from './limiter.js';
import { type Element, runElements } from './listing.js';
import { processItem } from './process-item.js';
import { REPORT_VERSION, type RunReport, type RunStatus, successRate } from './report.js';
import { retryPolicyFrom } from './retry.js';
import type { Bound, RunContext, RunStats } from './run-context.js';

export interface RunOptions {
  readonly prepared: PreparedPipeline;
  readonly scrubber: SecretScrubber;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Called for every event as it happens (progress display). */
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Also write the report here (it is always written beside the ledger). */
  readonly reportFile?: string;
  /** Stops the run; settled work stays settled, the rest is resumed by the next run. */
  readonly signal?: AbortSignal;
}

/** A run that could not start: the lock is held, or a plugin refused its options. */
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

const instantiate = async <K extends PluginKind>(
  plugin: PreparedPlugin<K>,
  tenant: string,
  baseDir: string,
  logger: Logger,
  now: () => Date,
  scrubber: SecretScrubber,
): Promise<Bound<PluginInstances[K]>> => {
  let result: Awaited<ReturnType<typeof plugin.definition.create>>;
  try {
    result = await plugin.definition.create(plugin.config, {
      tenant,
      baseDir,
      label: plugin.label,
      logger,
      now,
    });
  } catch (defect) {
    throw new RunSetupError(
      `${plugin.label} (${plugin.packageName}) crashed while starting: ${scrubber.scrub(defect instanceof Error ? defect.message : String(defect))}`,
    );
  }
  if (result.isErr()) {
    throw new RunSetupError(
      `${plugin.label} (${plugin.packageName}) could not start: [${result.error._tag}] ${scrubber.scrub(result.error.message)}`,
    );
  }
  const instance = result.value;
  return {
    label: plugin.label,
    instance,
    limit: createLimiter(
      (instance as { limits?: PluginLimits }).limits?.maxInFlight ?? Number.POSITIVE_INFINITY,
    ),
  };
};

const closeAll = async (instances: readonly { instance: { close?(): Promise<void> } }[]) => {
  await Promise.allSettled(instances.map((b) => b.instance.close?.()));
};

/**
 * Runs a prepared pipeline once: retries what earlier runs left unsettled, then archives what the
 * source lists after the checkpoint. Resolves with the report (also written to disk) whatever
 * happened to individual items; rejects only when the run cannot start.
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
  const ledger: Ledger = openSqliteLedger(dbFile);
  const sourceId = prepared.source.use;

  const lock = ledger.acquireLock(tenant, {
    runId,
    pid: process.pid,
    host: hostname(),
    since: startedAt.toISOString(),
  });
  if (!lock.ok) {
    ledger.close();
    const h = lock.holder;
    throw new RunSetupError(
      `another run (${h.runId}, pid ${h.pid} on ${h.host}, since ${h.since}) is archiving tenant ${tenant}; wait for it to finish`,
    );
  }

  const bound: Bound<{ close?(): Promise<void> }>[] = [];
  try {
    const make = <K extends PluginKind>(p: PreparedPlugin<K>) =>
      instantiate(p, tenant, dir, logger, now, scrubber).then((b) => {
        bound.push(b);
        return b;
      });
    const source = await make(prepared.source);
    const transforms = [];
    for (const t of prepared.transforms) transforms.push(await make(t));
    const codec = await make(prepared.codec);
    const sinks = [];
    for (const s of prepared.sinks) sinks.push(await make(s));
    const notifiers: Bound<Notifier>[] = [];
    for (const n of prepared.notifiers) notifiers.push(await make(n));

    const auditFile = path.join(stateDir, `${tenant}.audit.jsonl`);
    let notifying: Promise<unknown> = Promise.resolve();
    const emit = (event: PipelineEvent) => {
      const safe = scrubber.scrubValue(event);
      appendFileSync(auditFile, `${JSON.stringify(safe)}\n`);
      options.onEvent?.(safe);
      for (const n of notifiers) {
        notifying = notifying.then(async () => {
          const failure = await Promise.resolve(n.instance.notify(safe)).then(
            (r) => (r.isErr() ? `[${r.error._tag}] ${r.error.message}` : undefined),
            (defect: unknown) => `defect: ${defect instanceof Error ? defect.message : String(defect)}`,
          );
          if (failure)
            logger.warn(`${n.label} could not deliver ${safe.type}`, { reason: scrubber.scrub(failure) });
        });
      }
    };

    const stats: RunStats = {
      seen: 0,
      archived: 0,
      failed: 0,
      skipped: 0,
      duplicates: 0,
      objects: 0,
      plaintextBytes: 0,
      storedBytes: 0,
      retries: 0,
      failures: [],
    };
    const ctx: RunContext = {
      runId,
      tenant,
      sourceId,
      source,
      transforms,
      codec,
      sinks,
      ledger,
      policy: retryPolicyFrom(config.retry),
      scrubber,
      logger,
      now,
      stats,
      seenIds: new Set(),
      emit,
    };

    ledger.recordRun(runId, tenant, startedAt);
    emit({ type: 'run.started', runId, tenant, at: startedAt.toISOString() });
    const before = ledger.getCheckpoint(tenant, sourceId) ?? null;

    const program = runElements(ctx, before ?? undefined).pipe(
      Stream.mapEffect(
        (el: Element): Effect.Effect<Element> =>
          el.kind === 'item' ? Effect.as(processItem(ctx, el.ref), el) : Effect.succeed(el),
        {
          concurrency: config.concurrency,
        },
      ),
      Stream.runForEach((el: Element) =>
        el.kind === 'checkpoint'
          ? Effect.sync(() => ledger.setCheckpoint(tenant, sourceId, el.checkpoint, now()))
          : Effect.void,
      ),
    );
    const outcome = await Effect.runPromise(
      Effect.result(program),
      options.signal ? { signal: options.signal } : undefined,
    ).then(
      (result) => result,
      (defect: unknown) => {
        // Only a requested stop is an interruption; anything else (a ledger failure, a bug) is a defect.
        if (options.signal?.aborted) return 'interrupted' as const;
        throw defect;
      },
    );
    let runError: { errorTag: string; reason: string } | undefined;
    if (outcome === 'interrupted') {
      runError = {
        errorTag: 'Interrupted',
        reason: 'the run was stopped; the next run resumes where it left off',
      };
    } else if (Result.isFailure(outcome)) {
      const error: PluginError = outcome.failure;
      runError = { errorTag: error._tag, reason: scrubber.scrub(error.message) };
    }

    const finishedAt = now();
    const status: RunStatus = runError
      ? 'failed'
      : stats.failed > 0
        ? 'completed_with_failures'
        : 'succeeded';
    const after = ledger.getCheckpoint(tenant, sourceId) ?? null;
    const report: RunReport = {
      reportVersion: REPORT_VERSION,
      runId,
      tenant,
      pipelineFile: file,
      status,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      counts: {
        seen: stats.seen,
        archived: stats.archived,
        failed: stats.failed,
        skipped: stats.skipped,
        duplicates: stats.duplicates,
      },
      successRate: successRate(stats.archived, stats.failed),
      objects: stats.objects,
      bytes: { plaintext: stats.plaintextBytes, stored: stats.storedBytes },
      retries: stats.retries,
      checkpoint: { before, after },
      failures: stats.failures.map((f) => ({ ...f, errorTag: f.errorTag as PluginError['_tag'] })),
      ...(runError ? { error: runError } : {}),
      plugins: pluginsOf(prepared).map((p) => ({
        label: p.label,
        package: p.packageName,
        version: p.version,
      })),
    };
    const safeReport = scrubber.scrubValue(report);
    emit({
      type: 'run.completed',
      runId,
      tenant,
      counts: { archived: stats.archived, failed: stats.failed, skipped: stats.skipped },
      at: finishedAt.toISOString(),
    });
    await notifying;
    ledger.finishRun(runId, finishedAt, status, safeReport);
    writeReport(path.join(stateDir, 'reports', `${runId}.json`), safeReport);
    if (options.reportFile) writeReport(path.resolve(options.reportFile), safeReport);
    return safeReport;
  } finally {
    await closeAll(bound);
    ledger.releaseLock(tenant, runId);
    ledger.close();
  }
};

/** Written whole or not at all: temp file, then rename. */
const writeReport = (file: string, report: RunReport) => {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, file);
};
