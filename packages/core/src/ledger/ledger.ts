import type { Checkpoint, Checksum, ItemRef, JsonObject, StoredObject } from '../plugin/types.js';

/**
 * - `pending`: begun, not settled (an interrupted run, or in flight);
 * - `awaiting`: not there yet at the source (a recording still processing), looked at again after `retryAt`;
 * - `archived`, `failed` (retried by the next run), `dropped` (by a transform).
 */
export type ItemStatus = 'pending' | 'awaiting' | 'archived' | 'failed' | 'dropped';

/** An object one sink holds for an item, as the ledger records it. */
export interface LedgerObject extends StoredObject {
  /** Identifies the key that protects the object (never key material). */
  readonly keyId: string;
  /** The unit the object was made from (`<itemId>/<artifact>` for an artifact). */
  readonly unitId: string;
  /** The run that stored (or adopted) it. */
  readonly runId: string;
  /** The stored object's content type (what the codec made), when recorded. */
  readonly contentType?: string;
  /**
   * The artifact's own content type, as the codec bound it into the object's context (decoding
   * needs it back). Absent when the artifact had none, or the object was recorded before the
   * ledger kept it.
   */
  readonly artifactContentType?: string;
  /**
   * The key the object is stored under when it is not `key` (which stays the key bound into its
   * context): a rewrapped object sits beside the original (`keys rewrap`). Use `storedKeyOf`.
   */
  readonly storedKey?: string;
}

/** The logical key to give the sink for `object` (its `storedKey`, else its `key`). */
export const storedKeyOf = (object: Pick<LedgerObject, 'key' | 'storedKey'>): string =>
  object.storedKey ?? object.key;

/** An object a rewrap replaced: still in the sink (deleting is the operator's call), known, not current. */
export interface SupersededObject {
  readonly sink: string;
  /** The logical key it is stored under. */
  readonly key: string;
  readonly physicalKey: string;
  readonly keyId: string;
}

/** An object with the item it belongs to, as a scan of the ledger gives it. */
export interface ItemObject extends LedgerObject {
  /** The source the item came from (a tenant may hold items of several: `migrate --legacy`). */
  readonly source: string;
  readonly itemId: string;
}

/** Where a scan of the objects ended: the last object given, in (source, item, artifact, sink) order. */
export interface ObjectCursor {
  readonly source: string;
  readonly itemId: string;
  readonly artifact: string;
  readonly sink: string;
}

/** A range of logical object keys: from `from` (included) to `before` (excluded). */
export interface KeyRange {
  readonly from: string;
  readonly before: string;
}

/**
 * What the runtime sent one sink for one unit, written as the last byte leaves and before the store
 * confirms. After a crash between the store's commit and `recordObject`, the next attempt finds the
 * object exists and compares the store's own checksum with these, instead of downloading and
 * decoding the whole object.
 */
export interface SentObject {
  readonly unitId: string;
  readonly sink: string;
  readonly size: number;
  readonly sha256: string;
  /** In the form the store is expected to report it (whole, or a composite over its parts). */
  readonly checksum: Checksum;
  /** SHA-256 of the plaintext that was encoded: the source's data, to tell whether it changed since. */
  readonly plainSha256: string;
  readonly keyId: string;
  readonly contentType: string;
  readonly runId: string;
}

/** An object of an archived item that `sink` lacks, with what the other sinks hold of it. */
export interface MissingObject {
  readonly itemId: string;
  readonly artifact: string;
  /** The same object on the sinks that hold it. */
  readonly held: readonly LedgerObject[];
}

/**
 * Where telling the source that an item is archived stands (`Source.acknowledge`, e.g. a write-back
 * to CXone): `pending` until the source took it (`done`), or refused it for good (`refused`). It
 * never changes the item's own status: the ledger is the record, the acknowledgement a mirror.
 */
export interface AckState {
  readonly status: 'pending' | 'done' | 'refused';
  /** Acknowledgements tried so far. */
  readonly attempts: number;
  readonly lastError?: string;
  /** Not to be tried again before this (after a failure that may pass). */
  readonly retryAt?: string;
}

