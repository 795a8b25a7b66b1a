import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/**
 * The head of an audit log, kept beside it (`<log>.head`): the size of the log up to the last entry
 * a run knew to be written, and that entry's hash. A hash chain alone cannot show that entries were
 * cut from its end; the head can (up to the last head written). Written whole (temp file, then
 * rename) after the log's bytes were synced, so it never runs ahead of the log.
 */
export interface AuditHead {
  readonly size: number;
  readonly hash: string;
  readonly runId: string;
  readonly at: string;
}

export const headFileOf = (logFile: string): string => `${logFile}.head`;

export type HeadRead = AuditHead | 'missing' | { readonly unreadable: string };

export const readHead = (logFile: string): HeadRead => {
  let text: string;
  try {
    text = readFileSync(headFileOf(logFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return { unreadable: (error as Error).message };
  }
  try {
    const value = JSON.parse(text) as Partial<AuditHead>;
    if (
      typeof value.size === 'number' &&
      Number.isSafeInteger(value.size) &&
      value.size > 0 &&
      typeof value.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(value.hash) &&
      typeof value.runId === 'string' &&
      typeof value.at === 'string'
    )
      return { size: value.size, hash: value.hash, runId: value.runId, at: value.at };
  } catch {
    // fall through
  }
  return { unreadable: 'it is not a head record (size, hash, runId, at)' };
};

export const writeHead = async (logFile: string, head: AuditHead): Promise<void> => {
  const file = headFileOf(logFile);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(head)}\n`, { mode: 0o600 });
  await rename(temp, file);
};
