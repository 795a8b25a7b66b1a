import type { Dir } from 'node:fs';
import { opendir as fsOpendir } from 'node:fs/promises';
import path from 'node:path';

/** Directory entries read from the system at a time, per open directory. */
export const WALK_BUFFER = 32;

export type OpenDir = (dir: string) => Promise<Dir>;

const defaultOpendir: OpenDir = (dir) => fsOpendir(dir, { bufferSize: WALK_BUFFER });

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
      if (entry.isDirectory()) {
        stack.push({ dir: await opendir(path.join(root, ...relative.split('/'))), prefix: `${relative}/` });
        continue;
      }
      if (relative === options.skip) continue;
      yield relative;
    }
  } finally {
    for (const { dir } of stack) await dir.close().catch(() => undefined);
  }
}
