import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';

/** A file `init` writes: its path relative to the tenant directory and its text (none for the key). */
export interface Planned {
  readonly name: string;
  readonly text?: string;
}

/** Refused before anything is written: `existing` are the files (relative names) in the way. */
export class InitConflict extends Error {
  readonly existing: readonly string[];
  constructor(existing: readonly string[]) {
    super(`already there: ${existing.join(', ')}`);
    this.existing = existing;
  }
}

/** The target cannot be a tenant directory (it is a file, or below one). */
export class InitTargetError extends Error {}

export interface Written {
  readonly created: string[];
  readonly replaced: string[];
  /** The key file: its id, and whether it was made now or an existing one was kept. */
  readonly key: { readonly name: string; readonly keyId: string; readonly created: boolean };
}

const exists = (file: string): boolean => {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
};

/**
 * Creates `dir` and its missing parents one at a time (Node's recursive mkdir never returns in some
 * virtual filesystems, /proc among them).
 */
const makeDirectories = (dir: string): void => {
  const missing: string[] = [];
  for (let at = dir; !exists(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const at of missing) mkdirSync(at);
};

/**
 * Writes the planned text files and the key into `dir` (created when missing). Nothing is
 * overwritten unless `force`; then the text files are replaced whole (written beside and renamed
 * over), but an existing key file is always kept: replacing it would make every object archived
 * under it unreadable. The key is made by the same code as `cxarchive keys generate` (its
 * directory 0700, the file 0600, create-only). Conflicts are found before anything is written.
 */
export const writeTenant = async (
  dir: string,
  files: readonly Planned[],
  keyName: string,
  force: boolean,
): Promise<Written> => {
  try {
    if (!statSync(dir).isDirectory()) throw new InitTargetError(`${dir} is a file, not a directory`);
  } catch (error) {
    if (error instanceof InitTargetError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new InitTargetError(`${dir} is below a file, not a directory`);
    if (code !== 'ENOENT') throw error;
  }
  const existing = [...files.map((f) => f.name), keyName].filter((name) => exists(path.join(dir, name)));
  if (existing.length > 0 && !force) throw new InitConflict(existing);
  for (const name of existing) {
    if (lstatSync(path.join(dir, name)).isDirectory()) {
      throw new InitTargetError(`${path.join(dir, name)} is a directory: move it away`);
    }
  }
  makeDirectories(dir);
  // The key first: if it cannot be made, no pipeline points at a key that is not there.
  const key = await writeKeyFile(path.join(dir, keyName));
  const created: string[] = [];
  const replaced: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    if (existing.includes(file.name)) {
      const temp = path.join(dir, `.${file.name}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        writeFileSync(temp, file.text ?? '', { flag: 'wx', mode: 0o644 });
        renameSync(temp, target);
      } finally {
        rmSync(temp, { force: true });
      }
      replaced.push(file.name);
    } else {
      writeFileSync(target, file.text ?? '', { flag: 'wx', mode: 0o644 });
      created.push(file.name);
    }
  }
  return { created, replaced, key: { name: keyName, keyId: key.keyId, created: key.created } };
};
