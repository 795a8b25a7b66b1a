import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeDirectory } from '../make-directory.js';
import type { Checkpoint, ItemRef, JsonObject } from '../plugin/types.js';
import { processHost } from '../process-identity.js';
import type {
  BatchInfo,
  BeginResult,
  ItemStatus,
  LeaseHolder,
  LeaseResult,
  Ledger,
  LedgerBatch,
  LedgerItem,
  LedgerJob,
  LedgerObject,
  PendingAck,
  SentObject,
  UnsettledCursor,
} from './ledger.js';
import { batchItemId } from './ledger.js';
import { LedgerError, ledgerProblem } from './ledger-error.js';
import { statusReads } from './sqlite-ledger-status.js';
import { walSync } from './wal-sync.js';

const SCHEMA_VERSION = 2;

const OBJECT_COLUMNS = `artifact, sink, unit_id, run_id, key, physical_key, size, sha256, checksum_algorithm,
  checksum, version_id, key_id, content_type, artifact_content_type, stored_key`;

/** What the runtime sent a sink, before the store confirmed it (adoption without a download). */
const SENT_TABLE = `CREATE TABLE IF NOT EXISTS sent (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL, unit_id TEXT NOT NULL, sink TEXT NOT NULL,
  sha256 TEXT NOT NULL, size INTEGER NOT NULL, checksum_algorithm TEXT NOT NULL, checksum TEXT NOT NULL,
  plain_sha256 TEXT NOT NULL, key_id TEXT NOT NULL, content_type TEXT NOT NULL, run_id TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  PRIMARY KEY (tenant, source, unit_id, sink, sha256));`;

/** Durable jobs plugins keep (asynchronous exports and downloads they submitted). */
const JOBS_TABLE = `CREATE TABLE IF NOT EXISTS jobs (
  tenant TEXT NOT NULL, owner TEXT NOT NULL, job_key TEXT NOT NULL, state TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, owner, job_key));`;

/** Batches of records and their members (the `batch` record layout). */
const BATCH_TABLES = `CREATE TABLE IF NOT EXISTS batches (
  tenant TEXT NOT NULL, source TEXT NOT NULL, batch_id TEXT NOT NULL, key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open','sealed','stored','abandoned')),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, record_name TEXT,
  PRIMARY KEY (tenant, source, batch_id));
CREATE INDEX IF NOT EXISTS batches_by_key ON batches (tenant, key);
CREATE TABLE IF NOT EXISTS batch_members (
  tenant TEXT NOT NULL, source TEXT NOT NULL, batch_id TEXT NOT NULL, position INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  PRIMARY KEY (tenant, source, batch_id, position));
CREATE INDEX IF NOT EXISTS batch_members_by_item ON batch_members (tenant, source, item_id);`;

const PENDING_ACKS_SQL = `SELECT item_id, ref, ack_attempts FROM items
       WHERE tenant = @tenant AND source = @source AND ack = 'pending' AND item_id > @after
         AND (ack_retry_at IS NULL OR ack_retry_at <= @now)
       ORDER BY item_id LIMIT @limit`;
const OBJECTS_SQL = `SELECT ${OBJECT_COLUMNS} FROM objects WHERE tenant = ? AND source = ? AND item_id = ? ORDER BY artifact, sink`;
const BATCH_OF_SQL = `SELECT b.batch_id, b.key, b.status FROM batch_members m
       JOIN batches b ON b.tenant = m.tenant AND b.source = m.source AND b.batch_id = m.batch_id
       WHERE m.tenant = ? AND m.source = ? AND m.item_id = ? AND b.status <> 'abandoned'
       ORDER BY b.created_at DESC, b.batch_id DESC LIMIT 1`;

/** Archived items whose acknowledgement is pending, in id order. */
const ACK_INDEX = `CREATE INDEX IF NOT EXISTS items_ack ON items (tenant, source, item_id) WHERE ack = 'pending'`;

/** Objects a rewrap replaced, still in their sinks. */
const SUPERSEDED_TABLE = `CREATE TABLE IF NOT EXISTS superseded (
  tenant TEXT NOT NULL, sink TEXT NOT NULL, key TEXT NOT NULL, physical_key TEXT NOT NULL, key_id TEXT NOT NULL,
  item_id TEXT NOT NULL, superseded_at TEXT NOT NULL,
  PRIMARY KEY (tenant, sink, key));`;

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
  ack TEXT CHECK (ack IN ('pending','done','refused')), ack_attempts INTEGER NOT NULL DEFAULT 0, ack_error TEXT,
  ack_retry_at TEXT, note TEXT, kind TEXT NOT NULL DEFAULT 'item' CHECK (kind IN ('item','batch')),
  PRIMARY KEY (tenant, source, item_id));
CREATE INDEX IF NOT EXISTS items_unsettled ON items (tenant, source, first_seen_at, item_id)
  WHERE status IN ('pending','failed','awaiting');
CREATE TABLE IF NOT EXISTS objects (
  tenant TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL, artifact TEXT NOT NULL, sink TEXT NOT NULL,
  unit_id TEXT NOT NULL, run_id TEXT NOT NULL, key TEXT NOT NULL, physical_key TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, checksum_algorithm TEXT NOT NULL, checksum TEXT NOT NULL,
  version_id TEXT, key_id TEXT NOT NULL, content_type TEXT, stored_at TEXT NOT NULL, artifact_content_type TEXT,
  stored_key TEXT,
  PRIMARY KEY (tenant, source, item_id, artifact, sink));
CREATE INDEX IF NOT EXISTS objects_by_key ON objects (tenant, sink, key);
CREATE INDEX IF NOT EXISTS objects_by_stored_key ON objects (tenant, sink, stored_key) WHERE stored_key IS NOT NULL;
${SENT_TABLE}
${SUPERSEDED_TABLE}
${JOBS_TABLE}
${BATCH_TABLES}
${ACK_INDEX};
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
  ack: 'pending' | 'done' | 'refused' | null;
  ack_attempts: number;
  ack_error: string | null;
  ack_retry_at: string | null;
  note: string | null;
}
/** What beginning an item reads of its row. */
type BeginRow = Pick<ItemRow, 'status' | 'attempts' | 'retry_at' | 'run_id'>;
interface JobRow {
  job_key: string;
  state: string;
  created_at: string;
  updated_at: string;
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
  content_type: string | null;
  artifact_content_type: string | null;
  stored_key: string | null;
}
interface SentRow {
  unit_id: string;
  sink: string;
  sha256: string;
  size: number;
  checksum_algorithm: string;
  checksum: string;
  plain_sha256: string;
  key_id: string;
  content_type: string;
  run_id: string;
}
/** Sent rows kept per unit and sink: a crash is adopted from the latest attempts, not older ones. */
const SENT_KEPT = 4;
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

