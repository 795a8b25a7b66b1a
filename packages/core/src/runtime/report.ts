import type { PluginError } from '../plugin/errors.js';
import type { Checkpoint } from '../plugin/types.js';

export const REPORT_VERSION = 1;

export interface RunFailure {
  readonly itemId: string;
  readonly errorTag: PluginError['_tag'];
  readonly reason: string;
}

export type RunStatus = 'succeeded' | 'completed_with_failures' | 'failed';

/** The typed JSON artifact of one run (DESIGN §5). Contains no secrets and no interaction content. */
export interface RunReport {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly runId: string;
  readonly tenant: string;
  readonly pipelineFile: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: {
    /** Items the source listed this run, plus earlier unsettled items retried. */
    readonly seen: number;
    readonly archived: number;
    readonly failed: number;
    /** Already archived before this run, or dropped by a transform. */
    readonly skipped: number;
    /** Listed more than once within the run (overlap windows, shifted pages); processed once. */
    readonly duplicates: number;
  };
  /** archived / (archived + failed), or null when no item was attempted. */
  readonly successRate: number | null;
  readonly objects: number;
  readonly bytes: { readonly plaintext: number; readonly stored: number };
  readonly retries: number;
  readonly checkpoint: { readonly before: Checkpoint | null; readonly after: Checkpoint | null };
  readonly failures: readonly RunFailure[];
  /** Set when the run could not list (or could not finish listing) the source. */
  readonly error?: { readonly errorTag: string; readonly reason: string };
  readonly plugins: readonly { readonly label: string; readonly package: string; readonly version: string }[];
}

export const successRate = (archived: number, failed: number): number | null =>
  archived + failed === 0 ? null : archived / (archived + failed);

const formatBytes = (n: number): string => {
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

/** The short human summary printed after a run. */
export const summarize = (report: RunReport): string => {
  const { counts } = report;
  const rate =
    report.successRate === null
      ? 'no items attempted'
      : `${(report.successRate * 100).toFixed(1)}% succeeded`;
  const lines = [
    `cxarchive run ${report.runId} for tenant ${report.tenant}: ${report.status.replace(/_/g, ' ')}`,
    `  archived ${counts.archived}, failed ${counts.failed}, skipped ${counts.skipped}` +
      (counts.duplicates ? `, duplicates ${counts.duplicates}` : '') +
      ` (${rate})`,
    `  ${report.objects} objects, ${formatBytes(report.bytes.stored)} stored from ${formatBytes(report.bytes.plaintext)}, ` +
      `${report.retries} retries, ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const f of report.failures.slice(0, 10))
    lines.push(`  failed ${f.itemId}: [${f.errorTag}] ${f.reason}`);
  if (report.failures.length > 10)
    lines.push(`  … and ${report.failures.length - 10} more failures (see the report)`);
  if (report.error) lines.push(`  run error: [${report.error.errorTag}] ${report.error.reason}`);
  return lines.join('\n');
};
