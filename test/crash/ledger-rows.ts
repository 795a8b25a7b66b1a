// Reads (and, for lease tests, writes) a tenant's SQLite ledger directly, table by table, with the
// driver the ledger itself uses. Only for tests: the runtime goes through the Ledger port.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}
interface Database {
  prepare(sql: string): Statement;
  close(): void;
}
type DatabaseConstructor = new (
  file: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => Database;

// better-sqlite3 is core's dependency (the ledger's own driver); it is not hoisted to the root.
const Sqlite = createRequire(new URL('../../packages/core/package.json', import.meta.url))(
  'better-sqlite3',
) as DatabaseConstructor;

export const TENANT = 'acme';
export const SOURCE_ID = 'seeded';

export const ledgerFile = (dir: string): string => path.join(dir, '.cxarchive', `${TENANT}.db`);

export interface ItemRow {
  readonly item_id: string;
  readonly status: string;
  readonly attempts: number;
  readonly run_id: string;
  readonly last_error: string | null;
}
export interface ObjectRow {
  readonly item_id: string;
  readonly artifact: string;
  readonly sink: string;
  readonly unit_id: string;
  readonly run_id: string;
  readonly key: string;
  readonly physical_key: string;
  readonly size: number;
  readonly sha256: string;
  readonly checksum_algorithm: string;
  readonly checksum: string;
}
export interface RunRow {
  readonly run_id: string;
  readonly status: string;
  readonly finished_at: string | null;
}
export interface LeaseRow {
  readonly tenant: string;
  readonly run_id: string;
  readonly pid: number;
  readonly host: string;
  readonly expires_at: string;
}

export interface BatchRow {
  readonly batch_id: string;
  readonly key: string;
  readonly status: string;
  /** Its members' item ids, in position order. */
  readonly members: readonly string[];
}

export interface LedgerRows {
  /** The source's items (not the item rows the batch layout writes for its batches). */
  readonly items: readonly ItemRow[];
  /** The item rows of stored batches (`#batch:<batchId>`, kind `batch`). */
  readonly batchItems: readonly ItemRow[];
  /** The batch layout's batches, in the order they were created. */
  readonly batches: readonly BatchRow[];
  readonly objects: readonly ObjectRow[];
  /** In the order the runs were recorded. */
  readonly runs: readonly RunRow[];
  readonly leases: readonly LeaseRow[];
  readonly checkpoint: unknown;
}

const EMPTY: LedgerRows = {
  items: [],
  batchItems: [],
  batches: [],
  objects: [],
  runs: [],
  leases: [],
  checkpoint: undefined,
};

/** Every row of the tables the crash tests check; empty when there is no ledger yet. */
export const readLedger = (dir: string): LedgerRows => {
  const file = ledgerFile(dir);
  if (!existsSync(file)) return EMPTY;
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const checkpoint = db
      .prepare('SELECT checkpoint FROM checkpoints WHERE tenant = ? AND source = ?')
      .get(TENANT, SOURCE_ID) as { checkpoint: string } | undefined;
    const itemsOfKind = (kind: 'item' | 'batch') =>
      db
        .prepare(
          'SELECT item_id, status, attempts, run_id, last_error FROM items WHERE tenant = ? AND source = ? AND kind = ? ORDER BY item_id',
        )
        .all(TENANT, SOURCE_ID, kind) as ItemRow[];
    const members = db.prepare(
      'SELECT item_id FROM batch_members WHERE tenant = ? AND source = ? AND batch_id = ? ORDER BY position',
    );
    const batches = (
      db
        .prepare(
          'SELECT batch_id, key, status FROM batches WHERE tenant = ? AND source = ? ORDER BY created_at, batch_id',
        )
        .all(TENANT, SOURCE_ID) as Omit<BatchRow, 'members'>[]
    ).map((b) => ({
      ...b,
      members: (members.all(TENANT, SOURCE_ID, b.batch_id) as { item_id: string }[]).map((m) => m.item_id),
    }));
    return {
      items: itemsOfKind('item'),
      batchItems: itemsOfKind('batch'),
      batches,
      objects: db
        .prepare(
          `SELECT item_id, artifact, sink, unit_id, run_id, key, physical_key, size, sha256, checksum_algorithm, checksum
           FROM objects WHERE tenant = ? AND source = ? ORDER BY item_id, artifact, sink`,
        )
        .all(TENANT, SOURCE_ID) as ObjectRow[],
      runs: db.prepare('SELECT run_id, status, finished_at FROM runs ORDER BY rowid').all() as RunRow[],
      leases: db.prepare('SELECT tenant, run_id, pid, host, expires_at FROM leases').all() as LeaseRow[],
      checkpoint: checkpoint ? JSON.parse(checkpoint.checkpoint) : undefined,
    };
  } finally {
    db.close();
  }
};

export const archivedIds = (dir: string): Set<string> =>
  new Set(
    readLedger(dir)
      .items.filter((i) => i.status === 'archived')
      .map((i) => i.item_id),
  );

/** Writes a lease (and its run, `running`) as a run on another host would have left them. */
export const plantForeignLease = (
  dir: string,
  holder: { runId: string; pid: number; host: string; since: Date; expiresAt: Date },
): void => {
  const db = new Sqlite(ledgerFile(dir), { fileMustExist: true });
  try {
    db.prepare("INSERT INTO runs (run_id, tenant, started_at, status) VALUES (?, ?, ?, 'running')").run(
      holder.runId,
      TENANT,
      holder.since.toISOString(),
    );
    db.prepare(
      'INSERT INTO leases (tenant, run_id, pid, host, since, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      TENANT,
      holder.runId,
      holder.pid,
      holder.host,
      holder.since.toISOString(),
      holder.expiresAt.toISOString(),
    );
  } finally {
    db.close();
  }
};

/** Runs one SQL statement on the ledger (tests of the checks themselves: damage it on purpose). */
export const alterLedger = (dir: string, sql: string): void => {
  const db = new Sqlite(ledgerFile(dir), { fileMustExist: true });
  try {
    db.prepare(sql).run();
  } finally {
    db.close();
  }
};
