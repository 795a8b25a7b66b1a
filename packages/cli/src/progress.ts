import { escapeControl, type PipelineEvent } from '@cxarchive/core/host';

/** What a progress display can be told besides events. */
export interface ProgressOptions {
  /** Milliseconds now (tests drive it). */
  readonly now?: () => number;
  /** Elsewhere than a terminal: also a line when this long has passed since the last one. Default 10 s. */
  readonly everyMs?: number;
  /**
   * Redraw every second even when no item settles (a run waiting on a throttled API still shows
   * it, and off a terminal still writes its line every `everyMs`), until `finish`.
   */
  readonly live?: boolean;
}

/** Throttling waits by API family, as the run's budgets count them (cumulative). */
export type BudgetWaits = () => Readonly<
  Record<string, { readonly waits: number; readonly waitedMs: number }>
>;

const KB = 1024;
export const formatBytes = (n: number): string => {
  if (n < KB) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / KB;
  let unit = 0;
  while (value >= KB && unit < units.length - 1) {
    value /= KB;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
};

export const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

/**
 * Progress on stderr: items listed and settled (archived, failed, awaiting, skipped) of the
 * listing's total when the source tells it, bytes stored, the rate, an ETA when the total is
 * known, and the API families whose request budget made the run wait since the last line. On a
 * terminal, one rewritten line (at most ten times a second); elsewhere (logs, CI) a timestamped
 * line every `every` items or `everyMs`, whichever comes first. Never shows item content; what it
 * shows is escaped all the same, so the only control sequences written are its own.
 */
export const createProgress = (stream: NodeJS.WriteStream, every = 25, options: ProgressOptions = {}) => {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? 10_000;
  const counts = { archived: 0, failed: 0, awaiting: 0, skipped: 0 };
  const tty = stream.isTTY === true;
  const startedAt = now();
  let done = 0;
  let listed = 0;
  let total: number | undefined;
  let bytes = 0;
  let budgets: BudgetWaits | undefined;
  let lastWaits = new Map<string, number>();
  let lastDrawnAt = Number.NEGATIVE_INFINITY;
  let lastLineAt = startedAt;
  let lastDone = 0;
  let drawn = false;

  /** Families whose waited time grew since the last line, with the time they waited in all. */
  const throttled = (): string[] => {
    if (budgets === undefined) return [];
    const out: string[] = [];
    const next = new Map<string, number>();
    for (const [family, stats] of Object.entries(budgets())) {
      next.set(family, stats.waitedMs);
      if (stats.waitedMs > (lastWaits.get(family) ?? 0))
        out.push(`${family} ${formatDuration(stats.waitedMs)}`);
    }
    lastWaits = next;
    return out;
  };

  const line = (at: number): string => {
    const elapsed = Math.max(1, at - startedAt);
    const rate = (done * 1000) / elapsed;
    const parts = [
      `listed ${listed}${total === undefined ? '' : ` of ~${total}`}`,
      `archived ${counts.archived}`,
      `failed ${counts.failed}`,
      `skipped ${counts.skipped}`,
    ];
    if (counts.awaiting) parts.push(`awaiting ${counts.awaiting}`);
    parts.push(formatBytes(bytes));
    parts.push(`${rate.toFixed(1)} items/s`);
    if (bytes > 0) parts.push(`${formatBytes(Math.round((bytes * 1000) / elapsed))}/s`);
    if (total !== undefined && rate > 0 && total > done)
      parts.push(`ETA ${formatDuration(((total - done) / rate) * 1000)}`);
    const waits = throttled();
    if (waits.length > 0) parts.push(`throttled: ${waits.join(', ')}`);
    return escapeControl(parts.join(' · '));
  };

  const draw = (force: boolean) => {
    const at = now();
    if (tty) {
      if (!force && at - lastDrawnAt < 100) return;
      lastDrawnAt = at;
      drawn = true;
      stream.write(`\r\x1b[2K${line(at)}`);
      return;
    }
    if (force || (done > 0 && done % every === 0 && done !== lastDone) || at - lastLineAt >= everyMs) {
      lastDone = done;
      lastLineAt = at;
      stream.write(`${new Date(at).toISOString()} ${line(at)}\n`);
    }
  };

  // Not kept alive by it: the command ends when its work does, `finish` or not.
  const ticker = options.live === true ? setInterval(() => draw(false), 1000).unref() : undefined;

  return {
    onEvent(event: PipelineEvent) {
      if (event.type === 'item.archived') {
        counts.archived++;
        for (const object of event.objects) bytes += object.size;
      } else if (event.type === 'item.failed') counts.failed++;
      else if (event.type === 'item.skipped') counts.skipped++;
      else if (event.type === 'item.awaiting') counts.awaiting++;
      else return;
      done++;
      draw(false);
    },
    /** A page was listed: `items` more, and the listing's total when the source said it. */
    onListed(page: { readonly items: number; readonly total?: number }) {
      listed += page.items;
      if (page.total !== undefined && total === undefined) total = page.total;
      if (total !== undefined && listed > total) total = listed;
    },
    /** The run's budgets, read at each line for the families that made it wait. */
    onBudgets(stats: BudgetWaits) {
      budgets = stats;
    },
    finish() {
      if (ticker !== undefined) clearInterval(ticker);
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
};