/** Longest time a write waits for a commit when no durable write comes along. */
const COMMIT_WINDOW_MS = 50;
/** How long a durable write waits for others to share its commit (one fsync for all). */
const GROUP_COMMIT_DELAY_MS = 2;
/** Longest wait for another connection's write lock. */
const BUSY_TIMEOUT_MS = 5000;

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
    // Commits do not fsync on the main thread: a durable write is resolved after the WAL is synced
    // on the threadpool (wal-sync.ts).
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
    // A current ledger needs no write to open (another run may hold the write lock right now).
    if (!hasMeta) {
      db.exec(MIGRATION);
      db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(
        String(SCHEMA_VERSION),
      );
    } else addMissingParts(db);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof LedgerError) throw error;
    throw ledgerProblem(file, error);
  }
};

/**
 * What schema 2 gained after its first files were written, added to such a file once (a write
 * only when something is missing): the `sent`, `superseded` and `jobs` tables, the artifact's
 * content type of each object (decoding needs it), where a rewrapped object is stored, the indexes
 * that find an object by its key (verify's look-up of what a sink lists), and each item's
 * acknowledgement and note.
 */
const addMissingParts = (db: Database.Database): void => {
  const tables = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name),
  );
  if (!tables.has('sent')) db.exec(SENT_TABLE);
  if (!tables.has('superseded')) db.exec(SUPERSEDED_TABLE);
  if (!tables.has('jobs')) db.exec(JOBS_TABLE);
  if (!tables.has('batches')) db.exec(BATCH_TABLES);
  const batchColumns = db
    .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('batches')")
    .all();
  if (!batchColumns.some((c) => c.name === 'record_name'))
    db.exec('ALTER TABLE batches ADD COLUMN record_name TEXT');
  db.exec('CREATE INDEX IF NOT EXISTS batches_by_key ON batches (tenant, key)');
  const itemColumns = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('items')")
      .all()
      .map((c) => c.name),
  );
  const itemAdditions: [string, string][] = [
    ['ack', "ack TEXT CHECK (ack IN ('pending','done','refused'))"],
    ['ack_attempts', 'ack_attempts INTEGER NOT NULL DEFAULT 0'],
    ['ack_error', 'ack_error TEXT'],
    ['ack_retry_at', 'ack_retry_at TEXT'],
    ['note', 'note TEXT'],
    ['kind', "kind TEXT NOT NULL DEFAULT 'item' CHECK (kind IN ('item','batch'))"],
  ];
  for (const [name, definition] of itemAdditions)
    if (!itemColumns.has(name)) db.exec(`ALTER TABLE items ADD COLUMN ${definition}`);
  db.exec(ACK_INDEX);
  const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('objects')").all();
  if (!columns.some((c) => c.name === 'artifact_content_type'))
    db.exec('ALTER TABLE objects ADD COLUMN artifact_content_type TEXT');
  if (!columns.some((c) => c.name === 'stored_key'))
    db.exec('ALTER TABLE objects ADD COLUMN stored_key TEXT');
  const storedIndex = db
    .prepare<[], { n: number }>(
      "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'objects_by_stored_key'",
    )
    .get()!.n;
  if (!storedIndex)
    db.exec(
      'CREATE INDEX objects_by_stored_key ON objects (tenant, sink, stored_key) WHERE stored_key IS NOT NULL',
    );
  const index = db
    .prepare<[], { n: number }>(
      "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'objects_by_key'",
    )
    .get()!.n;
  if (!index) db.exec('CREATE INDEX objects_by_key ON objects (tenant, sink, key)');
};

/**
 * The default ledger: one SQLite file (WAL, synchronous=FULL, created 0600), with group commit
 * (below): a run with many items in flight commits about once per turn of the event loop instead
 * of once per write. Writes apply in the order they were made, so an item is never recorded as
 * archived before its objects are, and `settleItem(archived)` resolves only once it is durable.
 */
/** A composite checksum (over parts) is kept as S3 writes its ETag: `<hex>-<parts>`. */
const checksumColumn = (checksum: LedgerObject['checksum']): string =>
  checksum.parts === undefined ? checksum.value : `${checksum.value}-${checksum.parts}`;

const checksumFromColumn = (algorithm: string, column: string): LedgerObject['checksum'] => {
  const composite = /^([0-9a-f]+)-([0-9]+)$/.exec(column);
  return {
    algorithm: algorithm as LedgerObject['checksum']['algorithm'],
    ...(composite ? { value: composite[1]!, parts: Number(composite[2]) } : { value: column }),
  };
};

