import {
  type Checkpoint,
  err,
  type ItemRef,
  ok,
  type Page,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Result,
} from '@cxarchive/core';
import { attachmentId, refusedRowId, rowDigest, unmatchedFileId } from './item-id.js';
import { ManifestError, readManifest } from './manifest.js';
import { filePathProblem } from './paths.js';
import type { Place } from './place.js';
import { toRef } from './refs.js';
import { checkRow } from './row.js';
import type { ResolvedFilesSourceOptions } from './schema.js';

/**
 * The listing holds nothing between runs: the directory and the manifest are listed whole every
 * run, and the ledger settles what an earlier run finished (an archived item listed again is not
 * processed again). The checkpoint is therefore a constant.
 */
export const CHECKPOINT: Checkpoint = { listing: 'whole' };

const ioError = (what: string, cause: unknown): PluginError => {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return PluginErrors.invalidInput(`${what} does not exist`);
  if (code === 'EACCES' || code === 'EPERM')
    return PluginErrors.permanent(`${what} cannot be read (${code})`);
  return PluginErrors.transient(`${what} could not be read (${code ?? String(cause)})`, cause);
};

/**
 * Lists the manifest's rows (an item per valid row; a refused item per invalid row), then the
 * directory's (or bucket prefix's) files that no row names (a refused item each), in pages of
 * `pageSize`. Memory: the file path of each row (at most `maxRows`, to match the files against),
 * one page, one row, and what the place holds while listing (a directory handle per level of
 * depth, or one page of the store's listing).
 * An id listed twice within a page is listed once (the ledger takes repeats across pages as one).
 */
export async function* listPages(
  options: ResolvedFilesSourceOptions,
  place: Place,
  signal: AbortSignal,
): AsyncGenerator<Result<Page, PluginError>> {
  const named = new Set<string>();
  let page: ItemRef[] = [];
  let pageIds = new Set<string>();
  let pages = 0;
  const add = (ref: ItemRef): boolean => {
    if (!pageIds.has(ref.id)) {
      pageIds.add(ref.id);
      page.push(ref);
    }
    return page.length >= options.pageSize;
  };
  const take = (): Page => {
    const full: Page = { items: page, checkpoint: CHECKPOINT };
    page = [];
    pageIds = new Set();
    pages++;
    return full;
  };
  const label = options.manifestLabel;

  let rows = 0;
  try {
    for await (const raw of readManifest(options.manifest, { format: options.format, signal })) {
      if (signal.aborted) return;
      if (++rows > options.maxRows) {
        yield err(
          PluginErrors.invalidInput(
            `manifest ${label} has more than ${options.maxRows} rows (line ${raw.line}): split it, or raise maxRows`,
            'maxRows',
          ),
        );
        return;
      }
      const checked = checkRow(raw, options.format === 'csv');
      const full = checked.row
        ? add(
            toRef(attachmentId(checked.row), {
              kind: 'row',
              file: checked.row.file,
              line: raw.line,
              offset: raw.offset,
            }),
          )
        : add(
            toRef(refusedRowId(raw.raw), {
              kind: 'invalid',
              line: raw.line,
              offset: raw.offset,
              digest: rowDigest(raw.raw),
            }),
          );
      // A refused row still names its file: the file is refused through its row, not a second time.
      const file = checked.row?.file ?? raw.fields?.file;
      if (typeof file === 'string' && filePathProblem(file.trim()) === undefined) named.add(file.trim());
      if (full) yield ok(take());
    }
  } catch (cause) {
    if (signal.aborted) return;
    yield err(
      cause instanceof ManifestError
        ? PluginErrors.invalidInput(`manifest ${label}: ${cause.message}`, 'manifest')
        : ioError(`manifest ${label}`, cause),
    );
    return;
  }

  try {
    for await (const file of place.files(signal)) {
      if (signal.aborted) return;
      if (named.has(file)) continue;
      if (add(toRef(unmatchedFileId(file), { kind: 'unmatched', file }))) yield ok(take());
    }
  } catch (cause) {
    if (signal.aborted) return;
    yield err(cause instanceof PluginFailure ? cause.error : ioError(place.where, cause));
    return;
  }
  if (page.length > 0 || pages === 0) yield ok(take());
}
