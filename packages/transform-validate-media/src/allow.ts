import { err, ok, type Result } from '@cxarchive/core';
import { supportedExtensions } from 'file-type';
import { CATALOG, catalogType, catalogTypeOfExtension, type MediaType } from './catalog.js';

/** A problem with an `allow` entry, with where it is. */
export interface AllowProblem {
  readonly message: string;
  readonly path: string;
}

const known = (): string[] => [...CATALOG.map((type) => type.name)];

/** Levenshtein distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
};

const suggestion = (name: string): string => {
  const best = known()
    .map((candidate) => ({ candidate, d: distance(name, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= 2 ? ` (did you mean "${best.candidate}"?)` : '';
};

/** A type `file-type` detects by that extension (its `ext` values). */
export const fileTypeKnows = (ext: string): boolean => (supportedExtensions as ReadonlySet<string>).has(ext);

/**
 * The allowed types by name: catalog names (or one of their extensions: `jpg` is jpeg), or an
 * extension file-type detects (taken as file-type
 * reports it). An unknown name is refused with its index, so `cxarchive validate` can point at it.
 */
export const compileAllow = (
  names: readonly string[],
): Result<ReadonlyMap<string, MediaType>, AllowProblem> => {
  const allowed = new Map<string, MediaType>();
  for (const [index, name] of names.entries()) {
    const type =
      catalogType(name) ??
      catalogTypeOfExtension(name) ??
      (fileTypeKnows(name) ? { name, detected: [name], extensions: [name] } : undefined);
    if (type === undefined) {
      return err({
        message: `unknown type "${name}"${suggestion(name)}: use one of ${known().join(', ')}, or an extension file-type detects`,
        path: `allow[${index}]`,
      });
    }
    allowed.set(type.name, type);
  }
  return ok(allowed);
};
