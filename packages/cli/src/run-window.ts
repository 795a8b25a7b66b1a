import { escapeControl, type ListingWindow, type QueriedWindow } from '@cxarchive/core/host';

/** A bad `--since/--until` (or other flag value): a usage error, exit 2. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A `--since`/`--until` value: a UTC day (`2026-10-01`) or an ISO 8601 time with its zone. */
export const parseInstant = (flag: string, value: string): Date => {
  const ok = DAY.test(value) || WITH_ZONE.test(value);
  const ms = ok ? Date.parse(DAY.test(value) ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new FlagError(
      `${flag} ${JSON.stringify(escapeControl(value.slice(0, 60)))} is not a date: give a UTC day (2026-10-01) or an ISO 8601 time with its zone (2026-10-01T08:00:00Z)`,
    );
  return new Date(ms);
};

/** The window `--since/--until` ask for, or undefined without `--since`. */
export const parseWindow = (
  since: string | undefined,
  until: string | undefined,
): ListingWindow | undefined => {
  if (since === undefined) {
    if (until !== undefined)
      throw new FlagError('--until needs --since: give the window to list as --since <from> --until <to>');
    return undefined;
  }
  const from = parseInstant('--since', since);
  if (until === undefined) return { since: from };
  const to = parseInstant('--until', until);
  if (to.getTime() <= from.getTime())
    throw new FlagError(
      `--until (${to.toISOString()}) must be later than --since (${from.toISOString()}): the window is [since, until)`,
    );
  return { since: from, until: to };
};

/** The window a run queried, for people. */
export const describeWindow = (window: QueriedWindow | undefined, asked: boolean): string => {
  if (window === undefined) return 'window queried: the source does not say (it lists from its checkpoint)';
  const span = `${escapeControl(window.field)} from ${escapeControl(window.from)} to ${escapeControl(window.to)}`;
  if (window.to < window.from) return `window queried: none yet (${span}: nothing has settled since)`;
  return asked
    ? `window queried: ${span} (--since/--until: listed as asked; the stored checkpoint is not moved)`
    : `window queried: ${span} (from the stored checkpoint, or the pipeline's start on a first run)`;
};
