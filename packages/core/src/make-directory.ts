import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p` that always ends: creates the missing directories below the nearest existing one,
 * one level at a time (owner-only), and fails with the first error instead of retrying. (Node's
 * recursive mkdir loops forever under a directory that refuses entries with ENOENT, like /proc.)
 */
export const makeDirectory = (dir: string, mode = 0o700): void => {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(at);
      if (parent === at) throw error;
      missing.unshift(at);
      at = parent;
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
};
