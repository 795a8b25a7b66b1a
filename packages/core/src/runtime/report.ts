import type { PluginErrorTag } from '../plugin/errors.js';
import type { Checkpoint } from '../plugin/types.js';
import { escapeControl } from '../text.js';
import type { BudgetStats } from './budgets.js';
import type { NotifierStats } from './event-bus.js';

export const REPORT_VERSION = 5;

export interface RunFailure {
  readonly itemId: string;
  readonly errorTag: PluginErrorTag;
  readonly reason: string;
}

/**
 * - `succeeded`: every item seen is archived, skipped, or awaiting data the source does not have yet;
 * - `completed_with_failures`: some items failed (each with its reason; the next run retries them);
 * - `failed`: the run could not list (or finish listing) the source;
 * - `interrupted`: the run was stopped (Ctrl-C, SIGTERM, a lost lease); the next run resumes.
 */
export type RunStatus = 'succeeded' | 'completed_with_failures' | 'failed' | 'interrupted';

/** The typed JSON artifact of one run (DESIGN §5). Contains no secrets and no interaction content. */
export interface RunReport {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly runId: string;
  readonly tenant: string;
  readonly pipelineFile: string;
  /** What the run did: `archive`, or `attach` (then `archived` counts the files sent and confirmed). */
  readonly flow: 'archive' | 'attach';
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: {
    /** Items the source listed this run, plus earlier unsettled items retried (each once). */
    readonly seen: number;
    readonly archived: number;
    readonly failed: number;
    /** Not there yet at the source (a recording still processing): pending, looked at again later. */
    readonly awaiting: number;
    /** Already archived before this run, or dropped by a transform. */
    readonly skipped: number;
    /** Listed more than once within the run (overlap windows, shifted pages); processed once. */
    readonly duplicates: number;
  };
  /** archived / (archived + failed), or null when no item was attempted. */
  readonly successRate: number | null;
  /** Objects stored or adopted by this run. */
  readonly objects: number;
  /**
   * Of `objects`, those found already in a sink with the same content and taken as stored (left
   * there by an interrupted run or a lost answer), not written again. Since report version 5.
   */
  readonly adopted: number;
  readonly bytes: { readonly plaintext: number; readonly stored: number };
  readonly retries: number;
  /** Per API family: the budget, requests counted, waits and the server's throttling. */
  readonly budgets: Readonly<
    Record<string, BudgetStats & { readonly requests: number; readonly per: string }>
  >;
  readonly notifiers: readonly NotifierStats[];
  readonly checkpoint: { readonly before: Checkpoint | null; readonly after: Checkpoint | null };
  /** The first failures in full (the ledger and the audit log have every one). */
  readonly failures: readonly RunFailure[];
  readonly failuresTotal: number;
  /** The first notes the source made on items archived by this run (the ledger has every one). */
  readonly notes: readonly { readonly itemId: string; readonly note: string }[];
  readonly notesTotal: number;
  /** Skipped items by reason (already archived, dropped by a transform and why…), most first. */
  readonly skips: readonly { readonly reason: string; readonly count: number }[];
  /**
   * Telling the source what is archived (a write-back), best effort: told in this run, refused for
   * good in this run, and still to be told (by later runs) when the run ended.
   */
  readonly acknowledgements: { readonly done: number; readonly refused: number; readonly pending: number };
  /** Why the run failed or stopped, when it did. */
  readonly error?: { readonly errorTag: string; readonly reason: string };
  /** Problems that did not change the run's result (a notifier down, the audit log unwritable). */
  readonly warnings: readonly string[];
  readonly plugins: readonly { readonly label: string; readonly package: string; readonly version: string }[];
}

export const successRate = (archived: number, failed: number): number | null =>
  archived + failed === 0 ? null : archived / (archived + failed);

export const formatBytes = (n: number): string => {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
};

/**
 * The share that succeeded, to one decimal, rounded down: a run with a failure never reads
 * "100.0% succeeded" (1,999 of 2,000 is 99.9%).
 */
export const percentSucceeded = (rate: number): string => (Math.floor(rate * 1000) / 10).toFixed(1);

/** The short human summary printed after a run. Text from the source is escaped for the terminal. */
export const summarize = (report: RunReport): string => {
  const { counts } = report;
  const rate =
    report.successRate === null ? 'no items attempted' : `${percentSucceeded(report.successRate)}% succeeded`;
  const lines = [
    `cxarchive run ${report.runId} for tenant ${report.tenant}: ${report.status.replace(/_/g, ' ')}`,
    `  ${report.flow === 'attach' ? 'sent' : 'archived'} ${counts.archived}, ${report.flow === 'attach' ? 'refused or failed' : 'failed'} ${counts.failed}, skipped ${counts.skipped}` +
      (counts.awaiting ? `, awaiting ${counts.awaiting}` : '') +
      (counts.duplicates ? `, ${counts.duplicates} listed twice (processed once)` : '') +
      ` (${rate})`,
    report.flow === 'attach'
      ? `  ${formatBytes(report.bytes.plaintext)} sent, ${report.retries} retries, ${(report.durationMs / 1000).toFixed(1)} s`
      : `  ${report.objects} objects${report.adopted ? ` (${report.adopted} adopted: already stored by an interrupted run)` : ''}, ${formatBytes(report.bytes.stored)} stored from ${formatBytes(report.bytes.plaintext)}, ` +
        `${report.retries} retries, ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
  if (counts.awaiting)
    lines.push(
      `  ${counts.awaiting} items are not ready at the source yet (e.g. recordings still processing): the next run looks again`,
    );
  for (const [family, b] of Object.entries(report.budgets))
    if (b.waitedMs >= 1000 || b.throttled > 0)
      lines.push(
        `  budget ${family}: ${b.taken} requests, waited ${(b.waitedMs / 1000).toFixed(1)} s in ${b.waits} waits` +
          (b.throttled ? `, throttled ${b.throttled} times by the server` : ''),
      );
  if (counts.skipped > 0 && report.skips.length > 0)
    lines.push(
      `  skipped: ${report.skips
        .slice(0, 5)
        .map((s) => `${s.count} ${escapeControl(s.reason)}`)
        .join('; ')}${report.skips.length > 5 ? '; …' : ''}`,
    );
  for (const n of report.notes.slice(0, 10))
    lines.push(`  note ${escapeControl(n.itemId)}: ${escapeControl(n.note)}`);
  if (report.notesTotal > 10)
    lines.push(`  … and ${report.notesTotal - 10} more notes (see the report and the ledger)`);
  const acks = report.acknowledgements;
  if (acks.done || acks.refused)
    lines.push(
      `  acknowledged ${acks.done} archived items to the source` +
        (acks.refused ? `, ${acks.refused} refused` : ''),
    );
  if (acks.pending)
    lines.push(
      `  ${acks.pending} archived ${acks.pending === 1 ? 'item' : 'items'} not yet acknowledged to the source: later runs go on (they are archived; this is a write-back)`,
    );
  for (const f of report.failures.slice(0, 10))
    lines.push(`  failed ${escapeControl(f.itemId)}: [${f.errorTag}] ${escapeControl(f.reason)}`);
  if (report.failuresTotal > 10)
    lines.push(`  … and ${report.failuresTotal - 10} more failures (see the report and the ledger)`);
  if (report.error)
    lines.push(`  run error: [${report.error.errorTag}] ${escapeControl(report.error.reason)}`);
  for (const w of report.warnings) lines.push(`  warning: ${escapeControl(w)}`);
  return lines.join('\n');
};
