import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../make-directory.js';
import { type PreparedPipeline, pluginsOf } from '../pipeline/prepare-pipeline.js';
import type { Checkpoint } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import type { Budgets } from './budgets.js';
import type { EventBusResult } from './event-bus.js';
import type { Tally } from './outcome.js';
import { REPORT_VERSION, type RunReport, type RunStatus, successRate } from './report.js';

export const statusOf = (
  tally: Tally,
  error: { errorTag: string } | undefined,
  interrupted: boolean,
): RunStatus =>
  interrupted ? 'interrupted' : error ? 'failed' : tally.failed > 0 ? 'completed_with_failures' : 'succeeded';

/** Warnings about the event bus: an audit log that could not be written, notifiers that missed events. */
export const busWarnings = (delivered: EventBusResult): string[] => [
  ...(delivered.auditWriteError ? [`the audit log could not be written: ${delivered.auditWriteError}`] : []),
  ...delivered.notifiers
    .filter((n) => n.failed || n.dropped || n.undelivered)
    .map(
      (n) =>
        `${n.label}: ${n.failed} events failed, ${n.dropped} dropped (queue full), ${n.undelivered} undelivered at the end`,
    ),
];

/** The report, built from the tally alone (nothing else is counted anywhere), scrubbed. */
export const buildReport = (r: {
  readonly prepared: PreparedPipeline;
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly tally: Tally;
  /** Acknowledgements still pending in the ledger when the run ended. */
  readonly acksPending: number;
  readonly budgets: Budgets;
  readonly delivered: EventBusResult;
  readonly checkpoint: { readonly before: Checkpoint | null; readonly after: Checkpoint | null };
  readonly error?: { readonly errorTag: string; readonly reason: string };
  readonly warnings: readonly string[];
  readonly scrubber: SecretScrubber;
}): RunReport => {
  const t = r.tally;
  return r.scrubber.scrubValue({
    reportVersion: REPORT_VERSION,
    runId: r.runId,
    tenant: r.prepared.loaded.config.tenant,
    pipelineFile: r.prepared.loaded.file,
    flow: r.prepared.loaded.config.flow ?? 'archive',
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    durationMs: r.finishedAt.getTime() - r.startedAt.getTime(),
    counts: {
      seen: t.seen,
      archived: t.archived,
      failed: t.failed,
      awaiting: t.awaiting,
      skipped: t.skipped,
      duplicates: t.duplicates,
    },
    successRate: successRate(t.archived, t.failed),
    objects: t.objects,
    adopted: t.adopted,
    bytes: { plaintext: t.plaintextBytes, stored: t.storedBytes },
    retries: t.retries,
    budgets: r.budgets.stats(),
    notifiers: r.delivered.notifiers,
    checkpoint: r.checkpoint,
    failures: t.failures,
    failuresTotal: t.failed,
    notes: t.notes,
    notesTotal: t.notesTotal,
    skips: [...t.skips].sort((a, b) => b.count - a.count),
    acknowledgements: { done: t.acks.done, refused: t.acks.refused, pending: r.acksPending },
    ...(r.error ? { error: r.error } : {}),
    warnings: [...r.warnings],
    plugins: pluginsOf(r.prepared).map((p) => ({
      label: p.label,
      package: p.packageName,
      version: p.version,
    })),
  });
};

/** Written whole or not at all (temp file, then rename), readable by the owner only. */
const writeReportFile = (file: string, report: RunReport): void => {
  makeDirectory(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
};

/**
 * Writes the report to every target. A target that cannot be written is a warning (returned),
 * never a change to the run's result.
 */
export const writeReports = (
  report: RunReport,
  targets: readonly string[],
  scrubber: SecretScrubber,
): string[] => {
  const warnings: string[] = [];
  for (const target of targets) {
    try {
      writeReportFile(path.resolve(target), report);
    } catch (error) {
      warnings.push(
        `the report could not be written to ${target}: ${scrubber.scrub(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
  return warnings;
};
