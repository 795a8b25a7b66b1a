import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Cause, Effect, Exit, Ref } from 'effect';
import { auditLogPath } from '../audit/audit-path.js';
import { parseDuration } from '../duration.js';
import type { Ledger } from '../ledger/ledger.js';
import { LedgerError } from '../ledger/ledger-error.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import { silentLogger } from '../logger.js';
import { pluginsOf } from '../pipeline/prepare-pipeline.js';
import type { PluginError } from '../plugin/errors.js';
import type { Checkpoint, QueriedWindow } from '../plugin/types.js';
import { archiveFlow, itemsFlow } from './archive-flow.js';
import { attachItem } from './attach-item.js';
import { InFlight } from './boundary.js';
import { BudgetStateFile } from './budget-state.js';
import { resolveBudgets } from './budgets.js';
import { createEventBus } from './event-bus.js';
import type { FlowContext } from './flow-context.js';
import { acquireLease, type HeldLease, LeaseHeldError } from './lease.js';
import { emptyTally, type Tally } from './outcome.js';
import { type Closable, closePlugins, createPlugins, notifierChannels } from './plugins.js';
import type { RunReport } from './report.js';
import { retryPolicyFrom } from './retry.js';
import { ledgerPath, type RunOptions, RunSetupError } from './run-options.js';
import { buildReport, busWarnings, statusOf, writeReports } from './run-report.js';
import { checkWindowSupport, itemRefFor, scopedLedger, scopedSource } from './run-scope.js';
import { syncFlow } from './sync-flow.js';

/**
 * A flow: what a run does inside the harness. It gets the run's ports and plugins, the source's
 * stored checkpoint and a tally to fold its outcomes into; it returns the run's own error, if any
 * (items' failures are outcomes, not errors). The archive flow is the first; the attach flow and
 * the queue worker are to be built on the same harness.
 */
export interface Flow {
  readonly name: string;
  /** Warnings about the run's starting state (e.g. a sink that lacks what others hold). */
  preflight?(ctx: FlowContext): Promise<string[]>;
  run(
    ctx: FlowContext,
    start: Checkpoint | undefined,
    tally: Ref.Ref<Tally>,
  ): Effect.Effect<{ readonly listingError?: PluginError }>;
}

/**
 * A sink that lacks objects other sinks hold for archived items was added after they were
 * archived: the archive flow never revisits archived items, so it stays behind until synced.
 */
const laggingSinks = async (ctx: FlowContext): Promise<string[]> => {
  if (ctx.sinks.length < 2) return [];
  const warnings: string[] = [];
  for (const sink of ctx.sinks) {
    const n = await ctx.ledger.countLagging(ctx.tenant, ctx.sourceId, sink.label);
    if (n > 0)
      warnings.push(
        `${sink.label} (${sink.packageName}) lacks ${n} objects of archived items that other sinks hold (was it added after they were archived?): run \`cxarchive sync\` to copy them`,
      );
  }
  return warnings;
};

/** A sink that delivers attachments (`flow: attach`) cannot hold archive objects, and the reverse. */
const sinksFor = (sinks: FlowContext['sinks'], attach: boolean): void => {
  const delivers = (s: FlowContext['sinks'][number]) =>
    (s.instance as unknown as { attachments?: unknown }).attachments === true;
  if (attach) {
    if (sinks.length !== 1 || !delivers(sinks[0]!))
      throw new RunSetupError(
        `the attach flow sends each file to one destination: \`sinks:\` must hold exactly one sink that delivers attachments (such as cxone-dfo); it holds ${sinks.map((s) => `${s.label} (${s.packageName})`).join(', ') || 'none'}`,
      );
    return;
  }
  for (const sink of sinks)
    if (delivers(sink))
      throw new RunSetupError(
        `${sink.label} (${sink.packageName}) delivers attachments into CXone conversations and cannot hold archive objects: set \`flow: attach\` in the pipeline to send files, or use a storage sink (fs, s3, gcs, azure) to archive`,
      );
};

/** The archive flow: source → transforms → codec → sinks, item by item (see archive-flow.ts). */
export const ARCHIVE_FLOW: Flow = { name: 'archive', preflight: laggingSinks, run: archiveFlow };

/**
 * The attach flow (DESIGN §9): files listed by the source, validated and scanned by transforms,
 * delivered by an attachment sink as durable jobs (see attach-item.ts).
 */
export const ATTACH_FLOW: Flow = { name: 'attach', run: itemsFlow(attachItem) };

/** The sync flow: copies to each sink what other sinks hold for archived items (see sync-flow.ts). */
export const SYNC_FLOW: Flow = { name: 'sync', run: syncFlow };

