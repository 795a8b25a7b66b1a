import { type AuditEntry, openLine } from './format.js';
import { readLines } from './lines.js';

export interface AuditFilter {
  /** Only entries about this item. */
  readonly itemId?: string;
  /** Only entries at or after this time. */
  readonly since?: Date;
}

export type AuditRecord =
  | { readonly line: number; readonly entry: AuditEntry; readonly text: string }
  /** A line that is not an intact entry: `line ${line} ${problem}` (`verifyAuditLog` says how the chain breaks). */
  | { readonly line: number; readonly problem: string };

/**
 * The entries of an audit log that match a filter, in order, read as a stream. Lines that are not
 * intact entries are passed on as problems (unfiltered), so a reader never silently skips one.
 */
export async function* readAuditLog(file: string, filter: AuditFilter = {}): AsyncGenerator<AuditRecord> {
  const since = filter.since?.getTime();
  for await (const l of readLines(file)) {
    const opened = l.overlong ? undefined : openLine(l.bytes);
    if (opened?.kind !== 'entry') {
      const problem =
        opened === undefined
          ? 'is too long to be an entry'
          : opened.kind === 'not-json'
            ? `is not JSON (${l.length} bytes${l.terminated ? '' : ', no end of line'}): a torn or damaged line`
            : opened.problem;
      yield { line: l.number, problem };
      continue;
    }
    const { entry } = opened;
    if (filter.itemId !== undefined && entry.itemId !== filter.itemId) continue;
    if (since !== undefined && !(Date.parse(entry.at) >= since)) continue;
    yield { line: l.number, entry, text: l.bytes.toString('utf8') };
  }
}
