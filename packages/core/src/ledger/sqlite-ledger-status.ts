import type Database from 'better-sqlite3';
import type { FailedItem, LeaseHolder, LedgerRun, LedgerRunRecord } from './ledger.js';

/**
 * The read-only queries behind `cxarchive status` and `cxarchive report`: the runs table, the
 * failed items page by page, the lease as it stands, and the jobs of an owner by state. Nothing
 * here writes.
 */
interface RunRow {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  archived: number | null;
  failed: number | null;
  awaiting: number | null;
  skipped: number | null;
}

// The counts are taken from the report the run recorded (absent while it runs, or when it was abandoned).
const RUN_COLUMNS = `run_id, started_at, finished_at, status,
  json_extract(report, '$.counts.archived') AS archived, json_extract(report, '$.counts.failed') AS failed,
  json_extract(report, '$.counts.awaiting') AS awaiting, json_extract(report, '$.counts.skipped') AS skipped`;

const statusStatements = (db: Database.Database) => ({
  recentRuns: db.prepare<[string, number], RunRow>(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE tenant = ? ORDER BY started_at DESC, run_id DESC LIMIT ?`,
  ),
  getRun: db.prepare<[string, string], RunRow & { report: string | null }>(
    `SELECT ${RUN_COLUMNS}, report FROM runs WHERE tenant = ? AND run_id = ?`,
  ),
  failedPage: db.prepare<
    { tenant: string; source: string; after: string; limit: number },
    { item_id: string; attempts: number; last_error: string | null; run_id: string; updated_at: string }
  >(
    `SELECT item_id, attempts, last_error, run_id, updated_at FROM items
     WHERE tenant = @tenant AND source = @source AND status = 'failed' AND kind = 'item' AND item_id > @after
     ORDER BY item_id LIMIT @limit`,
  ),
  lease: db.prepare<
    [string],
    { run_id: string; pid: number; host: string; since: string; expires_at: string }
  >('SELECT run_id, pid, host, since, expires_at FROM leases WHERE tenant = ?'),
  jobStates: db.prepare<[string, string], { state: unknown; n: number }>(
    `SELECT json_extract(state, '$.state') AS state, COUNT(*) AS n FROM jobs
     WHERE tenant = ? AND owner = ? GROUP BY json_extract(state, '$.state')`,
  ),
});

type StatusStatements = ReturnType<typeof statusStatements>;

const toRun = (row: RunRow): LedgerRun => ({
  runId: row.run_id,
  startedAt: row.started_at,
  ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
  status: row.status,
  ...(row.archived === null
    ? {}
    : {
        counts: {
          archived: row.archived ?? 0,
          failed: row.failed ?? 0,
          awaiting: row.awaiting ?? 0,
          skipped: row.skipped ?? 0,
        },
      }),
});

const recentRunsOf = (s: StatusStatements, tenant: string, limit: number): LedgerRun[] =>
  s.recentRuns.all(tenant, limit).map(toRun);

const runOf = (s: StatusStatements, tenant: string, runId: string): LedgerRunRecord | undefined => {
  const row = s.getRun.get(tenant, runId);
  if (!row) return undefined;
  return { ...toRun(row), ...(row.report === null ? {} : { report: row.report }) };
};

const failedPageOf = (
  s: StatusStatements,
  tenant: string,
  source: string,
  afterItemId: string | undefined,
  limit: number,
): { items: FailedItem[]; next?: string } => {
  const rows = s.failedPage.all({ tenant, source, after: afterItemId ?? '', limit });
  const last = rows.at(-1);
  return {
    items: rows.map((r) => ({
      itemId: r.item_id,
      attempts: r.attempts,
      runId: r.run_id,
      updatedAt: r.updated_at,
      ...(r.last_error === null ? {} : { lastError: r.last_error }),
    })),
    ...(last && rows.length === limit ? { next: last.item_id } : {}),
  };
};

const leaseOf = (s: StatusStatements, tenant: string): LeaseHolder | undefined => {
  const row = s.lease.get(tenant);
  return row
    ? { runId: row.run_id, pid: row.pid, host: row.host, since: row.since, expiresAt: row.expires_at }
    : undefined;
};

/** Jobs by their state's `state` field; a job without one is counted under `(none)`. */
const jobStatesOf = (s: StatusStatements, tenant: string, owner: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const row of s.jobStates.all(tenant, owner)) {
    const state = typeof row.state === 'string' ? row.state : '(none)';
    out[state] = (out[state] ?? 0) + row.n;
  }
  return out;
};

/** The read-only queries of `status` and `report`, prepared once on the ledger's connection. */
export interface StatusReads {
  recentRuns(tenant: string, limit: number): LedgerRun[];
  getRun(tenant: string, runId: string): LedgerRunRecord | undefined;
  failedPage(
    tenant: string,
    source: string,
    afterItemId: string | undefined,
    limit: number,
  ): { items: FailedItem[]; next?: string };
  leaseHolder(tenant: string): LeaseHolder | undefined;
  jobStateCounts(tenant: string, owner: string): Record<string, number>;
}

export const statusReads = (db: Database.Database): StatusReads => {
  const s = statusStatements(db);
  return {
    recentRuns: (tenant, limit) => recentRunsOf(s, tenant, limit),
    getRun: (tenant, runId) => runOf(s, tenant, runId),
    failedPage: (tenant, source, afterItemId, limit) => failedPageOf(s, tenant, source, afterItemId, limit),
    leaseHolder: (tenant) => leaseOf(s, tenant),
    jobStateCounts: (tenant, owner) => jobStatesOf(s, tenant, owner),
  };
};
