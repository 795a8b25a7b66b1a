import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeDirectory } from '../make-directory.js';
import type { Checkpoint, ItemRef } from '../plugin/types.js';
import type {
  BeginResult,
  ItemStatus,
  LeaseHolder,
  LeaseResult,
  Ledger,
  LedgerItem,
  LedgerObject,
  UnsettledCursor,
} from './ledger.js';
import { LedgerError, ledgerProblem } from './ledger-error.js';

const SCHEMA_VERSION = 2;

const MIGRATION = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
  tenant TEXT NOT NULL, source TEXT NOT NULL, checkpoint TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, source));
CREATE TABLE IF NOT EXISTS items (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','awaiting','archived','failed','dropped')),
  ref TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, retry_at TEXT,
  run_id TEXT NOT NULL, first_seen_at TEXT NOT NULL, updated_at TEXT NOT NULL, archived_at TEXT,
  PRIMARY KEY (tenant, source, item_id));
CREATE INDEX IF NOT EXISTS items_unsettled ON items (tenant, source, first_seen_at, item_id)
  WHERE status IN ('pending','failed','awaiting');
CREATE TABLE IF NOT EXISTS objects (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL, artifact TEXT NOT NULL, sink TEXT NOT NULL,
  unit_id TEXT NOT NULL, run_id TEXT NOT NULL, key TEXT NOT NULL, physical_key TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, checksum_algorithm TEXT NOT NULL, checksum TEXT NOT NULL,
  version_id TEXT, key_id TEXT NOT NULL, stored_at TEXT NOT NULL,
  PRIMARY KEY (tenant, source, item_id, artifact, sink));
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
  report TEXT);
CREATE TABLE IF NOT EXISTS leases (
  tenant TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL,
  expires_at TEXT NOT NULL);