export type AckSettlement =
  | { readonly status: 'done' }
  | { readonly status: 'refused'; readonly error: string }
  | { readonly status: 'pending'; readonly error: string; readonly retryAt: Date };

/** An archived item whose acknowledgement is due, with what the source is told. */
export interface PendingAck {
  readonly ref: ItemRef;
  readonly objects: readonly LedgerObject[];
  /** Acknowledgements tried before. */
  readonly attempts: number;
}

/**
 * A batch of records (the `batch` record layout): many items' records in one object. Its members
 * are written before it is stored, so a retry re-forms exactly the same batch under the same key.
 * - `sealed`: its members are fixed and it is being (or was being) stored: a retry re-forms it;
 * - `stored`: every sink holds it (its objects are recorded under `batchItemId(batchId)`);
 * - `abandoned`: it could not be re-formed (a member could not be prepared again, or the store holds
 *   other content at its key); its members join new batches.
 */
export type BatchStatus = 'sealed' | 'stored' | 'abandoned';

export interface LedgerBatch {
  readonly batchId: string;
  /** The logical object key. */
  readonly key: string;
  readonly status: BatchStatus;
  /** Item ids in the order their records are in the object. */
  readonly members: readonly string[];
}

/** A batch without its members, and how many it has. */
export interface BatchInfo {
  readonly batchId: string;
  readonly key: string;
  readonly status: BatchStatus;
  readonly size: number;
  /** The source's `recordName` when the batch was formed: its records restore as `<recordName>.json`. */
  readonly recordName?: string;
}

/** One member of a batch: its position (its line, from 0) and its item id. */
export interface BatchMemberRow {
  readonly position: number;
  readonly itemId: string;
}

/** The ledger id under which a batch's objects are recorded (a reserved item id of kind `batch`). */
export const batchItemId = (batchId: string): string => `#batch:${batchId}`;
/** Whether an item id is reserved for batches (a source may not use it). */
export const isBatchItemId = (itemId: string): boolean => itemId.startsWith('#batch:');
/** The batch id of a reserved batch item id (`#batch:<batchId>`); undefined for any other id. */
export const batchIdOf = (itemId: string): string | undefined =>
  isBatchItemId(itemId) ? itemId.slice('#batch:'.length) : undefined;

/** A durable job a plugin keeps in the ledger (an asynchronous export or download it submitted). */
export interface LedgerJob {
  readonly key: string;
  readonly state: JsonObject;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface LedgerItem {
  readonly itemId: string;
  readonly status: ItemStatus;
  readonly ref: ItemRef;
  readonly attempts: number;
  readonly lastError?: string;
  readonly retryAt?: string;
  readonly runId: string;
  readonly objects: readonly LedgerObject[];
  /** A remark the source made about an archived item (e.g. why it has no recording). */
  readonly note?: string;
  /** Set when the source is (or was) to be told the item is archived. */
  readonly ack?: AckState;
}

/** What `beginItem` found, and did. */
export type BeginResult =
  /** Begun now (marked pending, attempt counted); `objects` are what sinks already hold for it. */
  | { readonly state: 'begun'; readonly attempts: number; readonly objects: readonly LedgerObject[] }
  /** Already begun in this run (listed twice): process it once. */
  | { readonly state: 'duplicate' }
  | { readonly state: 'archived' }
  | { readonly state: 'dropped' }
  /** Not there yet at the source; not to be looked at before `retryAt`. */
  | { readonly state: 'awaiting'; readonly retryAt: string };

export type Settlement =
  | {
      readonly status: 'archived';
      /** The source is to be told (it has `acknowledge`): the acknowledgement starts `pending`. */
      readonly acknowledge?: boolean;
      readonly note?: string;
    }
  | { readonly status: 'dropped' }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'awaiting'; readonly reason: string; readonly retryAt: Date };

/** Where in the list of unsettled items a page ended. */
export interface UnsettledCursor {
  readonly firstSeenAt: string;
  readonly itemId: string;
}

