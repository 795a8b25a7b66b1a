import { escapeControl, type Plan } from '@cxarchive/core/host';
import { formatBytes } from './progress.js';
import { describeWindow } from './run-window.js';

const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** A plan for people: what a run would do now, and what it is based on. */
export const renderPlan = (plan: Plan, offline: boolean): string => {
  const lines: string[] = [
    `plan for tenant ${escapeControl(plan.tenant)} (source ${escapeControl(plan.source)})`,
  ];
  const l = plan.inLedger;
  lines.push(
    plan.ledger.exists
      ? `ledger ${escapeControl(plan.ledger.file)}: archived ${l.archived}, failed ${l.failed}, pending ${l.pending}, awaiting ${l.awaiting}, dropped ${l.dropped}; ${formatBytes(plan.storedBytes)} stored`
      : `ledger ${escapeControl(plan.ledger.file)}: none yet (the first run creates it)`,
  );
  if (plan.retriedFirst > 0)
    lines.push(
      `retried first: ${n(plan.retriedFirst, 'item')} earlier runs left pending, failed or awaiting (due now)`,
    );
  if (offline || plan.listing === undefined) {
    lines.push(
      plan.checkpoint === null
        ? 'checkpoint: none (the next run lists from the pipeline’s start)'
        : `checkpoint: ${escapeControl(JSON.stringify(plan.checkpoint)).slice(0, 200)}`,
    );
    lines.push('offline: the source was not asked; what it would list is not known');
    return lines.join('\n');
  }
  lines.push(describeWindow(plan.window, plan.windowAsked));
  const s = plan.listing;
  const known = s.known;
  const listedText = s.complete
    ? `listed ${n(s.listed, 'item')} in ${n(s.pages, 'page')} (the whole window)`
    : `listed the first ${n(s.listed, 'item')} (stopped at --max)${s.total === undefined ? '' : `; the source counts ~${s.total} in all`}`;
  lines.push(listedText);
  lines.push(
    `would archive: ${s.new} new` +
      (known.pending + known.failed + known.awaiting > 0
        ? `, and retry ${known.pending + known.failed + known.awaiting} listed again (pending ${known.pending}, failed ${known.failed}, awaiting ${known.awaiting})`
        : ''),
  );
  if (!s.complete && s.total !== undefined && s.listed > 0) {
    const share = s.new / s.listed;
    lines.push(
      `estimate for the whole window: ~${Math.round(share * s.total)} new (the share of new items so far)`,
    );
  }
  lines.push(`already archived: ${known.archived}; dropped by transforms: ${known.dropped}`);
  lines.push('bytes: not known before fetching (recordings are sized when a run reads them)');
  if (s.examples.length > 0) {
    lines.push('example keys (dated by each item, known once fetched):');
    for (const e of s.examples) lines.push(`  ${escapeControl(e.key)}`);
  }
  lines.push('nothing was written: the ledger was read only, no object stored');
  return lines.join('\n');
};
