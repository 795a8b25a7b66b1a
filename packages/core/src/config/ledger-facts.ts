import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Checkpoint } from '../plugin/types.js';

/** What `validate` compares the pipeline file with: the tenant's ledger, read without changing it. */
export interface LedgerFacts {
  readonly file: string;
  readonly checkpoint: Checkpoint | undefined;
  /** Key ids the ledger recorded for the tenant's stored objects (at most `MAX_KEY_IDS`). */
  readonly keyIds: readonly string[];
  /** Whether any object is recorded for the tenant. */
  readonly hasObjects: boolean;
}

export const MAX_KEY_IDS = 20;

/**
 * The tenant's ledger facts, or undefined when there is no ledger (a tenant that never ran) or it
 * cannot be read (`reason`). Opened read-only (SQLite `readonly`): nothing is created, migrated or
 * written, and no lock is taken.
 */
export const readLedgerFacts = (
  file: string,
  tenant: string,
  source: string,
): { facts?: LedgerFacts; reason?: string } => {
  if (!existsSync(file) || !statSync(file).isFile()) return {};
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const row = db
      .prepare<[string, string], { checkpoint: string }>(
        'SELECT checkpoint FROM checkpoints WHERE tenant = ? AND source = ?',
      )
      .get(tenant, source);
    const keyIds = db
      .prepare<[string, number], { key_id: string }>(
        'SELECT key_id FROM objects WHERE tenant = ? GROUP BY key_id ORDER BY MAX(stored_at) DESC LIMIT ?',
      )
      .all(tenant, MAX_KEY_IDS)
      .map((r) => r.key_id);
    return {
      facts: {
        file,
        checkpoint: row === undefined ? undefined : (JSON.parse(row.checkpoint) as Checkpoint),
        keyIds,
        hasObjects: keyIds.length > 0,
      },
    };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
};
