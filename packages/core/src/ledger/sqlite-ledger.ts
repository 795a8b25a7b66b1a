import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Checkpoint, ItemRef } from '../plugin/types.js';
import type { ItemStatus, Ledger, LedgerItem, LedgerObject, LockHolder } from './ledger.js';

const SCHEMA_VERSION = 1;

const MIGRATION = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
  tenant TEXT NOT NULL, source TEXT NOT NULL, checkpoint TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, source));
CREATE TABLE IF NOT EXISTS items (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','archived','failed','dropped')),
  ref TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  run_id TEXT NOT NULL, first_seen_at TEXT NOT NULL, updated_at TEXT NOT NULL, archived_at TEXT,
  PRIMARY KEY (tenant, source, item_id));
CREATE INDEX IF NOT EXISTS items_unsettled ON items (tenant, source, status) WHERE status IN ('pending','failed');
CREATE TABLE IF NOT EXISTS objects (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL, artifact TEXT NOT NULL, sink TEXT NOT NULL,
  key TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, version_id TEXT, key_id TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  PRIMARY KEY (tenant, source, item_id, artifact, sink));
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
  report TEXT);
CREATE TABLE IF NOT EXISTS locks (
  tenant TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL);
`;

interface ItemRow {
  item_id: string;
  status: ItemStatus;
  ref: string;
  attempts: number;
  last_error: string | null;
}
interface ObjectRow {
  artifact: string;
  sink: string;
  key: string;
  size: number;
  sha256: string;
  version_id: string | null;
  key_id: string;
}

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The default ledger: one SQLite file, WAL, synchronous=FULL so a commit survives power loss. */
export const openSqliteLedger = (file: string): Ledger => {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(MIGRATION);
  const version = db
    .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")
    .get();
  if (!version)
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  else if (Number(version.value) > SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `the ledger ${file} was written by a newer cxarchive (schema ${version.value}); upgrade cxarchive`,
    );
  }

  const q = {
    getCheckpoint: db.prepare<[string, string], { checkpoint: string }>(
      'SELECT checkpoint FROM checkpoints WHERE tenant = ? AND source = ?',
    ),
    setCheckpoint: db.prepare(
      `INSERT INTO checkpoints (tenant, source, checkpoint, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
    ),
    getItem: db.prepare<[string, string, string], ItemRow>(
      'SELECT item_id, status, ref, attempts, last_error FROM items WHERE tenant = ? AND source = ? AND item_id = ?',
    ),
    objects: db.prepare<[string, string, string], ObjectRow>(
      'SELECT artifact, sink, key, size, sha256, version_id, key_id FROM objects WHERE tenant = ? AND source = ? AND item_id = ? ORDER BY artifact, sink',
    ),
    begin: db.prepare(
      `INSERT INTO items (tenant, source, item_id, status, ref, attempts, run_id, first_seen_at, updated_at)
       VALUES (@tenant, @source, @itemId, 'pending', @ref, 1, @runId, @at, @at)
       ON CONFLICT (tenant, source, item_id) DO UPDATE SET
         status = CASE WHEN items.status = 'archived' THEN 'archived' ELSE 'pending' END,
         ref = excluded.ref, attempts = items.attempts + 1, run_id = excluded.run_id, updated_at = excluded.updated_at`,
    ),
    recordObject: db.prepare(
      `INSERT INTO objects (tenant, source, item_id, artifact, sink, key, size, sha256, version_id, key_id, stored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, source, item_id, artifact, sink) DO UPDATE SET
         key = excluded.key, size = excluded.size, sha256 = excluded.sha256, version_id = excluded.version_id,
         key_id = excluded.key_id, stored_at = excluded.stored_at`,
    ),
    settle: db.prepare(
      `UPDATE items SET status = @status, last_error = @error, run_id = @runId, updated_at = @at,
         archived_at = CASE WHEN @status = 'archived' THEN @at ELSE archived_at END
       WHERE tenant = @tenant AND source = @source AND item_id = @itemId`,
    ),
    unsettled: db.prepare<[string, string], ItemRow>(
      `SELECT item_id, status, ref, attempts, last_error FROM items
       WHERE tenant = ? AND source = ? AND status IN ('pending','failed') ORDER BY first_seen_at, item_id`,
    ),
    counts: db.prepare<[string, string], { status: ItemStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? GROUP BY status',
    ),
    getLock: db.prepare<[string], { run_id: string; pid: number; host: string; since: string }>(
      'SELECT run_id, pid, host, since FROM locks WHERE tenant = ?',
    ),
    putLock: db.prepare(
      `INSERT INTO locks (tenant, run_id, pid, host, since) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, host = excluded.host, since = excluded.since`,
    ),
    dropLock: db.prepare('DELETE FROM locks WHERE tenant = ? AND run_id = ?'),
    recordRun: db.prepare(
      "INSERT INTO runs (run_id, tenant, started_at, status) VALUES (?, ?, ?, 'running')",
    ),
    finishRun: db.prepare('UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE run_id = ?'),
  };

  const toItem = (tenant: string, source: string, row: ItemRow): LedgerItem => ({
    itemId: row.item_id,
    status: row.status,
    ref: JSON.parse(row.ref) as ItemRef,
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    objects: q.objects.all(tenant, source, row.item_id).map((o) => ({
      artifact: o.artifact,
      sink: o.sink,
      key: o.key,
      size: o.size,
      sha256: o.sha256,
      keyId: o.key_id,
      ...(o.version_id === null ? {} : { versionId: o.version_id }),
    })),
  });

  const getItem = (tenant: string, source: string, itemId: string): LedgerItem | undefined => {
    const row = q.getItem.get(tenant, source, itemId);
    return row ? toItem(tenant, source, row) : undefined;
  };

  const acquire = db.transaction((tenant: string, holder: LockHolder) => {
    const current = q.getLock.get(tenant);
    if (current) {
      const stale = current.host === hostname() && !processAlive(current.pid);
      if (!stale)
        return {
          ok: false as const,
          holder: { runId: current.run_id, pid: current.pid, host: current.host, since: current.since },
        };
    }
    q.putLock.run(tenant, holder.runId, holder.pid, holder.host, holder.since);
    return { ok: true as const };
  });

  return {
    getCheckpoint(tenant, source) {
      const row = q.getCheckpoint.get(tenant, source);
      return row ? (JSON.parse(row.checkpoint) as Checkpoint) : undefined;
    },
    setCheckpoint(tenant, source, checkpoint, at) {
      q.setCheckpoint.run(tenant, source, JSON.stringify(checkpoint), at.toISOString());
    },
    getItem,
    beginItem(tenant, source, ref, runId, at) {
      q.begin.run({ tenant, source, itemId: ref.id, ref: JSON.stringify(ref), runId, at: at.toISOString() });
      return getItem(tenant, source, ref.id)!;
    },
    recordObject(tenant, source, itemId, o: LedgerObject, at) {
      q.recordObject.run(
        tenant,
        source,
        itemId,
        o.artifact,
        o.sink,
        o.key,
        o.size,
        o.sha256,
        o.versionId ?? null,
        o.keyId,
        at.toISOString(),
      );
    },
    settleItem(tenant, source, itemId, status, runId, at, error) {
      q.settle.run({ tenant, source, itemId, status, runId, at: at.toISOString(), error: error ?? null });
    },
    unsettled(tenant, source) {
      return q.unsettled.all(tenant, source).map((row) => toItem(tenant, source, row));
    },
    counts(tenant, source) {
      const out: Record<ItemStatus, number> = { pending: 0, archived: 0, failed: 0, dropped: 0 };
      for (const row of q.counts.all(tenant, source)) out[row.status] = row.n;
      return out;
    },
    acquireLock: (tenant, holder) => acquire(tenant, holder),
    releaseLock(tenant, runId) {
      q.dropLock.run(tenant, runId);
    },
    recordRun(runId, tenant, startedAt) {
      q.recordRun.run(runId, tenant, startedAt.toISOString());
    },
    finishRun(runId, finishedAt, status, report) {
      q.finishRun.run(finishedAt.toISOString(), status, JSON.stringify(report), runId);
    },
    close() {
      db.close();
    },
  };
};