export interface LeaseHolder {
  readonly runId: string;
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly expiresAt: string;
}

export type LeaseResult =
  | { readonly ok: true; readonly tookOverFrom?: LeaseHolder }
  | { readonly ok: false; readonly holder: LeaseHolder };

/** A run as the `runs` table records it. */
export interface LedgerRun {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** `running`, `abandoned`, or the status of the report the run finished with. */
  readonly status: string;
  /** From the report the run recorded; absent while it runs, or when it was abandoned. */
  readonly counts?: {
    readonly archived: number;
    readonly failed: number;
    readonly awaiting: number;
    readonly skipped: number;
  };
}

/** A run with the report it recorded, as JSON text (absent when it did not finish). */
export interface LedgerRunRecord extends LedgerRun {
  readonly report?: string;
}

/** A failed item as the ledger holds it: its last error and the run that failed it. */
export interface FailedItem {
  readonly itemId: string;
  readonly attempts: number;
  readonly lastError?: string;
  readonly runId: string;
  readonly updatedAt: string;
}

/**
 * The record of truth: what is archived, what failed, where each source stands. Every method is
 * async so a networked store (PostgreSQL) can implement it. Writes apply in the order they were
 * made and may be grouped into one transaction. A write that others depend on — `settleItem` with
 * `archived`, the lease, the `runs` rows, `resetCheckpoint` — resolves only once it is durable;
 * the others (an item begun, an object recorded, a failure, the checkpoint) resolve once applied
 * and become durable with the next durable write (or `flush`), never after a later one. A store
 * that loses a commit refuses every later call, so nothing is recorded on top of lost writes.
 */
