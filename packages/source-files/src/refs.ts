import type { ItemRef, JsonObject } from '@cxarchive/core';

/**
 * What an item ref holds (the ledger keeps it, unencrypted): paths, line numbers, byte offsets and
 * digests, never a row's message text or tags. `fetch` finds the rest again in the manifest.
 */
export type RefData =
  /** A valid manifest row: the file and where the row was. */
  | { readonly kind: 'row'; readonly file: string; readonly line: number; readonly offset: number }
  /** A file in the directory that no manifest row names. */
  | { readonly kind: 'unmatched'; readonly file: string }
  /** A manifest row refused as invalid: where it was and the digest of its bytes. */
  | { readonly kind: 'invalid'; readonly line: number; readonly offset: number; readonly digest: string };

export const toRef = (id: string, data: RefData): ItemRef => ({ id, data: data as unknown as JsonObject });

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The ref's data, or undefined when it is not one this source made. */
export const refData = (ref: ItemRef): RefData | undefined => {
  const data = ref.data as Record<string, unknown>;
  switch (data.kind) {
    case 'row':
      return typeof data.file === 'string' && isCount(data.line) && isCount(data.offset)
        ? { kind: 'row', file: data.file, line: data.line, offset: data.offset }
        : undefined;
    case 'unmatched':
      return typeof data.file === 'string' ? { kind: 'unmatched', file: data.file } : undefined;
    case 'invalid':
      return isCount(data.line) && isCount(data.offset) && typeof data.digest === 'string'
        ? { kind: 'invalid', line: data.line, offset: data.offset, digest: data.digest }
        : undefined;
    default:
      return undefined;
  }
};
