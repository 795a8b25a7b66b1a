// What a directory tree holds, precisely enough to see any write: every entry with its type, and
// for files their size, inode and modification time in nanoseconds.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const snapshotTree = (root) => {
  const out = {};
  if (!existsSync(root)) return out;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      const info = lstatSync(full, { bigint: true });
      if (info.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else out[rel] = `${info.isFile() ? 'file' : 'other'}:${info.size}:${info.ino}:${info.mtimeNs}`;
    }
  };
  walk(root);
  return out;
};
