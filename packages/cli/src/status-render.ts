import { escapeControl, type FailedItem, type LedgerRun } from '@cxarchive/core/host';
import type { StatusSummary } from './status-summary.js';

const e = escapeControl;

const duration = (run: LedgerRun): string => {
  if (run.finishedAt === undefined) return '';
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isNaN(ms) ? '' : `  ${(ms / 1000).toFixed(1)} s`;
};

/** One run: id, start, outcome, counts (from its report) and duration. */
export const runLine = (run: LedgerRun): string => {
  const c = run.counts;
  const counts = c
    ? `  archived ${c.archived}, failed ${c.failed}, awaiting ${c.awaiting}, skipped ${c.skipped}`
    : run.status === 'running'
      ? '  (running, or stopped without finishing: its lease tells)'
      : '';
  return `  ${e(run.runId)}  ${e(run.startedAt)}  ${e(run.status.replace(/_/g, ' '))}${counts}${duration(run)}`;
};

/** A failed item: id, attempts, the run that failed it last, and why. */
export const failedLine = (item: FailedItem): string =>
  `  ${e(item.itemId)}  attempts ${item.attempts}  run ${e(item.runId)}: ${e(item.lastError ?? '(no reason recorded)')}`;

/** The summary as lines of text (everything but the failed items). */
export const statusLines = (s: StatusSummary): string[] => {
  const lines = [
    `tenant ${e(s.tenant)} (${e(s.pipelineFile)})`,
    `  ledger ${e(s.ledger)}`,
    `  source ${e(s.source)}${s.flow === 'attach' ? ' (flow attach)' : ''}`,
    ...s.checkpoint.lines,
  ];
  const i = s.items;
  lines.push(
    `items: archived ${i.archived}, failed ${i.failed}, awaiting ${i.awaiting}, pending ${i.pending}, dropped ${i.dropped}`,
  );
  if (i.pending > 0)
    lines.push(
      `  ${i.pending} pending: begun by a run that did not settle them (stopped, or still running): the next run retries them`,
    );
  const acks = s.acknowledgements;
  if (acks.pending || acks.refused)
    lines.push(`acknowledgements to the source: pending ${acks.pending}, refused ${acks.refused}`);
  if (s.attachments)
    lines.push(
      `attachments: ${Object.entries(s.attachments)
        .map(([state, n]) => `${e(state)} ${n}`)
        .join(', ')}`,
    );
  if (s.lease === null) lines.push('lock: none (no run holds the tenant)');
  else
    lines.push(
      `lock: held by run ${e(s.lease.runId)} (pid ${s.lease.pid} on ${e(s.lease.host)}, since ${e(s.lease.since)}), ` +
        (s.lease.expired
          ? `lease expired at ${e(s.lease.expiresAt)}: the next run takes it over`
          : `lease expires at ${e(s.lease.expiresAt)}; if that run is gone for good, \`cxarchive unlock\` releases it`),
    );
  if (s.runs.length === 0) lines.push('runs: none yet');
  else {
    lines.push(`runs (latest ${s.runs.length}, newest first):`);
    for (const run of s.runs) lines.push(runLine(run));
  }
  return lines;
};