/** The parameters of the `objects` upsert for `o`. */
const objectRow = (tenant: string, source: string, itemId: string, o: LedgerObject, at: Date) => ({
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
  checksum: checksumColumn(o.checksum),
  versionId: o.versionId ?? null,
  keyId: o.keyId,
  contentType: o.contentType ?? null,
  artifactContentType: o.artifactContentType ?? null,
  storedKey: o.storedKey ?? null,
  at: at.toISOString(),
});

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
      `SELECT item_id, status, ref, attempts, last_error, retry_at, run_id, ack, ack_attempts, ack_error, ack_retry_at, note
       FROM items WHERE tenant = ? AND source = ? AND item_id = ?`,
    ),
    /** The rows of the given ids (a JSON array), for beginning a page at once: only the columns begin reads. */
    beginRows: db.prepare<
      [string, string, string],
      Pick<ItemRow, 'item_id' | 'status' | 'attempts' | 'retry_at' | 'run_id'>
    >(
      `SELECT item_id, status, attempts, retry_at, run_id
       FROM items WHERE tenant = ? AND source = ? AND item_id IN (SELECT value FROM json_each(?))`,
    ),
    pendingAcks: db.prepare<
      { tenant: string; source: string; after: string; now: string; limit: number },
      { item_id: string; ref: string; ack_attempts: number }
    >(PENDING_ACKS_SQL),
    settleAck: db.prepare(
      `UPDATE items SET ack = @ack, ack_attempts = ack_attempts + 1, ack_error = @error, ack_retry_at = @retryAt,
         updated_at = @at
       WHERE tenant = @tenant AND source = @source AND item_id = @itemId AND status = 'archived' AND ack IS NOT NULL`,
    ),
    ackCounts: db.prepare<[string, string], { ack: string; n: number }>(
      `SELECT ack, COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? AND ack IN ('pending','refused') GROUP BY ack`,
    ),
    getJob: db.prepare<[string, string, string], JobRow>(
      'SELECT job_key, state, created_at, updated_at FROM jobs WHERE tenant = ? AND owner = ? AND job_key = ?',
    ),
    putJob: db.prepare(
      `INSERT INTO jobs (tenant, owner, job_key, state, created_at, updated_at) VALUES (@tenant, @owner, @key, @state, @at, @at)
       ON CONFLICT (tenant, owner, job_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    deleteJob: db.prepare('DELETE FROM jobs WHERE tenant = ? AND owner = ? AND job_key = ?'),
    // A prefix is matched with substr, not LIKE, so '%' and '_' in it are literal.
    jobsPage: db.prepare<
      { tenant: string; owner: string; prefix: string; after: string; limit: number },
      JobRow
    >(
      `SELECT job_key, state, created_at, updated_at FROM jobs
       WHERE tenant = @tenant AND owner = @owner AND job_key > @after
         AND substr(job_key, 1, length(@prefix)) = @prefix
       ORDER BY job_key LIMIT @limit`,
    ),
    objects: db.prepare<[string, string, string], ObjectRow>(OBJECTS_SQL),
    objectsPage: db.prepare<
      {
        tenant: string;
        source: string | null;
        sink: string | null;
        afterSource: string;
        item: string;
        artifact: string;
        afterSink: string;
        limit: number;
      },
      ObjectRow & { item_id: string; source: string }
    >(
      `SELECT source, item_id, ${OBJECT_COLUMNS} FROM objects
       WHERE tenant = @tenant AND (@source IS NULL OR source = @source) AND (@sink IS NULL OR sink = @sink)
         AND (source, item_id, artifact, sink) > (@afterSource, @item, @artifact, @afterSink)
       ORDER BY source, item_id, artifact, sink LIMIT @limit`,
    ),
    itemIdsInKeyRange: db.prepare<
      { tenant: string; source: string; from: string; before: string; after: string; limit: number },
      { item_id: string }
    >(
      `SELECT DISTINCT item_id FROM objects
       WHERE tenant = @tenant AND source = @source AND key >= @from AND key < @before AND item_id > @after
       ORDER BY item_id LIMIT @limit`,
    ),
    knowsObject: db.prepare<{ tenant: string; sink: string; key: string }, { n: number }>(
      `SELECT (SELECT COUNT(*) FROM objects WHERE tenant = @tenant AND sink = @sink AND key = @key)
            + (SELECT COUNT(*) FROM objects WHERE tenant = @tenant AND sink = @sink AND stored_key = @key)
            + (SELECT COUNT(*) FROM superseded WHERE tenant = @tenant AND sink = @sink AND key = @key) AS n`,
    ),
    supersede: db.prepare(
      `INSERT OR REPLACE INTO superseded (tenant, sink, key, physical_key, key_id, item_id, superseded_at)
       VALUES (@tenant, @sink, @key, @physicalKey, @keyId, @itemId, @at)`,
    ),
    begin: db.prepare(
      `INSERT INTO items (tenant, source, item_id, status, ref, attempts, run_id, first_seen_at, updated_at)
       VALUES (@tenant, @source, @itemId, 'pending', @ref, 1, @runId, @at, @at)
       ON CONFLICT (tenant, source, item_id) DO UPDATE SET
         status = 'pending', retry_at = NULL, ref = excluded.ref, attempts = items.attempts + 1,
         run_id = excluded.run_id, updated_at = excluded.updated_at`,
    ),
    // `begin` for many: the refs as a JSON array; each element's JSON text is its `ref` (JSON
    // keeps the text of every value as given, so it parses back to the same ref).
    beginAll: db.prepare(
      `INSERT INTO items (tenant, source, item_id, status, ref, attempts, run_id, first_seen_at, updated_at)
       SELECT @tenant, @source, value ->> '$.id', 'pending', value, 1, @runId, @at, @at FROM json_each(@refs) WHERE true
       ON CONFLICT (tenant, source, item_id) DO UPDATE SET
         status = 'pending', retry_at = NULL, ref = excluded.ref, attempts = items.attempts + 1,
         run_id = excluded.run_id, updated_at = excluded.updated_at`,
    ),
    recordObject: db.prepare(
      `INSERT INTO objects (tenant, source, item_id, artifact, sink, unit_id, run_id, key, physical_key, size, sha256,
         checksum_algorithm, checksum, version_id, key_id, content_type, artifact_content_type, stored_key, stored_at)
       VALUES (@tenant, @source, @itemId, @artifact, @sink, @unitId, @runId, @key, @physicalKey, @size, @sha256,
         @checksumAlgorithm, @checksum, @versionId, @keyId, @contentType, @artifactContentType, @storedKey, @at)
       ON CONFLICT (tenant, source, item_id, artifact, sink) DO UPDATE SET
         unit_id = excluded.unit_id, run_id = excluded.run_id, key = excluded.key, physical_key = excluded.physical_key,
         size = excluded.size, sha256 = excluded.sha256, checksum_algorithm = excluded.checksum_algorithm,
         checksum = excluded.checksum, version_id = excluded.version_id, key_id = excluded.key_id,
         content_type = excluded.content_type, artifact_content_type = excluded.artifact_content_type,
         stored_key = excluded.stored_key, stored_at = excluded.stored_at`,
    ),
    recordSent: db.prepare(
      `INSERT OR REPLACE INTO sent (tenant, source, item_id, unit_id, sink, sha256, size, checksum_algorithm, checksum,
         plain_sha256, key_id, content_type, run_id, sent_at)
       VALUES (@tenant, @source, @itemId, @unitId, @sink, @sha256, @size, @checksumAlgorithm, @checksum,
         @plainSha256, @keyId, @contentType, @runId, @at)`,
    ),
    trimSent: db.prepare(
      `DELETE FROM sent WHERE tenant = @tenant AND source = @source AND unit_id = @unitId AND sink = @sink
         AND sha256 NOT IN (SELECT sha256 FROM sent WHERE tenant = @tenant AND source = @source
           AND unit_id = @unitId AND sink = @sink ORDER BY sent_at DESC, rowid DESC LIMIT ${SENT_KEPT})`,
    ),
    sentObjects: db.prepare<[string, string, string, string], SentRow>(
      `SELECT unit_id, sink, sha256, size, checksum_algorithm, checksum, plain_sha256, key_id, content_type, run_id
       FROM sent WHERE tenant = ? AND source = ? AND unit_id = ? AND sink = ? ORDER BY sent_at DESC, rowid DESC`,
    ),
    clearSent: db.prepare('DELETE FROM sent WHERE tenant = ? AND source = ? AND unit_id = ? AND sink = ?'),
    settle: db.prepare(
      `UPDATE items SET status = @status, last_error = @error, retry_at = @retryAt, run_id = @runId, updated_at = @at,
         archived_at = CASE WHEN @status = 'archived' THEN @at ELSE archived_at END,
         note = CASE WHEN @status = 'archived' THEN @note ELSE note END,
         ack = CASE WHEN @status = 'archived' AND @acknowledge = 1 THEN 'pending' ELSE ack END,
         ack_attempts = CASE WHEN @status = 'archived' AND @acknowledge = 1 THEN 0 ELSE ack_attempts END
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
    // Objects of archived items that some sink holds and `sink` does not (a sink added later).
    lagging: db.prepare<
      {
        tenant: string;
        source: string;
        sink: string;
        afterItem: string;
        afterArtifact: string;
        limit: number;
      },
      { item_id: string; artifact: string }
    >(
      `SELECT DISTINCT o.item_id, o.artifact FROM objects o
       JOIN items i ON i.tenant = o.tenant AND i.source = o.source AND i.item_id = o.item_id AND i.status = 'archived'
       WHERE o.tenant = @tenant AND o.source = @source AND o.sink <> @sink
         AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.tenant = o.tenant AND p.source = o.source
                         AND p.item_id = o.item_id AND p.artifact = o.artifact AND p.sink = @sink)
         AND (o.item_id > @afterItem OR (o.item_id = @afterItem AND o.artifact > @afterArtifact))
       ORDER BY o.item_id, o.artifact LIMIT @limit`,
    ),
    countLagging: db.prepare<{ tenant: string; source: string; sink: string }, { n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT DISTINCT o.item_id, o.artifact FROM objects o
       JOIN items i ON i.tenant = o.tenant AND i.source = o.source AND i.item_id = o.item_id AND i.status = 'archived'
       WHERE o.tenant = @tenant AND o.source = @source AND o.sink <> @sink
         AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.tenant = o.tenant AND p.source = o.source
                         AND p.item_id = o.item_id AND p.artifact = o.artifact AND p.sink = @sink))`,
    ),
    counts: db.prepare<[string, string], { status: ItemStatus; n: number }>(
      "SELECT status, COUNT(*) AS n FROM items WHERE tenant = ? AND source = ? AND kind = 'item' GROUP BY status",
    ),
    addBatch: db.prepare(
      `INSERT INTO batches (tenant, source, batch_id, key, status, created_at, updated_at, record_name)
       VALUES (@tenant, @source, @batchId, @key, 'open', @at, @at, @recordName) ON CONFLICT (tenant, source, batch_id) DO NOTHING`,
    ),
    addBatchMembers: db.prepare(
      `INSERT OR REPLACE INTO batch_members (tenant, source, batch_id, position, item_id)
       SELECT @tenant, @source, @batchId, CAST(key AS INTEGER), value FROM json_each(@members)`,
    ),
    settleArchivedIn: db.prepare(
      `UPDATE items SET status = 'archived', last_error = NULL, retry_at = NULL, run_id = @runId, updated_at = @at,
         archived_at = @at, note = NULL,
         ack = CASE WHEN @acknowledge = 1 THEN 'pending' ELSE ack END,
         ack_attempts = CASE WHEN @acknowledge = 1 THEN 0 ELSE ack_attempts END
       WHERE tenant = @tenant AND source = @source AND item_id IN (SELECT value FROM json_each(@items))`,
    ),
    setBatchStatus: db.prepare(
      'UPDATE batches SET status = @status, updated_at = @at WHERE tenant = @tenant AND source = @source AND batch_id = @batchId',
    ),
    storedBatchItem: db.prepare(
      `INSERT INTO items (tenant, source, item_id, status, ref, attempts, run_id, first_seen_at, updated_at, archived_at, kind)
       VALUES (@tenant, @source, @itemId, 'archived', '{"id":"","data":{}}', 1, @runId, @at, @at, @at, 'batch')
       ON CONFLICT (tenant, source, item_id) DO UPDATE SET status = 'archived', run_id = excluded.run_id,
         updated_at = excluded.updated_at, archived_at = excluded.archived_at, kind = 'batch'`,
    ),
    batchOf: db.prepare<[string, string, string], { batch_id: string; key: string; status: string }>(
      BATCH_OF_SQL,
    ),
    batchMembers: db.prepare<[string, string, string], { item_id: string }>(
      'SELECT item_id FROM batch_members WHERE tenant = ? AND source = ? AND batch_id = ? ORDER BY position',
    ),
    getBatch: db.prepare<
      [string, string, string],
      { batch_id: string; key: string; status: string; size: number; record_name: string | null }
    >(
      `SELECT b.batch_id, b.key, b.status, b.record_name,
         (SELECT COUNT(*) FROM batch_members m WHERE m.tenant = b.tenant AND m.source = b.source AND m.batch_id = b.batch_id) AS size
       FROM batches b WHERE b.tenant = ? AND b.source = ? AND b.batch_id = ?`,
    ),
    batchMembersPage: db.prepare<
      { tenant: string; source: string; batchId: string; after: number; limit: number },
      { position: number; item_id: string }
    >(
      `SELECT position, item_id FROM batch_members
       WHERE tenant = @tenant AND source = @source AND batch_id = @batchId AND position > @after
       ORDER BY position LIMIT @limit`,
    ),
    batchAtKey: db.prepare<
      [string, string],
      {
        source: string;
        batch_id: string;
        key: string;
        status: string;
        size: number;
        record_name: string | null;
      }
    >(
      `SELECT b.source, b.batch_id, b.key, b.status, b.record_name,
         (SELECT COUNT(*) FROM batch_members m WHERE m.tenant = b.tenant AND m.source = b.source AND m.batch_id = b.batch_id) AS size
       FROM batches b WHERE b.tenant = ? AND b.key = ? ORDER BY b.created_at DESC LIMIT 1`,
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

  /** The read-only queries of `status` and `report`. */
  const statusQ = statusReads(db);

  const toObject = (o: ObjectRow): LedgerObject => ({
    artifact: o.artifact,
    sink: o.sink,
    unitId: o.unit_id,
    runId: o.run_id,
    key: o.key,
    physicalKey: o.physical_key,
    size: o.size,
    sha256: o.sha256,
    checksum: checksumFromColumn(o.checksum_algorithm, o.checksum),
    keyId: o.key_id,
    ...(o.content_type === null ? {} : { contentType: o.content_type }),
    ...(o.artifact_content_type === null ? {} : { artifactContentType: o.artifact_content_type }),
    ...(o.stored_key === null ? {} : { storedKey: o.stored_key }),
    ...(o.version_id === null ? {} : { versionId: o.version_id }),
  });

  const objectsOf = (tenant: string, source: string, itemId: string): LedgerObject[] =>
    q.objects.all(tenant, source, itemId).map(toObject);

  const toItem = (tenant: string, source: string, row: ItemRow): LedgerItem => ({
    itemId: row.item_id,
    status: row.status,
    ref: JSON.parse(row.ref) as ItemRef,
    attempts: row.attempts,
    runId: row.run_id,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.retry_at === null ? {} : { retryAt: row.retry_at }),
    objects: objectsOf(tenant, source, row.item_id),
    ...(row.note === null ? {} : { note: row.note }),
    ...(row.ack === null
      ? {}
      : {
          ack: {
            status: row.ack,
            attempts: row.ack_attempts,
            ...(row.ack_error === null ? {} : { lastError: row.ack_error }),
            ...(row.ack_retry_at === null ? {} : { retryAt: row.ack_retry_at }),
          },
        }),
  });

  /** A read-only connection for what is committed (opened on first use, closed with the ledger). */
  let reader: { db: Database.Database; statements: ReturnType<typeof readerStatements> } | undefined;
  const readerStatements = (rdb: Database.Database) => ({
    pendingAcks: rdb.prepare<
      { tenant: string; source: string; after: string; now: string; limit: number },
      { item_id: string; ref: string; ack_attempts: number }
    >(PENDING_ACKS_SQL),
    objects: rdb.prepare<[string, string, string], ObjectRow>(OBJECTS_SQL),
    batchOf: rdb.prepare<[string, string, string], { batch_id: string; key: string; status: string }>(
      BATCH_OF_SQL,
    ),
    ackDue: rdb.prepare<{ tenant: string; source: string; itemId: string; now: string }, { n: number }>(
      `SELECT COUNT(*) AS n FROM items WHERE tenant = @tenant AND source = @source AND item_id = @itemId
         AND ack = 'pending' AND (ack_retry_at IS NULL OR ack_retry_at <= @now)`,
    ),
  });
  const committedReader = () => {
    if (!reader) {
      const rdb = new Database(file, { readonly: true, fileMustExist: true });
      rdb.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      reader = { db: rdb, statements: readerStatements(rdb) };
    }
    return reader.statements;
  };

  const toBatchInfo = (row: {
    batch_id: string;
    key: string;
    status: string;
    size: number;
    record_name: string | null;
  }): BatchInfo => ({
    batchId: row.batch_id,
    key: row.key,
    status: row.status as LedgerBatch['status'],
    size: row.size,
    ...(row.record_name === null ? {} : { recordName: row.record_name }),
  });

  const toJob = (row: JobRow): LedgerJob => ({
    key: row.job_key,
    state: JSON.parse(row.state) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  // ---- group commit ----
  // Writes run at once inside one open transaction (each in its own savepoint, so a failing
  // write undoes only itself), and reads see them. The transaction is committed when a write
  // that must be durable was made in this turn of the event loop (after the turn, so every write
  // of the turn shares the commit), or at the latest COMMIT_WINDOW_MS after its first write.
  // A write that only needs to be ordered (an item begun, an object recorded) resolves at once:
  // it is durable no later than the next durable write, which commits it too. If a commit fails,
  // the ledger refuses every later call, so nothing can be recorded after writes that were lost.
  let open = false;
  let closed = false;
  let broken: Error | undefined;
  let commitScheduled = false;
  let windowTimer: NodeJS.Timeout | undefined;
  let waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let committed: Promise<void> = Promise.resolve();
  const wal = walSync(file);
  /** The WAL syncs under way (close waits for them). */
  let syncing: Promise<void> = Promise.resolve();

  const commit = (): void => {
    commitScheduled = false;
    if (windowTimer) clearTimeout(windowTimer);
    windowTimer = undefined;
    const settled = waiting;
    waiting = [];
    if (open) {
      try {
        db.exec('COMMIT');
        open = false;
      } catch (error) {
        broken = ledgerProblem(file, error);
        open = false;
        try {
          db.exec('ROLLBACK');
        } catch {
          // already rolled back by SQLite
        }
        for (const w of settled) w.reject(broken);
        return;
      }
    }
    if (settled.length === 0) return;
    // Durable once the WAL is on disk; the event loop goes on meanwhile. A sync that fails breaks
    // the ledger as a failed commit does.
    const synced = wal.sync().then(
      () => {
        for (const w of settled) w.resolve();
      },
      (error: unknown) => {
        broken ??= ledgerProblem(file, error);
        for (const w of settled) w.reject(broken);
      },
    );
    syncing = syncing.then(() => synced);
  };

  const scheduleCommit = (): void => {
    if (commitScheduled) return;
    commitScheduled = true;
    committed = new Promise((done) =>
      setTimeout(() => {
        commit();
        done();
      }, GROUP_COMMIT_DELAY_MS),
    );
  };

  const refuse = (): Error | undefined =>
    broken ??
    (closed
      ? new LedgerError(file, 'it was used after it was closed', 'this is a defect in cxarchive; report it')
      : undefined);

  /** A read of committed state, given once every commit it may have seen is on disk. */
  const afterSyncs = <T>(run: () => T): Promise<T> =>
    read(run).then(async (value) => {
      await syncing;
      if (broken) throw broken;
      return value;
    });

  /** Runs a read now (inside the open transaction when there is one, so it sees every write). */
  const read = <T>(run: () => T): Promise<T> => {
    const refused = refuse();
    if (refused) return Promise.reject(refused);
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(ledgerProblem(file, error));
    }
  };

  // Another connection (another run, \`cxarchive unlock\`) may hold the write lock for a moment.
  // Waiting for it must not block the event loop (it may be this process's own other connection),
  // so the transaction is begun without a busy wait and retried on a timer; writes made meanwhile
  // wait in order.
  let lockWaiters: (() => void)[] | undefined;

  const tryBegin = (): boolean => {
    db.pragma('busy_timeout = 0');
    try {
      db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return false;
      throw error;
    } finally {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  };

  const opened = (): void => {
    open = true;
    windowTimer = setTimeout(() => {
      if (!commitScheduled) commit();
    }, COMMIT_WINDOW_MS);
  };

  const waitForLock = (): void => {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    const attempt = () => {
      let began = false;
      try {
        began = tryBegin();
      } catch (error) {
        broken = ledgerProblem(file, error);
      }
      if (!began && !broken && Date.now() < deadline) {
        setTimeout(attempt, 10);
        return;
      }
      if (began) opened();
      else
        broken ??= new LedgerError(
          file,
          `another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000} s`,
          'run again when the other process is done',
        );
      const resume = lockWaiters ?? [];
      lockWaiters = undefined;
      for (const go of resume) go();
    };
    setTimeout(attempt, 10);
  };

  // One savepoint wrapper for every write (better-sqlite3 builds its wrappers anew on each
  // `db.transaction(fn)` call: a measurable cost per item).
  const inTransaction = db.transaction((run: () => unknown) => run());

  /** Runs a write now; `durable` writes resolve once committed, the others once applied. */
  /**
   * What beginning an item given its row (if any) comes to: the rule `beginItem` and `beginMany`
   * share. `undefined`: it is to be begun (written pending, its attempt counted).
   */
  const notToBegin = (row: BeginRow | undefined, runId: string, at: string): BeginResult | undefined => {
    // Begun (or settled) by this very run: listed twice, processed once.
    if (row && row.run_id === runId) return { state: 'duplicate' };
    if (row?.status === 'archived') return { state: 'archived' };
    if (row?.status === 'dropped') return { state: 'dropped' };
    if (row?.status === 'awaiting' && row.retry_at !== null && row.retry_at > at)
      return { state: 'awaiting', retryAt: row.retry_at };
    return undefined;
  };

  const begun = (tenant: string, source: string, itemId: string, row: BeginRow | undefined): BeginResult => ({
    state: 'begun',
    attempts: (row?.attempts ?? 0) + 1,
    // A new item has no objects yet: no query for them.
    objects: row === undefined ? [] : objectsOf(tenant, source, itemId),
  });

  const write = <T>(run: () => T, durable: boolean): Promise<T> => {
    const refused = refuse();
    if (refused) return Promise.reject(refused);
    if (lockWaiters)
      return new Promise<T>((resolve, reject) => {
        lockWaiters!.push(() => {
          write(run, durable).then(resolve, reject);
        });
      });
    let value: T;
    try {
      if (!open) {
        if (!tryBegin()) {
          lockWaiters = [];
          waitForLock();
          return write(run, durable);
        }
        opened();
      }
      value = inTransaction(run) as T;
    } catch (error) {
      return Promise.reject(ledgerProblem(file, error));
    }
    if (!durable) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      waiting.push({ resolve: () => resolve(value), reject });
      scheduleCommit();
    });
  };

  /** A lease that still holds: not expired, and not held by a process known to be gone. */
  const live = (current: LeaseRow | undefined, now: Date): boolean =>
    current !== undefined &&
    Date.parse(current.expires_at) > now.getTime() &&
    !(current.host === processHost() && !processAlive(current.pid));

  const acquire = (tenant: string, holder: LeaseHolder, now: Date): LeaseResult => {
    const current = q.getLease.get(tenant);
    let tookOverFrom: LeaseHolder | undefined;
    if (current) {
      if (live(current, now)) return { ok: false, holder: toHolder(current) };
      q.abandonRun.run(now.toISOString(), current.run_id);
      tookOverFrom = toHolder(current);
    }
    q.putLease.run(tenant, holder.runId, holder.pid, holder.host, holder.since, holder.expiresAt);
    return tookOverFrom ? { ok: true, tookOverFrom } : { ok: true };
  };

  return {
    file,
    getCheckpoint: (tenant, source) =>
      read(() => {
        const row = q.getCheckpoint.get(tenant, source);
        return row ? (JSON.parse(row.checkpoint) as Checkpoint) : undefined;
      }),
    setCheckpoint: (tenant, source, checkpoint, at) =>
      write(() => {
        q.setCheckpoint.run(tenant, source, JSON.stringify(checkpoint), at.toISOString());
      }, false),
    resetCheckpoint: (tenant, source) =>
      write(() => {
        q.resetCheckpoint.run(tenant, source);
      }, true),
    getItem: (tenant, source, itemId) =>
      read(() => {
        const row = q.getItem.get(tenant, source, itemId);
        return row ? toItem(tenant, source, row) : undefined;
      }),
    beginItem: (tenant, source, ref, runId, at) =>
      write((): BeginResult => {
        const row = q.getItem.get(tenant, source, ref.id);
        const iso = at.toISOString();
        const not = notToBegin(row, runId, iso);
        if (not) return not;
        q.begin.run({ tenant, source, itemId: ref.id, ref: JSON.stringify(ref), runId, at: iso });
        return begun(tenant, source, ref.id, row);
      }, false),
    beginMany: (tenant, source, refs, runId, at) =>
      write((): BeginResult[] => {
        if (refs.length === 0) return [];
        // One read for the page's known rows (most of a fresh listing has none), each item decided
        // in order as `beginItem` would (an id listed twice in the page is begun once), and those
        // to begin written in one statement.
        const known = new Map<string, BeginRow>();
        for (const row of q.beginRows.all(tenant, source, JSON.stringify(refs.map((r) => r.id))))
          known.set(row.item_id, row);
        const iso = at.toISOString();
        const toBegin: ItemRef[] = [];
        const decided = refs.map((ref): BeginResult | { readonly row: BeginRow | undefined } => {
          const row = known.get(ref.id);
          const not = notToBegin(row, runId, iso);
          if (not) return not;
          toBegin.push(ref);
          known.set(ref.id, {
            status: 'pending',
            attempts: (row?.attempts ?? 0) + 1,
            retry_at: null,
            run_id: runId,
          });
          return { row };
        });
        if (toBegin.length > 0)
          q.beginAll.run({ tenant, source, refs: JSON.stringify(toBegin), runId, at: iso });
        return decided.map((d, i) => ('state' in d ? d : begun(tenant, source, refs[i]!.id, d.row)));
      }, false),
    recordSent: (tenant, source, itemId, sent, at) =>
      write(() => {
        q.recordSent.run({
          tenant,
          source,
          itemId,
          unitId: sent.unitId,
          sink: sent.sink,
          sha256: sent.sha256,
          size: sent.size,
          checksumAlgorithm: sent.checksum.algorithm,
          checksum: checksumColumn(sent.checksum),
          plainSha256: sent.plainSha256,
          keyId: sent.keyId,
          contentType: sent.contentType,
          runId: sent.runId,
          at: at.toISOString(),
        });
        q.trimSent.run({ tenant, source, unitId: sent.unitId, sink: sent.sink });
      }, false),
    sentObjects: (tenant, source, unitId, sink) =>
      read(() =>
        q.sentObjects.all(tenant, source, unitId, sink).map(
          (row): SentObject => ({
            unitId: row.unit_id,
            sink: row.sink,
            sha256: row.sha256,
            size: row.size,
            checksum: checksumFromColumn(row.checksum_algorithm, row.checksum),
            plainSha256: row.plain_sha256,
            keyId: row.key_id,
            contentType: row.content_type,
            runId: row.run_id,
          }),
        ),
      ),
    recordObject: (tenant, source, itemId, o, at) =>
      write(() => {
        q.clearSent.run(tenant, source, o.unitId, o.sink);
        q.recordObject.run(objectRow(tenant, source, itemId, o, at));
      }, false),
    // Durable: the superseded object must never be forgotten while the new one is recorded.
    recordRewrapped: (tenant, source, itemId, o, replaced, at) =>
      write(() => {
        q.recordObject.run(objectRow(tenant, source, itemId, o, at));
        q.supersede.run({
          tenant,
          sink: replaced.sink,
          key: replaced.key,
          physicalKey: replaced.physicalKey,
          keyId: replaced.keyId,
          itemId,
          at: at.toISOString(),
        });
      }, true),
    // Only `archived` must be durable before the caller goes on (to acknowledge, to report it).
    settleItem: (tenant, source, itemId, settlement, runId, at) =>
      write(() => {
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
          note: settlement.status === 'archived' ? (settlement.note ?? null) : null,
          acknowledge: settlement.status === 'archived' && settlement.acknowledge === true ? 1 : 0,
        });
      }, settlement.status === 'archived'),
    // Read through a second, read-only connection: it sees what is committed only, never this
    // connection's open transaction, and the rows are given once the WAL syncs under way are done
    // (every commit read is then on disk), so an item is never acknowledged before its archiving
    // is durable (a crash could otherwise lose the settlement after the source was told).
    pendingAcks: (tenant, source, afterItemId, limit, now) =>
      afterSyncs(() => {
        const r = committedReader();
        const rows = r.pendingAcks.all({
          tenant,
          source,
          after: afterItemId ?? '',
          now: now.toISOString(),
          limit,
        });
        const last = rows.at(-1);
        const objects = (itemId: string) => r.objects.all(tenant, source, itemId).map(toObject);
        return {
          items: rows.map((row): PendingAck => {
            const batch = r.batchOf.get(tenant, source, row.item_id);
            return {
              ref: JSON.parse(row.ref) as ItemRef,
              objects: [
                ...objects(row.item_id),
                ...(batch?.status === 'stored' ? objects(batchItemId(batch.batch_id)) : []),
              ],
              attempts: row.ack_attempts,
            };
          }),
          ...(last && rows.length === limit ? { next: last.item_id } : {}),
        };
      }),
    ackDue: (tenant, source, itemId, now) =>
      read(() => committedReader().ackDue.get({ tenant, source, itemId, now: now.toISOString() })!.n > 0),
    // Durable: acknowledgements are read from what is committed (pendingAcks), and one recorded
    // must not be read as pending again.
    settleAck: (tenant, source, itemId, ack, at) =>
      write(() => {
        q.settleAck.run({
          tenant,
          source,
          itemId,
          ack: ack.status,
          error: ack.status === 'done' ? null : ack.error,
          retryAt: ack.status === 'pending' ? ack.retryAt.toISOString() : null,
          at: at.toISOString(),
        });
      }, true),
    ackCounts: (tenant, source) =>
      read(() => {
        const out = { pending: 0, refused: 0 };
        for (const row of q.ackCounts.all(tenant, source)) out[row.ack as 'pending' | 'refused'] = row.n;
        return out;
      }),
    sealBatch: (tenant, source, batch, members, at) =>
      write(() => {
        q.addBatch.run({
          tenant,
          source,
          batchId: batch.batchId,
          key: batch.key,
          at: at.toISOString(),
          recordName: batch.recordName ?? null,
        });
        q.addBatchMembers.run({ tenant, source, batchId: batch.batchId, members: JSON.stringify(members) });
        q.setBatchStatus.run({
          tenant,
          source,
          batchId: batch.batchId,
          status: 'sealed',
          at: at.toISOString(),
        });
      }, true),
    settleBatch: (tenant, source, batchId, status, runId, at) =>
      write(() => {
        q.setBatchStatus.run({ tenant, source, batchId, status, at: at.toISOString() });
        if (status === 'stored')
          q.storedBatchItem.run({
            tenant,
            source,
            itemId: batchItemId(batchId),
            runId,
            at: at.toISOString(),
          });
      }, true),
    // Items without a note are settled a statement at a time (one for those to acknowledge, one
    // for the others), the few with a note one by one.
    settleArchivedMany: (tenant, source, items, runId, at) =>
      write(() => {
        const plain = [[], []] as [string[], string[]];
        for (const item of items) {
          if (item.note === undefined) plain[item.acknowledge === true ? 1 : 0].push(item.itemId);
          else
            q.settle.run({
              tenant,
              source,
              itemId: item.itemId,
              status: 'archived',
              runId,
              at: at.toISOString(),
              error: null,
              retryAt: null,
              note: item.note,
              acknowledge: item.acknowledge === true ? 1 : 0,
            });
        }
        for (const acknowledge of [0, 1] as const)
          if (plain[acknowledge].length > 0)
            q.settleArchivedIn.run({
              tenant,
              source,
              runId,
              at: at.toISOString(),
              acknowledge,
              items: JSON.stringify(plain[acknowledge]),
            });
      }, true),
    batchObjects: (tenant, source, batchId) => read(() => objectsOf(tenant, source, batchItemId(batchId))),
    batchOf: (tenant, source, itemId) =>
      read(() => {
        const row = q.batchOf.get(tenant, source, itemId);
        if (!row) return undefined;
        return {
          batchId: row.batch_id,
          key: row.key,
          status: row.status as LedgerBatch['status'],
          members: q.batchMembers.all(tenant, source, row.batch_id).map((m) => m.item_id),
        };
      }),
    batchInfoOf: (tenant, source, itemId) =>
      read(() => {
        const row = q.batchOf.get(tenant, source, itemId);
        const info = row && q.getBatch.get(tenant, source, row.batch_id);
        return info ? toBatchInfo(info) : undefined;
      }),
    getBatch: (tenant, source, batchId) =>
      read(() => {
        const row = q.getBatch.get(tenant, source, batchId);
        return row ? toBatchInfo(row) : undefined;
      }),
    batchMembersPage: (tenant, source, batchId, afterPosition, limit) =>
      read(() => {
        const rows = q.batchMembersPage.all({ tenant, source, batchId, after: afterPosition ?? -1, limit });
        const last = rows.at(-1);
        return {
          members: rows.map((r) => ({ position: r.position, itemId: r.item_id })),
          ...(last && rows.length === limit ? { next: last.position } : {}),
        };
      }),
    batchAtKey: (tenant, key) =>
      read(() => {
        const row = q.batchAtKey.get(tenant, key);
        return row ? { source: row.source, ...toBatchInfo(row) } : undefined;
      }),
    getJob: (tenant, owner, key) =>
      read(() => {
        const row = q.getJob.get(tenant, owner, key);
        return row ? toJob(row) : undefined;
      }),
    putJob: (tenant, owner, key, state, at) =>
      write(() => {
        q.putJob.run({ tenant, owner, key, state: JSON.stringify(state), at: at.toISOString() });
      }, true),
    deleteJob: (tenant, owner, key) =>
      write(() => {
        q.deleteJob.run(tenant, owner, key);
      }, true),
    jobsPage: (tenant, owner, filter, afterKey, limit) =>
      read(() => {
        const rows = q.jobsPage.all({
          tenant,
          owner,
          prefix: filter.prefix ?? '',
          after: afterKey ?? '',
          limit,
        });
        const last = rows.at(-1);
        return {
          jobs: rows.map(toJob),
          ...(last && rows.length === limit ? { next: last.job_key } : {}),
        };
      }),
    unsettledPage: (tenant, source, runId, now, cursor, limit) =>
      read(() => {
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
    laggingPage: (tenant, source, sink, cursor, limit) =>
      read(() => {
        const rows = q.lagging.all({
          tenant,
          source,
          sink,
          afterItem: cursor?.itemId ?? '',
          afterArtifact: cursor?.artifact ?? '',
          limit,
        });
        const last = rows.at(-1);
        return {
          missing: rows.map((r) => ({
            itemId: r.item_id,
            artifact: r.artifact,
            held: objectsOf(tenant, source, r.item_id).filter((o) => o.artifact === r.artifact),
          })),
          ...(last && rows.length === limit
            ? { next: { itemId: last.item_id, artifact: last.artifact } }
            : {}),
        };
      }),
    objectsPage: (tenant, source, filter, cursor, limit) =>
      read(() => {
        const rows = q.objectsPage.all({
          tenant,
          source: source ?? null,
          sink: filter.sink ?? null,
          afterSource: cursor?.source ?? '',
          item: cursor?.itemId ?? '',
          artifact: cursor?.artifact ?? '',
          afterSink: cursor?.sink ?? '',
          limit,
        });
        const last = rows.at(-1);
        return {
          objects: rows.map((r) => ({ source: r.source, itemId: r.item_id, ...toObject(r) })),
          ...(last && rows.length === limit
            ? {
                next: { source: last.source, itemId: last.item_id, artifact: last.artifact, sink: last.sink },
              }
            : {}),
        };
      }),
    itemIdsInKeyRange: (tenant, source, range, afterItemId, limit) =>
      read(() => {
        const rows = q.itemIdsInKeyRange.all({
          tenant,
          source,
          from: range.from,
          before: range.before,
          after: afterItemId ?? '',
          limit,
        });
        const last = rows.at(-1);
        return {
          itemIds: rows.map((r) => r.item_id),
          ...(last && rows.length === limit ? { next: last.item_id } : {}),
        };
      }),
    knowsObject: (tenant, sink, key) => read(() => q.knowsObject.get({ tenant, sink, key })!.n > 0),
    countLagging: (tenant, source, sink) => read(() => q.countLagging.get({ tenant, source, sink })!.n),
    counts: (tenant, source) =>
      read(() => {
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
    // Read first: a run that holds the tenant keeps the write lock busy, and a second run must be
    // told at once who holds it, not wait for the lock.
    acquireLease: async (tenant, holder, now) => {
      const current = await read(() => q.getLease.get(tenant));
      if (current && live(current, now)) return { ok: false, holder: toHolder(current) };
      return write(() => acquire(tenant, holder, now), true);
    },
    renewLease: (tenant, runId, expiresAt) =>
      write(() => q.renewLease.run(expiresAt.toISOString(), tenant, runId).changes === 1, true),
    releaseLease: (tenant, runId) =>
      write(() => {
        q.dropLease.run(tenant, runId);
      }, true),
    breakLease: (tenant, at) =>
      write(() => {
        const current = q.getLease.get(tenant);
        if (!current) return undefined;
        q.dropLease.run(tenant, current.run_id);
        q.abandonRun.run(at.toISOString(), current.run_id);
        return toHolder(current);
      }, true),
    recordRun: (runId, tenant, startedAt) =>
      write(() => {
        q.recordRun.run(runId, tenant, startedAt.toISOString());
      }, true),
    finishRun: (runId, finishedAt, status, report) =>
      write(() => {
        q.finishRun.run(finishedAt.toISOString(), status, JSON.stringify(report), runId);
      }, true),
    recentRuns: (tenant, limit) => read(() => statusQ.recentRuns(tenant, limit)),
    getRun: (tenant, runId) => read(() => statusQ.getRun(tenant, runId)),
    failedPage: (tenant, source, afterItemId, limit) =>
      read(() => statusQ.failedPage(tenant, source, afterItemId, limit)),
    leaseHolder: (tenant) => read(() => statusQ.leaseHolder(tenant)),
    jobStateCounts: (tenant, owner) => read(() => statusQ.jobStateCounts(tenant, owner)),
    flush: async () => {
      const refused = refuse();
      if (refused) throw refused;
      await committed;
      if (open) commit();
      if (broken) throw broken;
    },
    close: async () => {
      if (closed) return;
      await committed;
      if (open && !broken) commit();
      await syncing;
      // What the last commit wrote without a durable waiter is put on disk too before closing.
      if (!broken)
        try {
          wal.syncNow();
        } catch {
          // No WAL (nothing was ever written): nothing to sync.
        }
      wal.close();
      closed = true;
      reader?.db.close();
      db.close();
    },
  };
};
