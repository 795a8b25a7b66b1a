import { fstatSync, readSync } from 'node:fs';
import { type AuditFields, GENESIS, MAX_LINE_BYTES, openLine, sha256Hex } from './format.js';
import { type HeadRead, readHead } from './head.js';

const NL = 0x0a;
const CHUNK = 64 * 1024;

/** The line that ends at byte `end` (exclusive): from the byte after the previous end of line. */
const lineBefore = (fd: number, end: number): { offset: number; bytes: Buffer } | undefined => {
  const parts: Buffer[] = [];
  let at = end;
  let length = 0;
  while (at > 0) {
    const size = Math.min(CHUNK, at);
    const chunk = Buffer.alloc(size);
    readSync(fd, chunk, 0, size, at - size);
    const nl = chunk.lastIndexOf(NL);
    if (nl >= 0) {
      parts.unshift(chunk.subarray(nl + 1));
      return { offset: at - size + nl + 1, bytes: Buffer.concat(parts) };
    }
    parts.unshift(chunk);
    at -= size;
    length += size;
    if (length > MAX_LINE_BYTES) return undefined;
  }
  return { offset: 0, bytes: Buffer.concat(parts) };
};

/** A repair a run records before its own first entry. */
export type PendingRepair = Pick<AuditFields, 'outcome' | 'reason' | 'repair'>;

/** Where an existing log leaves off: its size, the hash to chain to, and what must be repaired first. */
export interface LogTail {
  readonly size: number;
  readonly prev: string;
  /** The log ends without an end of line: one is written before the next entry. */
  readonly unterminated: boolean;
  readonly repair?: PendingRepair;
}

const describeHead = (head: HeadRead): string =>
  typeof head === 'object' && 'runId' in head ? ` (written by run ${head.runId} at ${head.at})` : '';

/**
 * Reads the end of an audit log opened for appending (sync: once, when a run starts), so the run
 * chains its entries to the last one, and says so honestly when the end is damaged:
 * - the log is shorter than its head records: entries were cut from its end (`truncated`);
 * - it ends in an incomplete line (a run cut off while writing: a full disk, a power loss, a kill in the middle of a write) that is
 *   kept as it is; the chain goes on from the last complete entry (`torn`);
 * - its last line is complete but not an intact entry: the chain restarts from GENESIS
 *   (`unverifiable`).
 * A complete entry that lacks only its end of line is simply continued.
 */
export const readTail = (fd: number, file: string): LogTail => {
  const size = fstatSync(fd).size;
  const head = readHead(file);
  const truncated =
    typeof head === 'object' && 'size' in head && head.size > size
      ? {
          reason: `the log is ${size} bytes, but its head${describeHead(head)} records an entry ending at byte ${head.size}: the end of the log was cut; the chain goes on from the last entry left`,
          head: { size: head.size, hash: head.hash },
        }
      : undefined;
  if (size === 0)
    return truncated
      ? {
          size,
          prev: GENESIS,
          unterminated: false,
          repair: {
            outcome: 'repaired',
            reason: truncated.reason,
            repair: { cause: 'truncated', head: truncated.head, size },
          },
        }
      : { size, prev: GENESIS, unterminated: false };
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  const terminated = last[0] === NL;
  const final = lineBefore(fd, terminated ? size - 1 : size);
  const opened = final ? openLine(final.bytes) : undefined;
  if (opened?.kind === 'entry' && !truncated)
    return { size, prev: opened.entry.hash, unterminated: !terminated };
  const damaged = final
    ? { offset: final.offset, bytes: final.bytes.length, sha256: sha256Hex(final.bytes) }
    : undefined;
  if (!terminated && (opened === undefined || opened.kind === 'not-json')) {
    // A torn last line: chain to the complete entry before it, if there is one.
    const before = final && final.offset > 0 ? lineBefore(fd, final.offset - 1) : undefined;
    const previous = before ? openLine(before.bytes) : undefined;
    const prev = previous?.kind === 'entry' ? previous.entry.hash : GENESIS;
    const where = `${damaged?.bytes ?? 'more than 8 MiB of'} bytes at byte ${damaged?.offset ?? '?'}`;
    return {
      size,
      prev,
      unterminated: true,
      repair: truncated
        ? {
            outcome: 'repaired',
            reason: `${truncated.reason} (and it ends in an incomplete line, ${where})`,
            repair: { cause: 'truncated', ...(damaged ? { line: damaged } : {}), head: truncated.head, size },
          }
        : {
            outcome: 'repaired',
            reason: `the log ended in an incomplete line (${where}, no end of line): a run was cut off while writing it; the line is kept as it is, and the chain goes on from the ${prev === GENESIS ? 'genesis value' : 'last complete entry before it'}`,
            repair: { cause: 'torn', ...(damaged ? { line: damaged } : {}) },
          },
    };
  }
  if (opened?.kind === 'entry' && truncated)
    return {
      size,
      prev: opened.entry.hash,
      unterminated: !terminated,
      repair: {
        outcome: 'repaired',
        reason: truncated.reason,
        repair: { cause: 'truncated', head: truncated.head, size },
      },
    };
  const problem =
    opened === undefined
      ? 'is longer than any entry'
      : opened.kind === 'invalid'
        ? opened.problem
        : 'is not JSON';
  return {
    size,
    prev: GENESIS,
    unterminated: !terminated,
    repair: {
      outcome: 'repaired',
      reason: `${truncated ? `${truncated.reason}; and ` : ''}the last line of the log (at byte ${damaged?.offset ?? '?'}) ${problem}, so it is not an entry to go on from: the chain restarts from the genesis value`,
      repair: {
        cause: truncated ? 'truncated' : 'unverifiable',
        ...(damaged ? { line: damaged } : {}),
        ...(truncated ? { head: truncated.head, size } : {}),
      },
    },
  };
};
