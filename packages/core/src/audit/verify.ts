import { existsSync } from 'node:fs';
import { type AuditEntry, GENESIS, MAX_LINE_BYTES, openLine, sha256Hex } from './format.js';
import { type AuditHead, readHead } from './head.js';
import { type LogLine, readLines } from './lines.js';

/** A torn line (a run cut off while writing it) that the next run recorded and went past. */
export interface AuditRepair {
  /** The torn line. */
  readonly line: number;
  /** The `chain.repaired` entry that records it. */
  readonly repairedAt: number;
  readonly runId: string;
  readonly at: string;
  readonly bytes: number;
}

export interface AuditBreak {
  /** The first line that is wrong (for a cut at the end: the first line missing). */
  readonly line: number;
  readonly problem: string;
}

export interface AuditVerification {
  readonly file: string;
  /** Lines read (up to the break, when there is one). */
  readonly lines: number;
  /** Intact entries in the chain (up to the break). */
  readonly entries: number;
  readonly bytes: number;
  /** The hash of the last intact entry (GENESIS for an empty log). */
  readonly lastHash: string;
  /** The head beside the log, as found: checked when there is one. */
  readonly head: AuditHead | 'missing' | { readonly unreadable: string };
  readonly repairs: readonly AuditRepair[];
  /** The first break of the chain: absent when the whole log is intact. */
  readonly break?: AuditBreak;
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

interface Torn {
  readonly line: number;
  readonly offset: number;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Checks an audit log from its first line to its last, as a stream: every line is an intact entry
 * (it matches its own hash), follows the entry before it (its `prev`), and the log is not shorter
 * than its head records. A torn line is accepted only where the next entry is the `chain.repaired`
 * of the run that found it (same place, length and SHA-256), and is listed in `repairs`. Stops at
 * the first break and says where (line number) and what is wrong.
 */
export const verifyAuditLog = async (file: string): Promise<AuditVerification> => {
  const head = readHead(file);
  const anchored = typeof head === 'object' && 'size' in head ? head : undefined;
  let prev = GENESIS;
  let prevLine = 0;
  let lines = 0;
  let entries = 0;
  let bytes = 0;
  let headSeen = false;
  let torn: Torn | undefined;
  const repairs: AuditRepair[] = [];
  const done = (broken?: AuditBreak): AuditVerification => ({
    file,
    lines,
    entries,
    bytes,
    lastHash: prev,
    head,
    repairs,
    ...(broken ? { break: broken } : {}),
  });
  const notAnEntry = (t: Torn, why: string): AuditBreak => ({
    line: t.line,
    problem: `line ${t.line} is not an audit entry (${why}), and no repair by a later run records it`,
  });

  if (!existsSync(file)) return done();
  const check = (l: LogLine): AuditBreak | undefined => {
    if (l.overlong)
      return {
        line: l.number,
        problem: `line ${l.number} is longer than ${MAX_LINE_BYTES} bytes: not an entry`,
      };
    const opened = openLine(l.bytes);
    if (opened.kind === 'not-json') {
      if (torn) return notAnEntry(torn, 'not JSON');
      if (!l.terminated)
        return {
          line: l.number,
          problem: `line ${l.number} is incomplete (${l.length} bytes, no end of line): a run was cut off while writing it (the next run records the repair), or the log was cut`,
        };
      torn = { line: l.number, offset: l.offset, bytes: l.length, sha256: sha256Hex(l.bytes) };
      return undefined;
    }
    if (opened.kind === 'invalid') {
      if (torn) return notAnEntry(torn, 'not JSON');
      return { line: l.number, problem: `line ${l.number} ${opened.problem}` };
    }
    const entry: AuditEntry = opened.entry;
    if (torn) {
      const r = entry.repair;
      const matches =
        entry.type === 'chain.repaired' &&
        r?.cause === 'torn' &&
        r.line?.offset === torn.offset &&
        r.line.bytes === torn.bytes &&
        r.line.sha256 === torn.sha256;
      if (!matches) return notAnEntry(torn, 'not JSON');
      repairs.push({
        line: torn.line,
        repairedAt: l.number,
        runId: entry.runId,
        at: entry.at,
        bytes: torn.bytes,
      });
      torn = undefined;
    } else if (entry.type === 'chain.repaired' && entry.repair?.cause === 'torn')
      return {
        line: l.number,
        problem: `line ${l.number} records the repair of a torn line that is not the line before it`,
      };
    if (entry.prev !== prev)
      return {
        line: l.number,
        problem:
          prevLine === 0
            ? `line ${l.number} does not start the chain: its prev is ${short(entry.prev)}, not the genesis value (entries were cut from the start of the log, or it was replaced)`
            : `line ${l.number} does not follow the entry before it (line ${prevLine}): it names ${short(entry.prev)} as that entry, but line ${prevLine} is ${short(prev)} (a line was removed, inserted or moved here, or line ${prevLine} was rewritten)`,
      };
    if (entry.type === 'chain.repaired' && entry.repair?.cause !== 'torn')
      return {
        line: l.number,
        problem: `line ${l.number} records damage a run found in the log (run ${entry.runId} at ${entry.at}): ${entry.reason ?? entry.repair?.cause ?? 'no reason given'}`,
      };
    prev = entry.hash;
    prevLine = l.number;
    entries++;
    return undefined;
  };

  for await (const l of readLines(file)) {
    lines = l.number;
    const broken = check(l);
    if (broken) return done(broken);
    bytes = l.offset + l.length + (l.terminated ? 1 : 0);
    if (anchored && !headSeen && bytes >= anchored.size) {
      headSeen = true;
      if (bytes !== anchored.size || prev !== anchored.hash || torn)
        return done({
          line: l.number,
          problem: `line ${l.number} is not the entry the log's head records (an entry ${short(anchored.hash)} ending at byte ${anchored.size}, written by run ${anchored.runId} at ${anchored.at}): the log was altered or replaced`,
        });
    }
  }
  if (torn) return done(notAnEntry(torn, 'not JSON'));
  if (anchored && !headSeen)
    return done({
      line: lines + 1,
      problem: `the log ends after line ${lines} (byte ${bytes}), but its head records an entry ending at byte ${anchored.size} (written by run ${anchored.runId} at ${anchored.at}): the end of the log was cut`,
    });
  return done();
};
