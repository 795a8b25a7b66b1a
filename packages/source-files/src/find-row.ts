import { ManifestError, type RawRow, readManifest } from './manifest.js';
import type { ResolvedFilesSourceOptions } from './schema.js';

/**
 * Finding a manifest row again in `fetch`, holding one row at a time: first at the byte offset the
 * listing saw it at (one row read), and when it is not there any more (the manifest was edited
 * since), by reading the manifest through (at most `maxRows` rows).
 */

/** The row at `offset` (which starts at `line`), or undefined when the manifest ends before it. */
export const rowAt = async (
  options: ResolvedFilesSourceOptions,
  at: { readonly offset: number; readonly line: number },
  signal: AbortSignal,
): Promise<RawRow | undefined> => {
  const rows = readManifest(options.manifest, { format: options.format, at, signal });
  try {
    const first = await rows.next();
    return first.done ? undefined : first.value;
  } finally {
    await rows.return(undefined);
  }
};

/** The first row `match` accepts, reading from the start; undefined when none does. */
export const findRow = async <T>(
  options: ResolvedFilesSourceOptions,
  match: (row: RawRow) => T | undefined,
  signal: AbortSignal,
): Promise<{ readonly row: RawRow; readonly found: T } | undefined> => {
  let count = 0;
  for await (const row of readManifest(options.manifest, { format: options.format, signal })) {
    const found = match(row);
    if (found !== undefined) return { row, found };
    if (++count >= options.maxRows) return undefined;
  }
  return undefined;
};

/** Finds a row: at `at` when `match` accepts it there, else anywhere in the manifest. */
export const locateRow = async <T>(
  options: ResolvedFilesSourceOptions,
  at: { readonly offset: number; readonly line: number } | undefined,
  match: (row: RawRow) => T | undefined,
  signal: AbortSignal,
): Promise<{ readonly row: RawRow; readonly found: T } | undefined> => {
  if (at !== undefined) {
    // Read from an offset in an edited manifest, a row may start mid-record: that is "not there".
    const row = await rowAt(options, at, signal).catch((cause: unknown) => {
      if (cause instanceof ManifestError) return undefined;
      throw cause;
    });
    const found = row === undefined ? undefined : match(row);
    if (row !== undefined && found !== undefined) return { row, found };
  }
  return findRow(options, match, signal);
};