`;

interface ItemRow {
  item_id: string;
  status: ItemStatus;
  ref: string;
  attempts: number;
  last_error: string | null;
  retry_at: string | null;
  run_id: string;
}
interface ObjectRow {
  artifact: string;
  sink: string;
  unit_id: string;
  run_id: string;
  key: string;
  physical_key: string;
  size: number;
  sha256: string;
  checksum_algorithm: string;
  checksum: string;
  version_id: string | null;
  key_id: string;
}
interface LeaseRow {
  run_id: string;
  pid: number;
  host: string;
  since: string;
  expires_at: string;
}

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const toHolder = (row: LeaseRow): LeaseHolder => ({
  runId: row.run_id,
  pid: row.pid,
  host: row.host,
  since: row.since,
  expiresAt: row.expires_at,
});

interface QueuedOp {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Creates the file (and its directory) readable by its owner only: the ledger is not encrypted. */
const createPrivately = (file: string): void => {
  makeDirectory(path.dirname(file));
  closeSync(openSync(file, 'a', 0o600));
};

const openDatabase = (file: string): Database.Database => {
  createPrivately(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // The first read is where a damaged file or a file that is not a database shows.
    const hasMeta = db
      .prepare<[], { n: number }>(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
      )
      .get()!.n;
    if (hasMeta) {
      const row = db
        .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")
        .get();
      const found = Number(row?.value ?? 0);
      if (found > SCHEMA_VERSION)
        throw new LedgerError(
          file,
          `it was written by a newer cxarchive (ledger schema ${found}, this one reads ${SCHEMA_VERSION})`,
          'upgrade cxarchive',
        );
      if (found < SCHEMA_VERSION)
        throw new LedgerError(
          file,
          `it was written by an earlier development version of cxarchive (ledger schema ${found}), which kept whole contact records in it`,
          'move it aside and run again: a new ledger is started, and objects already archived are found in the sinks and adopted, not stored twice',
        );
    }
    db.exec(MIGRATION);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(
      String(SCHEMA_VERSION),
    );
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof LedgerError) throw error;
    throw ledgerProblem(file, error);
  }
};

/**
 * The default ledger: one SQLite file (WAL, synchronous=FULL, created 0600). Writes are grouped:
 * every operation made in one turn of the event loop runs in one transaction (each in its own
 * savepoint), so a run with many items in flight commits once per turn instead of once per write,
 * and each promise resolves only after its transaction committed. Operations run in the order they
 * were made, so an item is never recorded as archived before its objects are.
 */
export const openSqliteLedger = (file: string): Ledger => {
  const db = openDatabase(file);

  const q = {
    getCheckpoint: db.prepare<[string, string], { checkpoint: string }>(
      'SELECT checkpoint FROM checkpoints WHERE tenant = ? AND source = ?',
    ),
    setCheckpoint: db.prepare(
      `INSERT INTO checkpoints (tenant, source, checkpoint, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
    ),
    resetCheckpoint: db.prepare('DELETE FROM checkpoints WHERE tenant = ? AND source = ?'),
    getItem: db.prepare<[string, string, string], ItemRow>(
      'SELECT item_id, status, ref, attempts, last_error, retry_at, run_id FROM items WHERE tenant = ? AND source = ? AND item_id = ?',
    ),
    objects: db.prepare<[string, string, string], ObjectRow>(
      `SELECT artifact, sink, unit_id, run_id, key, physical_key, size, sha256, checksum_algorithm, checksum,
         version_id, key_id FROM objects WHERE tenant = ? AND source = ? AND item_id = ? ORDER BY artifact, sink`,
    ),
    begin: db.prepare(
      `INSERT INTO items (tenant, source, item_id, status, ref, attempts, run_id, first_seen_at, updated_at)
       VALUES (@tenant, @source, @itemId, 'pending', @ref, 1, @runId, @at, @at)
       ON CONFLICT (tenant, source, item_id) DO UPDATE SET
         status = 'pending', retry_at = NULL, ref = excluded.ref, attempts = items.attempts + 1,
         run_id = excluded.run_id, updated_at = excluded.updated_at`,
    ),
    recordObject: db.prepare(
      `INSERT INTO objects (tenant, source, item_id, artifact, sink, unit_id, run_id, key, physical_key, size, sha256,
         checksum_algorithm, checksum, version_id, key_id, stored_at)
       VALUES (@tenant, @source, @itemId, @artifact, @sink, @unitId, @runId, @key, @physicalKey, @size, @sha256,
         @checksumAlgorithm, @checksum, @versionId, @keyId, @at)
       ON CONFLICT (tenant, source, item_id, artifact, sink) DO UPDATE SET
         unit_id = excluded.unit_id, run_id = excluded.run_id, key = excluded.key, physical_key = excluded.physical_key,
         size = excluded.size, sha256 = excluded.sha256, checksum_algorithm = excluded.checksum_algorithm,
         checksum = excluded.checksum, version_id = excluded.version_id, key_id = excluded.key_id,
         stored_at = excluded.stored_at`,
    ),
    settle: db.prepare(
      `UPDATE items SET status = @status, last_error = @error, retry_at = @retryAt, run_id = @runId, updated_at = @at,
         archived_at = CASE WHEN @status = 'archived' THEN @at ELSE archived_at END
       WHERE tenant = @tenant AND source = @source AND item_id = @itemId`,
    ),
    unsettledFirst: db.prepare<
      { tenant: string; source: string; runId: string; now: string; limit: number },
      ItemRow & { first_seen_at: string }
    >(
      `SELECT item_id, status, ref, attempts, last_error, retry_at, run_id, first_seen_at FROM items
       WHERE tenant = @tenant AND source = @source AND run_id <> @runId
         AND (status IN ('pending','failed') OR (status = 'awaiting' AND retry_at <= @now))
       ORDER BY first_seen_at, item_id LIMIT @limit`,
    ),
    unsettledAfter: db.prepare<
      { tenant: string; source: string; runId: string; now: string; limit: number; at: string; id: string },
      ItemRow & { first_seen_at: string }
    >(
      `SELECT item_id, status, ref, attempts, last_error, retry_at, run_id, first_seen_at FROM items
       WHERE tenant = @tenant AND source = @source AND run_id <> @runId
         AND (status IN ('pending','failed') OR (status = 'awaiting' AND retry_at <= @now))
         AND (first_seen_at > @at OR (first_seen_at = @at AND item_id > @id))
       ORDER BY first_seen_at, item_id LIMIT @limit`,
    ),
    counts: db.prepare<[string, string], { status: ItemStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? GROUP BY status',
    ),
    getLease: db.prepare<[string], LeaseRow>(
      'SELECT run_id, pid, host, since, expires_at FROM leases WHERE tenant = ?',
    ),
    putLease: db.prepare(
      `INSERT INTO leases (tenant, run_id, pid, host, since, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, host = excluded.host,
         since = excluded.since, expires_at = excluded.expires_at`,
    ),
    renewLease: db.prepare('UPDATE leases SET expires_at = ? WHERE tenant = ? AND run_id = ?'),
    dropLease: db.prepare('DELETE FROM leases WHERE tenant = ? AND run_id = ?'),
    abandonRun: db.prepare(
      "UPDATE runs SET status = 'abandoned', finished_at = ? WHERE run_id = ? AND status = 'running'",
    ),
    recordRun: db.prepare(
      "INSERT INTO runs (run_id, tenant, started_at, status) VALUES (?, ?, ?, 'running')",
    ),
    finishRun: db.prepare('UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE run_id = ?'),
  };

  const objectsOf = (tenant: string, source: string, itemId: string): LedgerObject[] =>
    q.objects.all(tenant, source, itemId).map((o) => ({
      artifact: o.artifact,
      sink: o.sink,
      unitId: o.unit_id,
      runId: o.run_id,
      key: o.key,
      physicalKey: o.physical_key,
      size: o.size,
      sha256: o.sha256,
      checksum: {
        algorithm: o.checksum_algorithm as LedgerObject['checksum']['algorithm'],
        value: o.checksum,
      },
      keyId: o.key_id,
      ...(o.version_id === null ? {} : { versionId: o.version_id }),
    }));

  const toItem = (tenant: string, source: string, row: ItemRow): LedgerItem => ({
    itemId: row.item_id,
    status: row.status,
    ref: JSON.parse(row.ref) as ItemRef,
    attempts: row.attempts,
    runId: row.run_id,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.retry_at === null ? {} : { retryAt: row.retry_at }),
    objects: objectsOf(tenant, source, row.item_id),
  });

  // ---- group commit ----
  let queue: QueuedOp[] = [];
  let scheduled = false;
  let closed = false;
  let draining: Promise<void> = Promise.resolve();

  const flushNow = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      db.transaction(() => {
        for (const op of batch) {
          try {
            results.push({ ok: true, value: db.transaction(op.run)() });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      const problem = ledgerProblem(file, error);
      for (const op of batch) op.reject(problem);
      return;
    }
    for (const [i, op] of batch.entries()) {
      const r = results[i]!;
      if (r.ok) op.resolve(r.value);
      else op.reject(ledgerProblem(file, r.error));
    }
  };

  const enqueue = <T>(run: () => T): Promise<T> => {
    if (closed)
      return Promise.reject(
        new LedgerError(
          file,
          'it was written to after it was closed',
          'this is a defect in cxarchive; report it',
        ),
      );
    return new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        draining = new Promise((done) =>
          setImmediate(() => {
            flushNow();
            done();
          }),
        );
      }
    });
  };

  const acquire = (tenant: string, holder: LeaseHolder, now: Date): LeaseResult => {
    const current = q.getLease.get(tenant);
    let tookOverFrom: LeaseHolder | undefined;
    if (current) {
      const expired = Date.parse(current.expires_at) <= now.getTime();
      const deadHere = current.host === hostname() && !processAlive(current.pid);
      if (!expired && !deadHere) return { ok: false, holder: toHolder(current) };
      q.abandonRun.run(now.toISOString(), current.run_id);
      tookOverFrom = toHolder(current);
    }
    q.putLease.run(tenant, holder.runId, holder.pid, holder.host, holder.since, holder.expiresAt);
    return tookOverFrom ? { ok: true, tookOverFrom } : { ok: true };
  };

  return {
    file,
    getCheckpoint: (tenant, source) =>
      enqueue(() => {
        const row = q.getCheckpoint.get(tenant, source);
        return row ? (JSON.parse(row.checkpoint) as Checkpoint) : undefined;
      }),
    setCheckpoint: (tenant, source, checkpoint, at) =>
      enqueue(() => {
        q.setCheckpoint.run(tenant, source, JSON.stringify(checkpoint), at.toISOString());
      }),
    resetCheckpoint: (tenant, source) =>
      enqueue(() => {
        q.resetCheckpoint.run(tenant, source);
      }),
    getItem: (tenant, source, itemId) =>
      enqueue(() => {
        const row = q.getItem.get(tenant, source, itemId);
        return row ? toItem(tenant, source, row) : undefined;
      }),
    beginItem: (tenant, source, ref, runId, at) =>
      enqueue((): BeginResult => {
        const row = q.getItem.get(tenant, source, ref.id);
        if (row?.status === 'archived') return { state: 'archived' };
        if (row?.status === 'dropped') return { state: 'dropped' };
        if (row && row.run_id === runId) return { state: 'duplicate' };
        if (row?.status === 'awaiting' && row.retry_at !== null && row.retry_at > at.toISOString())
          return { state: 'awaiting', retryAt: row.retry_at };
        q.begin.run({
          tenant,
          source,
          itemId: ref.id,
          ref: JSON.stringify(ref),
          runId,
          at: at.toISOString(),
        });
        return {
          state: 'begun',
          attempts: (row?.attempts ?? 0) + 1,
          objects: objectsOf(tenant, source, ref.id),
        };
      }),
    recordObject: (tenant, source, itemId, o, at) =>
      enqueue(() => {
        q.recordObject.run({
          tenant,
          source,
          itemId,
          artifact: o.artifact,
          sink: o.sink,
          unitId: o.unitId,
          runId: o.runId,
          key: o.key,
          physicalKey: o.physicalKey,
          size: o.size,
          sha256: o.sha256,
          checksumAlgorithm: o.checksum.algorithm,
          checksum: o.checksum.value,
          versionId: o.versionId ?? null,
          keyId: o.keyId,
          at: at.toISOString(),
        });
      }),
    settleItem: (tenant, source, itemId, settlement, runId, at) =>
      enqueue(() => {
        q.settle.run({
          tenant,
          source,
          itemId,
          status: settlement.status,
          runId,
          at: at.toISOString(),
          error:
            settlement.status === 'failed'
              ? settlement.error
              : settlement.status === 'awaiting'
                ? settlement.reason
                : null,
          retryAt: settlement.status === 'awaiting' ? settlement.retryAt.toISOString() : null,
        });
      }),
    unsettledPage: (tenant, source, runId, now, cursor, limit) =>
      enqueue(() => {
        const base = { tenant, source, runId, now: now.toISOString(), limit };
        const rows = cursor
          ? q.unsettledAfter.all({ ...base, at: cursor.firstSeenAt, id: cursor.itemId })
          : q.unsettledFirst.all(base);
        const last = rows.at(-1);
        return {
          refs: rows.map((r) => JSON.parse(r.ref) as ItemRef),
          ...(last && rows.length === limit
            ? { next: { firstSeenAt: last.first_seen_at, itemId: last.item_id } }
            : {}),
        } as { refs: ItemRef[]; next?: UnsettledCursor };
      }),
    counts: (tenant, source) =>
      enqueue(() => {
        const out: Record<ItemStatus, number> = {
          pending: 0,
          awaiting: 0,
          archived: 0,
          failed: 0,
          dropped: 0,
        };
        for (const row of q.counts.all(tenant, source)) out[row.status] = row.n;
        return out;
      }),
    acquireLease: (tenant, holder, now) => enqueue(() => acquire(tenant, holder, now)),
    renewLease: (tenant, runId, expiresAt) =>
      enqueue(() => q.renewLease.run(expiresAt.toISOString(), tenant, runId).changes === 1),
    releaseLease: (tenant, runId) =>
      enqueue(() => {
        q.dropLease.run(tenant, runId);
      }),
    breakLease: (tenant, at) =>
      enqueue(() => {
        const current = q.getLease.get(tenant);
        if (!current) return undefined;
        q.dropLease.run(tenant, current.run_id);
        q.abandonRun.run(at.toISOString(), current.run_id);
        return toHolder(current);
      }),
    recordRun: (runId, tenant, startedAt) =>
      enqueue(() => {
        q.recordRun.run(runId, tenant, startedAt.toISOString());
      }),
    finishRun: (runId, finishedAt, status, report) =>
      enqueue(() => {
        q.finishRun.run(finishedAt.toISOString(), status, JSON.stringify(report), runId);
      }),
    flush: async () => {
      await draining;
      if (queue.length > 0) await enqueue(() => undefined);
    },
    close: async () => {
      await draining;
      if (queue.length > 0) flushNow();
      closed = true;
      db.close();
    },
  };
};
