import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ItemStatus } from '../ledger/ledger.js';
import { LedgerError } from '../ledger/ledger-error.js';
import type { Checkpoint } from '../plugin/types.js';

/**
 * The ledger as `cxarchive plan` reads it: opened read-only (SQLite's `readonly`), so planning
 * never writes a byte to it, never migrates it and never creates it. Only what a plan shows is
 * read: the checkpoint, items by status, what the next run retries first, the bytes stored, and
 * the status of the listed ids (a page at a time).
 */
export interface PlanLedger {
  checkpoint(): Checkpoint | undefined;
  counts(): Record<ItemStatus, number>;
  /** Items the next run retries before listing: pending, failed, and awaiting items due at `now`. */
  dueUnsettled(now: Date): number;
  storedBytes(): number;
  /** The status of each id the ledger knows among `ids`. */
  statuses(ids: readonly string[]): Map<string, ItemStatus>;
  close(): void;
}

export const emptyCounts = (): Record<ItemStatus, number> => ({
  pending: 0,
  awaiting: 0,
  archived: 0,
  failed: 0,
  dropped: 0,
});

/** Opens the ledger to read, or undefined when there is none yet (a tenant that never ran). */
export const openPlanLedger = (file: string, tenant: string, source: string): PlanLedger | undefined => {
  if (!existsSync(file)) return undefined;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new LedgerError(file, `it cannot be opened to read: ${(error as Error).message}`, 'check the file');
  }
  try {
    const q = {
      checkpoint: db.prepare<[string, string], { checkpoint: string }>(
        'SELECT checkpoint FROM checkpoints WHERE tenant = ? AND source = ?',
      ),
      counts: db.prepare<[string, string], { status: ItemStatus; n: number }>(
        "SELECT status, COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? AND kind = 'item' GROUP BY status",
      ),
      due: db.prepare<[string, string, string], { n: number }>(
        `SELECT COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? AND kind = 'item'
           AND (status IN ('pending','failed') OR (status = 'awaiting' AND retry_at <= ?))`,
      ),
      bytes: db.prepare<[string, string], { n: number | null }>(
        'SELECT SUM(size) AS n FROM objects WHERE tenant = ? AND source = ?',
      ),
      statuses: db.prepare<[string, string, string], { item_id: string; status: ItemStatus }>(
        `SELECT item_id, status FROM items WHERE tenant = ? AND source = ? AND kind = 'item'
           AND item_id IN (SELECT value FROM json_each(?))`,
      ),
    };
    return {
      checkpoint: () => {
        const row = q.checkpoint.get(tenant, source);
        return row === undefined ? undefined : (JSON.parse(row.checkpoint) as Checkpoint);
      },
      counts: () => {
        const out = emptyCounts();
        for (const row of q.counts.all(tenant, source)) out[row.status] = row.n;
        return out;
      },
      dueUnsettled: (now) => q.due.get(tenant, source, now.toISOString())!.n,
      storedBytes: () => q.bytes.get(tenant, source)!.n ?? 0,
      statuses: (ids) =>
        new Map(q.statuses.all(tenant, source, JSON.stringify(ids)).map((r) => [r.item_id, r.status])),
      close: () => db.close(),
    };
  } catch (error) {
    db.close();
    throw new LedgerError(
      file,
      `it is not a cxarchive ledger this version can read: ${(error as Error).message}`,
      'run `cxarchive status` for more, or check the file',
    );
  }
};