export interface Ledger {
  readonly file: string;
  getCheckpoint(tenant: string, source: string): Promise<Checkpoint | undefined>;
  setCheckpoint(tenant: string, source: string, checkpoint: Checkpoint, at: Date): Promise<void>;
  /** Forgets the checkpoint (a backfill from `since`). */
  resetCheckpoint(tenant: string, source: string): Promise<void>;
  getItem(tenant: string, source: string, itemId: string): Promise<LedgerItem | undefined>;
  /**
   * Begins an item in this run, unless it is archived or dropped, already begun in this run, or
   * awaiting and not due: one atomic read-and-write, so an item listed twice is processed once.
   */
  beginItem(tenant: string, source: string, ref: ItemRef, runId: string, at: Date): Promise<BeginResult>;
  /**
   * `beginItem` for a page of items in one write (one read of their rows, not one per item): the
   * results in the order of `refs`. An id listed twice is begun once (the second is `duplicate`).
   */
  beginMany(
    tenant: string,
    source: string,
    refs: readonly ItemRef[],
    runId: string,
    at: Date,
  ): Promise<BeginResult[]>;
  /**
   * Notes what was sent to a sink for a unit (not durable on its own: committed with the next
   * commit). Only the latest few per unit and sink are kept; `recordObject` clears them.
   */
  recordSent(tenant: string, source: string, itemId: string, sent: SentObject, at: Date): Promise<void>;
  /** What was sent to `sink` for `unitId` and is not recorded as stored yet, newest first. */
  sentObjects(tenant: string, source: string, unitId: string, sink: string): Promise<readonly SentObject[]>;
  /** Records one object one sink holds, verified, as soon as it is stored. */
  recordObject(tenant: string, source: string, itemId: string, object: LedgerObject, at: Date): Promise<void>;
  settleItem(
    tenant: string,
    source: string,
    itemId: string,
    settlement: Settlement,
    runId: string,
    at: Date,
  ): Promise<void>;
  /**
   * One page of the items earlier runs left pending or failed, and awaiting items that are due,
   * oldest first, after `cursor`; items begun by `runId` are left out.
   */
  unsettledPage(
    tenant: string,
    source: string,
    runId: string,
    now: Date,
    cursor: UnsettledCursor | undefined,
    limit: number,
  ): Promise<{ refs: ItemRef[]; next?: UnsettledCursor }>;
  counts(tenant: string, source: string): Promise<Record<ItemStatus, number>>;
  /**
   * One page of archived items whose acknowledgement is pending and due at `now`, in item id order
   * after `afterItemId`; `next` is set when there may be more. Only what is committed counts: an
   * item whose archiving is not durable yet is not given.
   */
  pendingAcks(
    tenant: string,
    source: string,
    afterItemId: string | undefined,
    limit: number,
    now: Date,
  ): Promise<{ items: PendingAck[]; next?: string }>;
  /** Whether an item's acknowledgement is pending and due at `now`, as committed. */
  ackDue(tenant: string, source: string, itemId: string, now: Date): Promise<boolean>;
  /** Records how an acknowledgement went (counted as one attempt), durably; the item stays archived. */
  settleAck(tenant: string, source: string, itemId: string, ack: AckSettlement, at: Date): Promise<void>;
  /** Acknowledgements still pending (due or not) and refused for good. */
  ackCounts(tenant: string, source: string): Promise<{ pending: number; refused: number }>;
  /**
   * Writes a batch with all its members, in order, and seals it, in one durable write: its members
   * are fixed before its upload starts.
   */
  sealBatch(
    tenant: string,
    source: string,
    batch: { readonly batchId: string; readonly key: string; readonly recordName?: string },
    members: readonly string[],
    at: Date,
  ): Promise<void>;
  /**
   * Marks a batch `stored` (durable: its members are settled after it) or `abandoned`. A stored
   * batch gets an item row of kind `batch` (archived), so its objects are synced and verified.
   */
  settleBatch(
    tenant: string,
    source: string,
    batchId: string,
    status: 'stored' | 'abandoned',
    runId: string,
    at: Date,
  ): Promise<void>;
  /**
   * Settles many items `archived` in one write (the members of a stored batch), durable before it
   * resolves; each may carry its acknowledgement mark and note, as `settleItem` does.
   */
  settleArchivedMany(
    tenant: string,
    source: string,
    items: readonly { readonly itemId: string; readonly acknowledge?: boolean; readonly note?: string }[],
    runId: string,
    at: Date,
  ): Promise<void>;
  /** The objects recorded for a batch (under `batchItemId(batchId)`), whatever its status. */
  batchObjects(tenant: string, source: string, batchId: string): Promise<LedgerObject[]>;
  /** The newest batch holding `itemId` that is not abandoned, with its members in order. */
  batchOf(tenant: string, source: string, itemId: string): Promise<LedgerBatch | undefined>;
  /** `batchOf` without the members: the newest batch holding `itemId` that is not abandoned. */
  batchInfoOf(tenant: string, source: string, itemId: string): Promise<BatchInfo | undefined>;
  /** A batch by its id (without its members: `batchMembersPage` pages through them). */
  getBatch(tenant: string, source: string, batchId: string): Promise<BatchInfo | undefined>;
  /** One page of a batch's members in the order their records are in the object, after `afterPosition`. */
  batchMembersPage(
    tenant: string,
    source: string,
    batchId: string,
    afterPosition: number | undefined,
    limit: number,
  ): Promise<{ members: BatchMemberRow[]; next?: number }>;
  /**
   * The batch whose logical object key is `key`, of any source of the tenant (what `verify` says
   * of an object the ledger has no object row for: an abandoned batch's). Undefined when none.
   */
  batchAtKey(tenant: string, key: string): Promise<(BatchInfo & { readonly source: string }) | undefined>;
  /** The job `owner` (a plugin's label) keeps under `key`. */
  getJob(tenant: string, owner: string, key: string): Promise<LedgerJob | undefined>;
  /** Records (or replaces) a job; resolves once durable, so a crash after it never loses the job. */
  putJob(tenant: string, owner: string, key: string, state: JsonObject, at: Date): Promise<void>;
  /** Forgets a job (durable). */
  deleteJob(tenant: string, owner: string, key: string): Promise<void>;
  /** One page of `owner`'s jobs in key order after `afterKey`, those under `prefix` when given. */
  jobsPage(
    tenant: string,
    owner: string,
    filter: { readonly prefix?: string },
    afterKey: string | undefined,
    limit: number,
  ): Promise<{ jobs: LedgerJob[]; next?: string }>;
  /**
   * One page of the objects of archived items that some sink holds and `sink` does not (a sink
   * added to a pipeline after items were archived), after `cursor`.
   */
  laggingPage(
    tenant: string,
    source: string,
    sink: string,
    cursor: { readonly itemId: string; readonly artifact: string } | undefined,
    limit: number,
  ): Promise<{ missing: MissingObject[]; next?: { itemId: string; artifact: string } }>;
  /**
   * One page of every object the ledger records for the tenant (and `source`, when given; every
   * source's otherwise), whatever the item's status, in (source, item, artifact, sink) order after
   * `cursor`; only `sink`'s when given.
   */
  objectsPage(
    tenant: string,
    source: string | undefined,
    filter: { readonly sink?: string },
    cursor: ObjectCursor | undefined,
    limit: number,
  ): Promise<{ objects: ItemObject[]; next?: ObjectCursor }>;
  /** One page of the ids of items with an object whose logical key is in `range`, in id order after `afterItemId`. */
  itemIdsInKeyRange(
    tenant: string,
    source: string,
    range: KeyRange,
    afterItemId: string | undefined,
    limit: number,
  ): Promise<{ itemIds: string[]; next?: string }>;
  /**
   * Whether the ledger records an object of the tenant (any source) stored at logical `key` on
   * `sink`: a current one, or one a rewrap superseded.
   */
  knowsObject(tenant: string, sink: string, key: string): Promise<boolean>;
  /**
   * Records the rewrapped `object` (its new stored key, key id, size and checksums) in place of
   * the row it replaces, and notes what it replaced as superseded, in one write.
   */
  recordRewrapped(
    tenant: string,
    source: string,
    itemId: string,
    object: LedgerObject,
    replaced: SupersededObject,
    at: Date,
  ): Promise<void>;
  /** How many objects `laggingPage` would give in all. */
  countLagging(tenant: string, source: string, sink: string): Promise<number>;
  /**
   * Takes the tenant's run lease, or says who holds it. An expired lease, or one whose holder
   * process is gone on this host, is taken over and its run marked `abandoned`.
   */
  acquireLease(tenant: string, holder: LeaseHolder, now: Date): Promise<LeaseResult>;
  /** Extends the lease; false when this run no longer holds it (it was taken over). */
  renewLease(tenant: string, runId: string, expiresAt: Date): Promise<boolean>;
  releaseLease(tenant: string, runId: string): Promise<void>;
  /** Removes the lease whoever holds it (`cxarchive unlock`); returns the holder it removed. */
  breakLease(tenant: string, at: Date): Promise<LeaseHolder | undefined>;
  recordRun(runId: string, tenant: string, startedAt: Date): Promise<void>;
  finishRun(runId: string, finishedAt: Date, status: string, report: unknown): Promise<void>;
  /** The tenant's latest runs, newest first (read-only: `cxarchive status`). */
  recentRuns(tenant: string, limit: number): Promise<LedgerRun[]>;
  /** One run of the tenant with the report it recorded, if any (read-only: `cxarchive report`). */
  getRun(tenant: string, runId: string): Promise<LedgerRunRecord | undefined>;
  /** One page of the failed items in item id order after `afterItemId`, with their last error (read-only). */
  failedPage(
    tenant: string,
    source: string,
    afterItemId: string | undefined,
    limit: number,
  ): Promise<{ items: FailedItem[]; next?: string }>;
  /** Who holds the tenant's run lease, expired or not; undefined when nobody does (read-only). */
  leaseHolder(tenant: string): Promise<LeaseHolder | undefined>;
  /** How many jobs `owner` keeps, by the `state` field of their state (read-only). */
  jobStateCounts(tenant: string, owner: string): Promise<Record<string, number>>;
  /** Waits until every write made so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
