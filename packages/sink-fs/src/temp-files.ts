import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { errnoCode } from './errors.js';

/**
 * The one directory, directly under the root, that holds the sink's temp files (same filesystem,
 * so `link(2)` publishes them). `~` is outside the key charset: no object key can name this
 * directory or anything in it, so a temp file is never read, listed or overwritten as an object.
 */
export const TEMP_DIR = '.cxarchive~tmp';

/** A temp file of another host (or one whose pid may have been reused) is swept once idle this long. */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Who writes a temp file: the host, the pid namespace (two containers may share a host name and a
 * volume but never a pid namespace) and the process. Encoded in every temp file name, so a later
 * run can tell a file left by a dead process from one a live writer is still filling.
 */
export interface TempOwner {
  readonly host: string;
  /** The pid namespace id (`/proc/self/ns/pid`), or `0` where there is none. */
  readonly pidNamespace: string;
  readonly pid: number;
}

/** Encodes into `[A-Za-z0-9.-]` injectively (`_` escapes), so two hosts never share a name. */
const encodeHost = (host: string): string =>
  [...Buffer.from(host, 'utf8')]
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9.-]/.test(ch) ? ch : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('')
    .slice(0, 120);

const pidNamespaceOf = async (): Promise<string> => {
  const link = await readlink('/proc/self/ns/pid').catch(() => undefined);
  return link?.match(/\[(\d+)\]/)?.[1] ?? '0';
};

/** This process as a temp file owner. */
export const currentOwner = async (): Promise<TempOwner> => ({
  host: encodeHost(hostname()),
  pidNamespace: await pidNamespaceOf(),
  pid: process.pid,
});

/** `<host>~<pid namespace>~<pid>~<uuid>.tmp` */
export const tempFileName = (owner: TempOwner): string =>
  `${owner.host}~${owner.pidNamespace}~${owner.pid}~${randomUUID()}.tmp`;

const TEMP_NAME = /^([A-Za-z0-9._-]+)~(\d+)~([1-9]\d*)~[0-9a-f-]{36}\.tmp$/;

/** The owner a temp file name records, or undefined when it is not one of this sink's names. */
export const parseTempFileName = (name: string): TempOwner | undefined => {
  const match = TEMP_NAME.exec(name);
  if (match === null) return undefined;
  return { host: match[1]!, pidNamespace: match[2]!, pid: Number(match[3]) };
};

/** Whether a process with this pid exists in our pid namespace (EPERM: it exists, owned by someone else). */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
};

/**
 * Creates the temp directory (0700) if needed and checks it is a real directory, not a symbolic
 * link that could send temp files out of the root. Returns its path.
 */
export const prepareTempDir = async (realRoot: string): Promise<string> => {
  const dir = path.join(realRoot, TEMP_DIR);
  await mkdir(dir, { mode: 0o700 }).catch((error: unknown) => {
    if (errnoCode(error) !== 'EEXIST') throw error;
  });
  const info = await lstat(dir);
  if (!info.isDirectory())
    throw Object.assign(new Error(`${TEMP_DIR} is not a directory`), { code: 'ENOTDIR', syscall: 'lstat' });
  return dir;
};

export interface SweepOptions {
  readonly owner: TempOwner;
  /** The current time in ms, compared with the files' modification times (the filesystem's clock). */
  readonly now: number;
  readonly staleAfterMs?: number;
  readonly isAlive?: (pid: number) => boolean;
}

export interface SweepResult {
  /** Temp files removed, and their bytes. */
  readonly count: number;
  readonly bytes: number;
  /** Temp files kept because a live writer may still own them. */
  readonly kept: number;
  /** Names in the temp directory that are not this sink's temp files (left alone). */
  readonly unknown: number;
  /** Files that looked stale but could not be removed (errno codes). */
  readonly failures: readonly string[];
}

/**
 * Whether a temp file can no longer be written by anyone: its writer, on this host and pid
 * namespace, is dead; or it has not been written for `staleAfterMs` (a writer on another host, or a
 * pid reused since its writer died). Our own process's files are never stale by pid.
 */
export const isStale = (
  file: TempOwner,
  idleMs: number,
  options: Required<Omit<SweepOptions, 'now'>>,
): boolean => {
  if (idleMs >= options.staleAfterMs) return true;
  const ours = file.host === options.owner.host && file.pidNamespace === options.owner.pidNamespace;
  return ours && file.pid !== options.owner.pid && !options.isAlive(file.pid);
};

/**
 * Removes the temp files that crashed writers left in `tempDir` (`kill -9`, a power loss): see
 * `isStale`. Never throws for a single file; reading the directory itself may throw.
 */
export const sweepStaleTemps = async (tempDir: string, options: SweepOptions): Promise<SweepResult> => {
  const rules = {
    owner: options.owner,
    staleAfterMs: options.staleAfterMs ?? STALE_TEMP_AGE_MS,
    isAlive: options.isAlive ?? isProcessAlive,
  };
  let count = 0;
  let bytes = 0;
  let kept = 0;
  let unknown = 0;
  const failures: string[] = [];
  for (const name of await readdir(tempDir)) {
    const file = parseTempFileName(name);
    if (file === undefined) {
      unknown++;
      continue;
    }
    const full = path.join(tempDir, name);
    try {
      const info = await lstat(full);
      if (!info.isFile()) {
        unknown++;
        continue;
      }
      if (!isStale(file, options.now - info.mtimeMs, rules)) {
        kept++;
        continue;
      }
      await unlink(full);
      count++;
      bytes += info.size;
    } catch (error) {
      const code = errnoCode(error) ?? 'unknown';
      if (code !== 'ENOENT') failures.push(code); // ENOENT: its writer finished or another sweep won
    }
  }
  return { count, bytes, kept, unknown, failures };
};