const newRunId = (at: Date): string =>
  `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;

/** What the source says its listing queries; undefined when it does not say (or fails to). */
const queriedWindow = (
  source: FlowContext['source']['instance'],
  checkpoint: Checkpoint | null,
  window: RunOptions['window'],
): QueriedWindow | undefined => {
  if (typeof source.window !== 'function') return undefined;
  try {
    const said = source.window(checkpoint ?? undefined, window);
    return said?.isOk?.() ? said.value : undefined;
  } catch {
    return undefined;
  }
};

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const openLedger = (file: string): Ledger => {
  try {
    return openSqliteLedger(file);
  } catch (error) {
    if (error instanceof LedgerError) throw new RunSetupError(error.message);
    throw error;
  }
};

/** What the flow's exit means for the run: its error, and whether it was a requested stop. */
const judgeExit = (
  exit: Exit.Exit<{ readonly listingError?: PluginError }>,
  stopped: boolean,
  stopReason: string | undefined,
  scrub: (text: string) => string,
): { error?: { errorTag: string; reason: string }; interrupted: boolean; defect?: string } => {
  if (Exit.isSuccess(exit)) {
    const listing = exit.value.listingError;
    return listing
      ? { error: { errorTag: listing._tag, reason: scrub(listing.message) }, interrupted: false }
      : { interrupted: false };
  }
  if (stopped && Cause.hasInterrupts(exit.cause))
    return {
      error: { errorTag: 'Interrupted', reason: stopReason ?? 'the run was stopped' },
      interrupted: true,
    };
  const cause = Cause.squash(exit.cause);
  if (cause instanceof LedgerError) throw new RunSetupError(`the run stopped: ${cause.message}`, 'run');
  return {
    error: { errorTag: 'Defect', reason: scrub(`cxarchive failed unexpectedly: ${describe(cause)}`) },
    interrupted: false,
    defect: scrub(Cause.pretty(exit.cause)),
  };
};

/**
 * The run harness: owns the ledger, the tenant's lease (with heartbeat), the plugins' lifetimes,
 * interruption, the event bus and the report, and runs one flow inside them. Resolves with the
 * report (also written to disk) whatever happened to individual items; rejects only when the run
 * cannot start, or its ledger fails under it (`RunSetupError`). Nothing is written after it
 * returns: a stopped run aborts its in-flight operations and waits for them to settle first.
 */
export const runWith = async (flow: Flow, options: RunOptions): Promise<RunReport> => {
  const { prepared, scrubber } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { config } = prepared.loaded;
  const tenant = config.tenant;
  const startedAt = now();
  const runId = newRunId(startedAt);
  const dbFile = ledgerPath(prepared);
  const stateDir = path.dirname(dbFile);
  const sourceId = prepared.source.use;
  const ledger = openLedger(dbFile);

  // One controller stops the run: the caller's signal (Ctrl-C), or a lease lost to another run.
  const stop = new AbortController();
  let stopReason: string | undefined;
  const halt = (reason: string) => {
    stopReason ??= reason;
    stop.abort(new Error(reason));
  };
  const onAbort = () => halt('the run was stopped; the next run resumes where it left off');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const inflight = new InFlight();
  const created: Closable[] = [];
  let lease: HeldLease | undefined;
  // The tenant's budgets as the last run left them (budget-state.ts): read once the lease is held.
  let budgetState: BudgetStateFile | undefined;
  try {
    try {
      lease = await acquireLease(
        ledger,
        tenant,
        runId,
        parseDuration(config.state.lease ?? '1m'),
        now,
        logger,
        halt,
      );
    } catch (error) {
      if (error instanceof LeaseHeldError || error instanceof LedgerError)
        throw new RunSetupError(error.message);
      throw error;
    }
    const declared = pluginsOf(prepared).flatMap((p) => [...(p.definition.budgets ?? [])]);
    const { budgets, unknownOverrides } = resolveBudgets(declared, config.budgets ?? {});
    const warnings = unknownOverrides.map(
      (family) =>
        `budgets.${family}: no plugin of this pipeline declares the API family ${family}; the budget is not used`,
    );
    // Counted with the budgets' clock, aged by the run's (the same outside tests).
    budgetState = new BudgetStateFile(path.join(stateDir, `${tenant}.budgets.json`), Date.now, () =>
      now().getTime(),
    );
    const stateWarning = await budgetState.attach(budgets);
    if (stateWarning !== undefined) {
      logger.warn(stateWarning);
      warnings.push(stateWarning);
    }
    const plugins = await createPlugins(
      prepared,
      { logger, now, budgets, inflight, scrubber, ledger },
      created,
    );
    // Retention is a promise about every object: a sink that cannot keep it is refused, not skipped.
    if (config.retention)
      for (const sink of plugins.sinks)
        if (sink.instance.capabilities?.retention !== true)
          throw new RunSetupError(
            `${sink.label} (${sink.packageName}) cannot keep objects under retention, which this pipeline asks for (retention: ${config.retention.mode}, ${config.retention.period}): use a sink that can (s3 with Object Lock), or remove retention from the pipeline`,
          );
    sinksFor(plugins.sinks, flow.name === 'attach');
    const before = (await ledger.getCheckpoint(tenant, sourceId)) ?? null;
    // `run --since/--until`, `--limit`, `--item` (run-scope.ts): refused before anything is
    // recorded when the source cannot do what they ask.
    const origin = plugins.source;
    if (options.window !== undefined) checkWindowSupport(origin.instance, origin.label, sourceId);
    const item =
      options.item === undefined
        ? undefined
        : await itemRefFor(ledger, tenant, sourceId, origin.instance, origin.label, options.item);
    const scope = {
      ...(options.window === undefined ? {} : { window: options.window }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(item === undefined ? {} : { item }),
      ...(options.onListed === undefined ? {} : { onListed: options.onListed }),
    };
    const source = { ...origin, instance: scopedSource(origin.instance, scope, before ?? undefined) };
    if (options.onWindow !== undefined)
      options.onWindow(
        item === undefined ? queriedWindow(origin.instance, before, options.window) : undefined,
      );
    options.onBudgets?.(() => budgets.stats());
    const policy = retryPolicyFrom(config.retry);
    const bus = createEventBus({
      // `state.auditLog` when the pipeline names one; beside the ledger the run opened otherwise.
      auditFile:
        config.state.auditLog === undefined
          ? path.join(stateDir, `${tenant}.audit.jsonl`)
          : auditLogPath(prepared),
      scrubber,
      logger,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      notifiers: notifierChannels(plugins.notifiers, inflight, policy, budgets),
      queueSize: options.notifierQueueSize ?? 1000,
    });

    await ledger.recordRun(runId, tenant, startedAt);
    bus.emit({ type: 'run.started', runId, tenant, at: startedAt.toISOString() });
    const tally = Ref.makeUnsafe<Tally>(emptyTally);
    const ctx: FlowContext = {
      runId,
      tenant,
      sourceId,
      ...plugins,
      source,
      ledger: scopedLedger(ledger, scope),
      policy,
      budgets,
      inflight,
      scrubber,
      logger,
      concurrency: config.concurrency,
      acknowledgeDrainMs: parseDuration(config.acknowledge?.drainFor ?? '1m'),
      layout: {
        records: config.layout?.records ?? 'per-item',
        batchSize: config.layout?.batchSize ?? 1000,
      },
      ...(config.retention
        ? { retention: { mode: config.retention.mode, periodMs: parseDuration(config.retention.period) } }
        : {}),
      signal: stop.signal,
      now,
      emit: bus.emit,
    };

    for (const warning of (await flow.preflight?.(ctx)) ?? []) {
      logger.warn(warning);
      warnings.push(warning);
    }
    const exit = stop.signal.aborted
      ? Exit.interrupt()
      : await Effect.runPromiseExit(flow.run(ctx, before ?? undefined, tally), { signal: stop.signal });
    // A stopped run's operations were aborted: wait for them, so nothing writes after we return.
    for (const where of await inflight.settle(options.settleTimeoutMs ?? 10_000))
      warnings.push(`${where} did not stop within the time allowed after the run was stopped`);
    // No request goes out after this: the budgets' last state is what the next run starts from.
    const savedWarning = await budgetState.close();
    if (savedWarning !== undefined) warnings.push(savedWarning);
    await ledger.flush();
    const judged = judgeExit(exit, stop.signal.aborted, stopReason, (t) => scrubber.scrub(t));
    if (judged.defect) logger.error('the run failed unexpectedly', { reason: judged.defect });

    const counted = Ref.getUnsafe(tally);
    const status = statusOf(counted, judged.error, judged.interrupted);
    const acksPending = (await ledger.ackCounts(tenant, sourceId)).pending;
    if (counted.acks.refused > 0)
      warnings.push(
        `${counted.acks.refused} archived ${counted.acks.refused === 1 ? 'item was' : 'items were'} refused by the source when told they are archived (they stay archived, and are not told again): ` +
          counted.acks.refusals
            .slice(0, 3)
            .map((r) => `${r.itemId}: ${r.reason}`)
            .join('; ') +
          (counted.acks.refused > 3 ? '; …' : ''),
      );
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
      ...(judged.error ? { error: judged.error } : {}),
      at: finishedAt.toISOString(),
    });
    const delivered = await bus.close(judged.interrupted ? 2_000 : 10_000);
    const report = buildReport({
      prepared,
      runId,
      status,
      startedAt,
      finishedAt,
      tally: counted,
      acksPending,
      budgets,
      delivered,
      checkpoint: { before, after },
      ...(judged.error ? { error: judged.error } : {}),
      warnings: [...warnings, ...busWarnings(delivered)],
      scrubber,
    });
    const targets = [
      path.join(stateDir, 'reports', `${runId}.json`),
      ...(options.reportFile ? [options.reportFile] : []),
    ];
    const fileWarnings = writeReports(report, targets, scrubber);
    const final: RunReport = fileWarnings.length
      ? { ...report, warnings: [...report.warnings, ...fileWarnings] }
      : report;
    await ledger.finishRun(runId, finishedAt, status, final);
    return final;
  } catch (error) {
    // The ledger failed under the run (a full disk at a commit): nothing it says can be trusted
    // any more, so no report claims anything; the next run resumes from what was committed.
    if (error instanceof LedgerError) throw new RunSetupError(`the run stopped: ${error.message}`, 'run');
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await closePlugins(created, inflight, logger);
    await budgetState?.close();
    await lease
      ?.release()
      .catch((error: unknown) => logger.warn('could not release the run lease', { reason: describe(error) }));
    await ledger.close();
  }
};
