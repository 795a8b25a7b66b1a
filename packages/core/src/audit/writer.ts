import { closeSync, fdatasync, openSync, write } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../make-directory.js';
import { type AuditFields, sealEntry } from './format.js';
import { writeHead } from './head.js';
import { type PendingRepair, readTail } from './tail.js';

/** How often, at most, a run syncs the log and moves its head forward while it writes. */
const HEAD_EVERY_MS = 5_000;

export interface AuditWriterResult {
  /** Why the log could not be written (already scrubbed by the caller's message), if it could not. */
  readonly error?: string;
  /** Entries this run wrote. */
  readonly entries: number;
  /** The log's size and last hash when the run closed it (its head). */
  readonly size: number;
  readonly hash: string;
}

export interface AuditWriter {
  /** Seals the entry into the chain at once (cheap: one SHA-256); the bytes are written in batches. */
  append(fields: AuditFields): void;
  /** Writes what is left, syncs the log once, writes its head and closes it. */
  close(): Promise<AuditWriterResult>;
}

const writeAll = (fd: number, buffer: Buffer): Promise<void> =>
  new Promise((resolve, reject) => {
    const next = (from: number): void => {
      if (from >= buffer.length) {
        resolve();
        return;
      }
      write(fd, buffer, from, buffer.length - from, null, (error, written) =>
        error ? reject(error) : next(from + written),
      );
    };
    next(0);
  });

const dataSync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * Opens (creates 0600) an audit log for appending and chains this run's entries to its last one
 * (`readTail`: a damaged end is recorded as `chain.repaired` before the first entry, never passed
 * over). Entries are gathered and written once per turn of the event loop, one write at a time;
 * the log is synced every few seconds and at the end, then its head moves forward — never an fsync
 * per entry. Never throws: a failure stops the log and is returned by `close`.
 */
export const openAuditWriter = (file: string, describeError: (error: unknown) => string): AuditWriter => {
  let error: string | undefined;
  let fd: number | undefined;
  let tail: ReturnType<typeof readTail> | undefined;
  try {
    makeDirectory(path.dirname(file));
    fd = openSync(file, 'a+', 0o600);
    tail = readTail(fd, file);
  } catch (e) {
    error = describeError(e);
  }
  let prev = tail?.prev ?? '';
  let repair: PendingRepair | undefined = tail?.repair;
  let pendingNewline = tail?.unterminated ?? false;
  let pending: string[] = [];
  let entries = 0;
  let lastRun = { runId: '', at: '' };
  let written = { size: tail?.size ?? 0, hash: prev };
  let headAt = Date.now();
  let running: Promise<void> | undefined;
  let scheduled = false;

  const pushLine = (fields: AuditFields): void => {
    const sealed = sealEntry(prev, fields);
    prev = sealed.hash;
    pending.push(`${sealed.line}\n`);
    entries++;
  };

  const moveHead = async (): Promise<void> => {
    if (fd === undefined || written.size === 0 || !lastRun.runId) return;
    await dataSync(fd);
    await writeHead(file, { size: written.size, hash: written.hash, ...lastRun });
    headAt = Date.now();
  };

  const pump = async (): Promise<void> => {
    while (pending.length > 0 && error === undefined && fd !== undefined) {
      const lines = pending;
      pending = [];
      const hash = prev;
      const bytes = Buffer.from(lines.join(''), 'utf8');
      await writeAll(fd, bytes);
      written = { size: written.size + bytes.length, hash };
      if (Date.now() - headAt >= HEAD_EVERY_MS) await moveHead();
    }
  };

  const flush = (): void => {
    scheduled = false;
    if (running || error !== undefined) return;
    running = pump()
      .catch((e: unknown) => {
        error ??= describeError(e);
      })
      .finally(() => {
        running = undefined;
        if (pending.length > 0 && error === undefined && !scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
  };

  return {
    append(fields) {
      if (error !== undefined) return;
      lastRun = { runId: fields.runId, at: fields.at };
      if (pendingNewline) {
        // The torn (or unterminated) last line gets its end of line, so this entry starts a line.
        pending.push('\n');
        pendingNewline = false;
      }
      if (repair) {
        pushLine({
          type: 'chain.repaired',
          at: new Date().toISOString(),
          runId: fields.runId,
          tenant: fields.tenant,
          host: fields.host,
          version: fields.version,
          ...repair,
        });
        repair = undefined;
      }
      pushLine(fields);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async close() {
      while (running || pending.length > 0) {
        if (!running) flush();
        await running;
        if (error !== undefined) break;
      }
      if (fd !== undefined) {
        try {
          if (error === undefined) await moveHead();
        } catch (e) {
          error ??= describeError(e);
        }
        try {
          closeSync(fd);
        } catch (e) {
          error ??= describeError(e);
        }
        fd = undefined;
      }
      return {
        ...(error === undefined ? {} : { error }),
        entries,
        size: written.size,
        hash: written.hash,
      };
    },
  };
};
