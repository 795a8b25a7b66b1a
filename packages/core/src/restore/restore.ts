import { encodeKeyVariable } from '../keys.js';
import { isBatchItemId, type KeyRange } from '../ledger/ledger.js';
import type { PreparedArchive } from '../pipeline/prepare-pipeline.js';
import type { SecretScrubber } from '../redacted.js';
import { chooseSink, openArchiveAccess } from './archive-access.js';
import { type ItemRestore, restoreItem } from './restore-item.js';
import { restoreBatchMembers, restoreNamedItems } from './restore-members.js';

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
  /**
   * The base name of a record restored from a batch (`contact` → `contact.json`), when given
   * explicitly: it wins over the name the ledger kept with the batch.
   */
  readonly recordName?: string;
  /** The base name for a batch formed before the ledger kept its source's `recordName`. Default `record`. */
  readonly fallbackRecordName?: string;
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

const dayPrefix = (tenant: string, day: Date, under = '') =>
  `${encodeKeyVariable(tenant)}/${under}${day.toISOString().slice(0, 10).replace(/-/g, '/')}/`;

/** Where batch objects are keyed under the tenant's prefix (`{tenant}/records/{yyyy}/{mm}/{dd}/…`). */
const RECORDS = 'records/';

/**
 * The object keys of items dated from `since` to `until` (UTC days, both included): object keys
 * begin with `<tenant>/<yyyy>/<mm>/<dd>/` (the item's date), so the days are a range of keys (and
 * batch objects' keys, `<tenant>/records/<yyyy>/<mm>/<dd>/`, with `under` = `records/`).
 */
export const keyRangeOf = (
  tenant: string,
  since: string | undefined,
  until: string | undefined,
  under = '',
): KeyRange => {
  const top = `${encodeKeyVariable(tenant)}/${under}`;
  const from = since === undefined ? top : dayPrefix(tenant, parseDay(since, '--since'), under);
  // '0' follows '/': every key under the prefix is before it.
  let before = `${top.slice(0, -1)}0`;
  if (until !== undefined) {
    const last = parseDay(until, '--until');
    before = dayPrefix(tenant, new Date(last.getTime() + 86_400_000), under);
  }
  if (since !== undefined && until !== undefined && from >= before)
    throw new RangeError(`--since ${since} is after --until ${until}`);
  return { from, before };
};

/**
 * The keys of the batch objects (the batch layout) of the same days: a batch is keyed by its
 * members' day, under `<tenant>/records/`.
 */
export const recordsKeyRangeOf = (
  tenant: string,
  since: string | undefined,
  until: string | undefined,
): KeyRange => keyRangeOf(tenant, since, until, RECORDS);

/** Items are read from the ledger this many ids at a time. */
const PAGE = 200;

/**
 * Restores items of an archive into `out`: the ones named, or every item dated within a window
 * (in the batch layout, every member of the window's batches, each batch decoded once for all).
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
  const records =
    'itemIds' in selection
      ? undefined
      : recordsKeyRangeOf(options.prepared.loaded.config.tenant, selection.since, selection.until);
  const access = await openArchiveAccess({
    prepared: options.prepared,
    scrubber: options.scrubber,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const counts = { items: 0, restored: 0, partial: 0, failed: 0, unknown: 0, files: 0, bytes: 0 };
  try {
    const sink = chooseSink(access.sinks, options.sink);
    const itemOptions = {
      out: options.out,
      force: options.force === true,
      ...(options.recordName === undefined ? {} : { recordName: options.recordName }),
      fallbackRecordName: options.fallbackRecordName ?? 'record',
      ...(sink ? { sink } : {}),
    };
    const done = (result: ItemRestore) => {
      counts.items++;
      counts[result.status]++;
      counts.files += result.files.length;
      counts.bytes += result.files.reduce((n, f) => n + f.bytes, 0);
      options.onItem?.(result);
    };
    if (!range || !records) {
      await restoreNamedItems(
        access,
        (selection as { itemIds: readonly string[] }).itemIds,
        itemOptions,
        done,
      );
    } else {
      // First the batches of the window (each decoded once for its members), then the items with
      // objects of their own in it, less those whose record came from one of those batches.
      let after: string | undefined;
      do {
        const page = await access.ledger.itemIdsInKeyRange(
          access.tenant,
          access.sourceId,
          records,
          after,
          PAGE,
        );
        for (const id of page.itemIds) {
          if (access.signal.aborted) break;
          if (isBatchItemId(id)) await restoreBatchMembers(access, id, itemOptions, done);
        }
        after = page.next;
      } while (after !== undefined && !access.signal.aborted);
      after = undefined;
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
          if (isBatchItemId(id)) continue;
          const batch = await access.ledger.batchInfoOf(access.tenant, access.sourceId, id);
          if (batch?.status === 'stored' && batch.key >= records.from && batch.key < records.before) continue;
          done(await restoreItem(access, id, itemOptions));
        }
        after = page.next;
      } while (after !== undefined && !access.signal.aborted);
    }
    return { ...counts, interrupted: access.signal.aborted };
  } finally {
    await access.close();
  }
};
