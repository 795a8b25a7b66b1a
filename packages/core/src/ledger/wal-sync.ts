import { close, closeSync, fsync, fsyncSync, open, openSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes a SQLite database's commits durable off the main thread. The ledger runs with
 * `synchronous = NORMAL` in WAL mode: a COMMIT appends its frames to the WAL (`<file>-wal`) without
 * an fsync, so it is atomic and survives the process dying, but not yet a power loss. A write that
 * must be durable is resolved only after `sync()`: an fsync of the WAL on libuv's threadpool, which
 * puts every frame written so far (that commit and all before it) on disk while the main thread
 * goes on. SQLite's recovery reads a WAL up to its last valid commit frame (salted and
 * checksummed), and syncs the WAL before each checkpoint and the database after it in this mode
 * (https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html), so a
 * synced WAL is as durable as `synchronous = FULL`'s own fsync, without blocking the event loop.
 * The WAL's directory entry is synced once, the first time.
 */
export interface WalSync {
  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void>;
  /** fsyncs now, on the calling thread (at close). */
  syncNow(): void;
  close(): void;
}

const fsyncFile = (file: string, flags: string): Promise<void> =>
  new Promise((resolve, reject) => {
    open(file, flags, (error, fd) => {
      if (error) return reject(error);
      fsync(fd, (syncError) => close(fd, () => (syncError ? reject(syncError) : resolve())));
    });
  });

export const walSync = (dbFile: string): WalSync => {
  const wal = `${dbFile}-wal`;
  let fd: number | undefined;
  let directory: Promise<void> | undefined;
  // The WAL exists once the first transaction committed in WAL mode; it is kept while the
  // connection is open (reset in place after a checkpoint, never replaced).
  const descriptor = (): number => {
    fd ??= openSync(wal, 'r');
    return fd;
  };
  return {
    sync: () => {
      let handle: number;
      try {
        handle = descriptor();
      } catch (error) {
        return Promise.reject(error);
      }
      directory ??= fsyncFile(path.dirname(wal), 'r');
      const file = new Promise<void>((resolve, reject) =>
        fsync(handle, (error) => (error ? reject(error) : resolve())),
      );
      return Promise.all([file, directory]).then(() => undefined);
    },
    syncNow: () => {
      fsyncSync(descriptor());
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
};
