import type { Dir, Dirent } from 'node:fs';
import { opendir as fsOpendir, lstat } from 'node:fs/promises';
import path from 'node:path';

/** Directory entries read from the system at a time, per open directory. */
export const WALK_BUFFER = 32;

export type OpenDir = (dir: string) => Promise<Dir>;

const defaultOpendir: OpenDir = (dir) => fsOpendir(dir, { bufferSize: WALK_BUFFER });

/** A filesystem that does not report entry types (DT_UNKNOWN) gives a Dirent that is nothing. */
const isUnknown = (entry: Dirent): boolean =>
  !entry.isFile() &&
  !entry.isDirectory() &&
  !entry.isSymbolicLink() &&
  !entry.isFIFO() &&
  !entry.isSocket() &&
  !entry.isBlockDevice() &&
  !entry.isCharacterDevice();

/**
 * Every entry under `root` that is not a directory (files, and symbolic links, which are never
 * followed), as a `/`-separated path relative to `root`, depth first. Memory: one open directory
 * handle (and its buffer of `WALK_BUFFER` entries) per level of depth, whatever the number of
 * files. `skip` (a relative path) is left out: the manifest, when it lies in the directory.
 */
export async function* walkFiles(
  root: string,
  options: { readonly skip?: string; readonly signal?: AbortSignal; readonly opendir?: OpenDir } = {},
): AsyncGenerator<string> {
  const opendir = options.opendir ?? defaultOpendir;
  const stack: { dir: Dir; prefix: string }[] = [{ dir: await opendir(root), prefix: '' }];
  try {
    while (stack.length > 0) {
      if (options.signal?.aborted) return;
      const top = stack[stack.length - 1]!;
      const entry = await top.dir.read();
      if (entry === null) {
        stack.pop();
        await top.dir.close();
        continue;
      }
      const relative = top.prefix + entry.name;
      const full = path.join(root, ...relative.split('/'));
      if (entry.isDirectory() || (isUnknown(entry) && (await lstat(full)).isDirectory())) {
        stack.push({ dir: await opendir(full), prefix: `${relative}/` });
        continue;
      }
      if (relative === options.skip) continue;
      yield relative;
    }
  } finally {
    for (const { dir } of stack) await dir.close().catch(() => undefined);
  }
}
