/** A ledger that cannot be used: names the file, what is wrong, and what to do. */
export class LedgerError extends Error {
  readonly file: string;
  readonly hint: string;
  constructor(file: string, problem: string, hint: string) {
    super(`the ledger ${file} cannot be used: ${problem}; ${hint}`);
    this.name = 'LedgerError';
    this.file = file;
    this.hint = hint;
  }
}

const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_VTAB']);

/** Turns a SQLite failure into a LedgerError that says what to do; other errors pass through. */
export const ledgerProblem = (file: string, error: unknown): Error => {
  if (error instanceof LedgerError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && DAMAGED.has(code))
    return new LedgerError(
      file,
      `it is damaged or not a ledger (${code}: ${message})`,
      'restore it from a backup, or move it aside to start a new one: objects already archived are found in the sinks and adopted, not stored twice',
    );
  if (code === 'SQLITE_FULL')
    return new LedgerError(file, `the disk is full (${message})`, 'free space on its disk and run again');
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM')
    return new LedgerError(
      file,
      `it cannot be opened for writing (${code}: ${message})`,
      'check the permissions of the file and its directory (state.path)',
    );
  if (code === 'SQLITE_BUSY')
    return new LedgerError(
      file,
      `it stayed locked by another process (${message})`,
      'run again when the other process is done',
    );
  return error instanceof Error ? error : new Error(message);
};
