import { encodeKeyVariable } from '../keys.js';
import type { KeyRange } from '../ledger/ledger.js';
import type { PreparedArchive } from '../pipeline/prepare-pipeline.js';
import type { SecretScrubber } from '../redacted.js';
import { chooseSink, openArchiveAccess } from './archive-access.js';
import { type ItemRestore, restoreItem } from './restore-item.js';

/** Items restored, by `--item` or by a window of dates (both ends included, UTC days). */
export type RestoreSelection =
  | { readonly itemIds: readonly string[] }
  | { readonly since?: string; readonly until?: string };

export interface RestoreOptions {
  readonly prepared: PreparedArchive;
  readonly scrubber: SecretScrubber;
  readonly selection: RestoreSelection;
  readonly out: string;
  /** A sink label (`sinks[1]`) or index (`1`): restore from it only. */
  readonly sink?: string;
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  /** Called as each item is done (progress). */
  readonly onItem?: (result: ItemRestore) => void;
}

export interface RestoreSummary {
  readonly items: number;
  readonly restored: number;
  readonly partial: number;
  readonly failed: number;
  readonly unknown: number;
  readonly files: number;
  readonly bytes: number;
  /** Stopped before every item was done (Ctrl-C). */
  readonly interrupted: boolean;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as a date, or a RangeError naming the option. */
export const parseDay = (value: string, option: string): Date => {
  const m = DAY.exec(value);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new RangeError(
      `${option} ${JSON.stringify(value)} is not a date: write it as YYYY-MM-DD (a UTC day)`,
    );
  return date;
};

const dayPrefix = (tenant: string, day: Date) =>
  `${encodeKeyVariable(tenant)}/${day.toISOString().slice(0, 10).replace(/-/g, '/')}/`;

/**
 * The object keys of items dated from `since` to `until` (UTC days, both included): object keys
 * begin with `<tenant>/<yyyy>/<mm>/<dd>/` (the item's date), so the days are a range of keys.
 */
export const keyRangeOf = (
  tenant: string,
  since: string | undefined,
  until: string | undefined,
): KeyRange => {
  const from =
    since === undefined ? `${encodeKeyVariable(tenant)}/` : dayPrefix(tenant, parseDay(since, '--since'));
  let before = `${encodeKeyVariable(tenant)}0`; // '0' follows '/': every key of the tenant is before it
  if (until !== undefined) {
    const last = parseDay(until, '--until');
    before = dayPrefix(tenant, new Date(last.getTime() + 86_400_000));
  }
  if (since !== undefined && until !== undefined && from >= before)
    throw new RangeError(`--since ${since} is after --until ${until}`);
  return { from, before };
};

/** Items are read from the ledger this many ids at a time. */
const PAGE = 200;

/**
 * Restores items of an archive into `out`: the ones named, or every item dated within a window.
 * Opens the ledger and the pipeline's codec and sinks (never its source); items are done one after
 * the other, each object streamed from the sink to its file. Resolves with a summary; each item's
 * own result goes to `onItem` as it is done. Rejects with `RunSetupError` when the archive cannot
 * be opened, `RangeError` for a bad `sink` or window.
 */
export const restoreArchive = async (options: RestoreOptions): Promise<RestoreSummary> => {
  const selection = options.selection;
  const range =
    'itemIds' in selection
      ? undefined
      : keyRangeOf(options.prepared.loaded.config.tenant, selection.since, selection.until);
  const access = await openArchiveAccess({
    prepared: options.prepared,
    scrubber: options.scrubber,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const counts = { items: 0, restored: 0, partial: 0, failed: 0, unknown: 0, files: 0, bytes: 0 };
  try {
    const sink = chooseSink(access.sinks, options.sink);
    const one = async (itemId: string) => {
      const result = await restoreItem(access, itemId, {
        out: options.out,
        force: options.force === true,
        ...(sink ? { sink } : {}),
      });
      counts.items++;
      counts[result.status]++;
      counts.files += result.files.length;
      counts.bytes += result.files.reduce((n, f) => n + f.bytes, 0);
      options.onItem?.(result);
    };
    if (!range) {
      for (const id of (selection as { itemIds: readonly string[] }).itemIds) {
        if (access.signal.aborted) break;
        await one(id);
      }
    } else {
      let after: string | undefined;
      do {
        const page = await access.ledger.itemIdsInKeyRange(
          access.tenant,
          access.sourceId,
          range,
          after,
          PAGE,
        );
        for (const id of page.itemIds) {
          if (access.signal.aborted) break;
          await one(id);
        }
        after = page.next;
      } while (after !== undefined && !access.signal.aborted);
    }
    return { ...counts, interrupted: access.signal.aborted };
  } finally {
    await access.close();
  }
};
