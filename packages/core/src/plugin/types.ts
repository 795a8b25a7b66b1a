import type { Readable } from 'node:stream';
import type { Result, ResultAsync } from 'neverthrow';
import type { PluginError } from './errors.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a source is in its change feed. Opaque to the runtime, persisted verbatim in the ledger. */
export type Checkpoint = JsonObject;

/**
 * A reference to one item a source listed. The ledger stores it, so a failed or interrupted item
 * can be fetched again in a later run without re-listing. It must be JSON-serialisable and hold
 * **ids and cursors only** (what `fetch` needs to find the item again), never interaction content:
 * the ledger is not encrypted.
 */
export interface ItemRef {
  readonly id: string;
  readonly data: JsonObject;
}

/** One page of a source's listing, with the checkpoint that holds once every item in it is settled. */
export interface Page {
  readonly items: readonly ItemRef[];
  readonly checkpoint: Checkpoint;
  /**
   * Optional: how many items the whole listing holds, as the source's API tells it (an estimate:
   * the API may count items the source then leaves out). Shown as the progress total.
   */
  readonly total?: number;
}

/**
 * A window of the source's own dates to list instead of resuming from the checkpoint (`run
 * --since/--until`): from `since` (inclusive) to `until` (exclusive; absent: as far as the source
 * lists now).
 */
export interface ListingWindow {
  readonly since: Date;
  readonly until?: Date;
}

/** How `Source.pages` is asked to list, beyond the checkpoint. */
export interface PageOptions {
  /** List this window instead of resuming from the checkpoint (only a source with `window`). */
  readonly window?: ListingWindow;
  /**
   * Only list (`cxarchive plan`): start nothing at the source that a run would start with the
   * listing (such as requests that prepare downloads); the pages are read and thrown away.
   */
  readonly preview?: boolean;
}

/** What a listing queries, in the source's own terms, for operators (`run` and `plan` print it). */
export interface QueriedWindow {
  /** ISO 8601: the first instant listed. */
  readonly from: string;
  /** ISO 8601: the last instant listed (items later than this are left for a later run). */
  readonly to: string;
  /** Which date of an item the window is of, e.g. `lastUpdateTime`. */
  readonly field: string;
}

/** A lazily opened byte stream belonging to an item (a recording). Opening it again starts from byte 0. */
export interface Artifact {
  /** File-like name, `[A-Za-z0-9._-]`, unique within the item, e.g. `recording.wav`. */
  readonly name: string;
  readonly contentType?: string;
  readonly size?: number;
  /**
   * Opens the bytes. A failure while they flow destroys the stream with a `PluginFailure`.
   * When `signal` aborts, the stream is destroyed and any connection behind it released.
   */
  open(signal: AbortSignal): ResultAsync<Readable, PluginError>;
}

export interface Item {
  readonly id: string;
  /** When the interaction happened (for CXone: the contact start); dates the object keys. */
  readonly occurredAt: Date;
  /** The metadata record, archived as `{recordName}.json`. */
  readonly record: JsonObject;
  readonly artifacts: readonly Artifact[];
  /**
   * A short remark on the item as archived, for the operator: e.g. that it was archived without a
   * recording, and why. It goes to the ledger, the `item.archived` event and the run report (the
   * first ones in full), so it must hold ids and reasons only, never interaction content.
   */
  readonly note?: string;
}

/** Checksum algorithms a store can verify server-side. Values are lowercase hex. */
export type ChecksumAlgorithm = 'sha256' | 'sha1' | 'md5' | 'crc32' | 'crc32c' | 'crc64nvme';

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Lowercase hex of the digest (big-endian for CRCs). */
  readonly value: string;
  /**
   * Set when `value` is a composite over parts, as S3 reports a multipart object (its ETag, or a
   * COMPOSITE checksum): the digest of the concatenated binary digests of `parts` parts, each
   * `Sink.checksumPartSize` bytes but the last. Absent: the digest of the whole object.
   */
  readonly parts?: number;
}

/** One object one sink holds, as the runtime recorded it. */
export interface StoredObject {
  readonly artifact: string;
  readonly sink: string;
  /** The logical key (without the sink's prefix): what the codec bound into the object. */
  readonly key: string;
  /** Where the sink put it (prefix included): what `get` on the store itself takes. */
  readonly physicalKey: string;
  readonly size: number;
  /** Hex SHA-256 of the stored bytes, computed by the runtime as it sent them. */
  readonly sha256: string;
  /** The checksum the store itself reported and the runtime compared. */
  readonly checksum: Checksum;
  readonly versionId?: string;
}

export type Outcome =
  | { readonly status: 'archived'; readonly objects: readonly StoredObject[] }
  | { readonly status: 'failed'; readonly reason: string };

/** Limits a plugin declares; the runtime enforces them. */
export interface PluginLimits {
  /** Most operations in flight at once against this plugin. */
  readonly maxInFlight?: number;
}

/**
 * What a plugin's health check found (`cxarchive validate --connect`): short lines for people
 * (never a secret, a signed URL or content), and for a codec the ids of the keys it holds.
 */
export interface CheckResult {
  /** What was checked and how it went, one short line each ("token obtained", "listed 1 contact"). */
  readonly checked: readonly string[];
  /**
   * A codec's key ids (never key material): `write` for the key new objects get, `read` for every
   * fixed key it opens objects with (the write key included). A key that is derived per run (a
   * passphrase under a fresh salt) has no fixed id and is left out; `derived` says there is one.
   */
  readonly keyIds?: { readonly write?: string; readonly read: readonly string[]; readonly derived?: boolean };
}

/**
 * The optional health check every plugin instance may offer: proves, with the configured
 * credentials and as few calls as it can, that the plugin can do its work (a token and a one-item
 * listing, a `head` of a key that does not exist, a key that loads), changing nothing. An `Err`
 * says what failed and what to do. A codec's check is local (no network): `validate` runs it
 * without `--connect`.
 */
export type HealthCheck = (signal: AbortSignal) => ResultAsync<CheckResult, PluginError>;

export interface Source {
  readonly limits?: PluginLimits;
  /** Base name of the metadata object (`contact` → `contact.json`). Defaults to `record`. */
  readonly recordName?: string;
  /**
   * Lists what changed after `checkpoint` (or from the configured start), one page at a time.
   * Stops (returns) when `signal` aborts. `options` is optional for a source to honour: `window`
   * only for a source with `window`, `preview` by any source that starts work while listing.
   */
  pages(
    checkpoint: Checkpoint | undefined,
    signal: AbortSignal,
    options?: PageOptions,
  ): AsyncIterable<Result<Page, PluginError>>;
  /**
   * Optional: what `pages(checkpoint, signal, { window })` would query now. A source that has it
   * lists `window` when `pages` is given one (ignoring `checkpoint`); its pages' checkpoints are
   * then not stored. A source without it cannot list a window (`run --since` refuses it).
   */
  window?(checkpoint: Checkpoint | undefined, window?: ListingWindow): Result<QueriedWindow, PluginError>;
  /**
   * Optional: the reference of an item known by its id alone (`run --item`), for a source whose
   * `fetch` can find an item without what its listing put in the reference. Invalid ids fail with
   * `InvalidInput`.
   */
  refOf?(id: string): Result<ItemRef, PluginError>;
  fetch(ref: ItemRef, signal: AbortSignal): ResultAsync<Item, PluginError>;
  /** Optional health check (see HealthCheck). */
  check?: HealthCheck;
  /** Told once the item is settled in the ledger (never before). Best-effort: a failure is logged. */
  acknowledge?(ref: ItemRef, outcome: Outcome, signal: AbortSignal): ResultAsync<void, PluginError>;
  close?(): Promise<void>;
}

/**
 * A transform's answer that drops an item, with why (`dropItem(reason)`): the item is skipped, and
 * the run report counts skipped items by reason. The reason is shown to operators: rule names and
 * ids, never record content.
 */
export interface Dropped {
  readonly dropped: true;
  readonly reason: string;
}

export interface Transform {
  /**
   * Returns the changed item, or drops it: `dropItem(reason)` (or null, without a reason); a
   * dropped item is counted as skipped. Must keep `item.id`.
   */
  apply(item: Item, signal: AbortSignal): ResultAsync<Item | Dropped | null, PluginError>;
  /** Optional health check (see HealthCheck). */
  check?: HealthCheck;
  close?(): Promise<void>;
}

/**
 * What an object is: bound into it by `encode`, and required in full by `decode`, which fails on
 * any difference ("context mismatch"). A decode without the full expected context is a defect.
 */
export interface CodecContext {
  readonly tenant: string;
  /** The logical object key (without any sink prefix). */
  readonly objectKey: string;
  readonly itemId: string;
  readonly artifact: string;
  readonly contentType?: string;
}

export interface Encoded {
  readonly stream: Readable;
  /** Identifies the key that protects the object (never key material). */
  readonly keyId: string;
  readonly contentType: string;
}

export interface Codec {
  /** Appended to every object key, e.g. `.cxar`. */
  readonly extension: string;
  encode(input: Readable, ctx: CodecContext, signal: AbortSignal): ResultAsync<Encoded, PluginError>;
  /**
   * Header problems (format, key, context) fail the Result; a failure later in the body
   * (authentication, truncation) destroys the returned stream with a `PluginFailure`.
   */
  decode(input: Readable, ctx: CodecContext, signal: AbortSignal): ResultAsync<Readable, PluginError>;
  /** Optional health check (see HealthCheck). */
  check?: HealthCheck;
  close?(): Promise<void>;
}

/** Object-lock style retention: the store refuses to delete or overwrite the object before `until`. */
export interface Retention {
  readonly mode: 'governance' | 'compliance';
  readonly until: Date;
}

export interface PutOptions {
  /** Aborts the upload: the sink must leave no object, no temp file and no open multipart upload. */
  readonly signal: AbortSignal;
  /** Exact body length when known in advance (absent for streamed encodings). */
  readonly size?: number;
  readonly contentType: string;
  /** Plain ASCII key/value pairs stored with the object (never secrets, never PII). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Present only when the sink declared `retention` in its capabilities and the pipeline asks for it. */
  readonly retention?: Retention;
  /**
   * Present for a sink that declared `checksumPartSize`: the runtime's own digest of part
   * `partNumber` of the body (1-based; every part `checksumPartSize` bytes but the last), in the
   * algorithm the runtime verifies this sink with, as lowercase hex. It is known once the runtime
   * has hashed that whole part, which is at the latest when the sink has read a byte past the part
   * or the body's end; undefined before that, and for a part the body does not reach. A sink may send
   * it to a store that checks what it receives (S3's Content-MD5) instead of hashing the bytes a
   * second time. It is never what `Stored.checksum` reports: that still comes from the store.
   */
  readonly partDigest?: (partNumber: number) => string | undefined;
}

/**
 * What the store says it holds after a put. `checksum` must come from the store (a server-side
 * checksum, or a read-back of the stored bytes), never from hashing what the sink sent: the runtime
 * compares it with its own hash of the bytes it handed over.
 */
export interface Stored {
  /** The physical key: the sink's prefix included. */
  readonly key: string;
  readonly size: number;
  readonly checksum: Checksum;
  readonly versionId?: string;
}

export interface StoredInfo {
  /** The physical key. */
  readonly key: string;
  readonly size: number;
  readonly checksum?: Checksum;
  readonly versionId?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One object a sink's `list` found. */
export interface ListedObject {
  /** The logical key: the sink's own prefix removed (what `head` and `get` take). */
  readonly key: string;
  /** Where the store holds it: the sink's prefix included (what `Stored.key` reported). */
  readonly physicalKey: string;
  /** Its size in bytes, as the store reports it. */
  readonly size: number;
}

/** One page of a sink's `list`. */
export interface ListPage {
  /** At most 1000 objects, in lexicographic key order where the store gives that; possibly none. */
  readonly objects: readonly ListedObject[];
  /**
   * Present while more objects may follow: an opaque continuation token, passed back as
   * `ListOptions.after` for the next page. Absent on the last page.
   */
  readonly next?: string;
}

export interface ListOptions {
  /** Aborts the listing: the call fails promptly (Transient). */
  readonly signal: AbortSignal;
  /** The `next` of the previous page; absent for the first page. */
  readonly after?: string;
}

export interface SinkCapabilities {
  /** The sink honours `PutOptions.retention`. */
  readonly retention?: boolean;
}

export interface Sink {
  readonly limits?: PluginLimits;
  /**
   * Checksum algorithms the store verifies or reports server-side, best first; the runtime computes
   * the first one it supports over the bytes it sends and compares it with `Stored.checksum`.
   */
  readonly checksums: readonly ChecksumAlgorithm[];
  /**
   * For a store that reports composite checksums of multipart objects (`Checksum.parts`): the size of
   * every part but the last, so the runtime can compute the same composite over what it sends.
   */
  readonly checksumPartSize?: number;
  readonly capabilities?: SinkCapabilities;
  /** Create-only: an existing key fails with `AlreadyExists`, never overwrites. */
  put(key: string, body: Readable, options: PutOptions): ResultAsync<Stored, PluginError>;
  head(key: string, signal: AbortSignal): ResultAsync<StoredInfo | null, PluginError>;
  get(key: string, signal: AbortSignal): ResultAsync<Readable, PluginError>;
  /**
   * Optional: lists the objects whose logical key starts with `prefix` (a plain string prefix,
   * e.g. `acme/` or `acme/2026/11/`; `''` lists everything), one bounded page (at most 1000
   * objects) per call. Only objects under the sink's own configured prefix are listed, and only
   * finished objects: never a temp or partial file, an unfinished upload or uncommitted blocks.
   * Follow `ListPage.next` (passed back as `options.after`) until it is absent; with a store that
   * gives it, keys come in lexicographic order. Memory stays bounded by a page, whatever the store
   * holds. A sink that cannot enumerate its objects leaves `list` out.
   */
  list?(prefix: string, options: ListOptions): ResultAsync<ListPage, PluginError>;
  /** Optional health check (see HealthCheck). */
  check?: HealthCheck;
  close?(): Promise<void>;
}

/**
 * The attach flow (DESIGN §9): what an attachment is as the flow hands it to its destination. The
 * source and the transforms put it in the item's record (`target`, `file`, `message`; `validation`
 * from validate-media: the MIME type sniffed from the bytes and their SHA-256), and the item's
 * artifact `file` opens the bytes.
 */
export interface AttachmentTarget {
  readonly itemId: string;
  /** The digital contact, as the manifest named it: its case number or its thread, and its channel. */
  readonly contact: {
    readonly contactNumber?: string;
    readonly threadId?: string;
    readonly channelId: string;
  };
  /** The name the customer sees. */
  readonly fileName: string;
  readonly mimeType: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes: with the contact, what makes the job unique (never sent twice). */
  readonly sha256: string;
  /** Text of the message that carries the attachment. */
  readonly text?: string;
  readonly tags?: readonly string[];
}

/** A temporary upload: usable to send until `expiresAt`. `url` is a capability: never logged. */
export interface UploadedAttachment {
  readonly id: string;
  readonly url: string;
  /** ISO 8601. */
  readonly expiresAt: string;
}

export interface SentAttachment {
  readonly messageId: string;
  readonly threadId?: string;
  /** The case the message landed on, when the destination tells it (confirm may need it). */
  readonly contactNumber?: string;
}

/**
 * A `sink` plugin that delivers files into contacts' conversations (the attach flow's destination,
 * e.g. `cxone-dfo`) instead of storing objects. The flow runs each attachment as a durable job and
 * calls these in order, recording each answer in the ledger before the next: a crash or a retry goes
 * on from the last recorded step, so a file is never sent twice to the same contact. `attachments:
 * true` tells the flow it is one.
 */
export interface AttachmentSink {
  readonly attachments: true;
  readonly limits?: PluginLimits;
  /** Uploads the bytes (streamed from `body`, `target.size` long). */
  upload(
    target: AttachmentTarget,
    body: Readable,
    signal: AbortSignal,
  ): ResultAsync<UploadedAttachment, PluginError>;
  /** Sends the message that binds an upload (before it expires) to the contact's thread. */
  send(
    target: AttachmentTarget,
    uploaded: UploadedAttachment,
    signal: AbortSignal,
  ): ResultAsync<SentAttachment, PluginError>;
  /**
   * Reads the contact's messages back: true when `sent` is there with the attachment (its URL and
   * name), false when it is not (yet).
   */
  confirm(
    target: AttachmentTarget,
    sent: SentAttachment,
    signal: AbortSignal,
  ): ResultAsync<boolean, PluginError>;
  close?(): Promise<void>;
}

interface EventBase {
  readonly runId: string;
  readonly tenant: string;
  readonly at: string;
}

/** What the attach flow tells about an attachment: ids and digests, never content or URLs. */
interface AttachmentEventBase extends EventBase {
  readonly itemId: string;
  /** Whom it was for, when known (a file refused before its manifest row was read has none). */
  readonly contact?: AttachmentTarget['contact'];
  readonly fileName?: string;
  readonly sha256?: string;
}

export type PipelineEvent =
  | ({ readonly type: 'run.started' } & EventBase)
  | ({
      readonly type: 'item.archived';
      readonly itemId: string;
      readonly objects: readonly StoredObject[];
      /** The source's remark on the item (`Item.note`), e.g. why it has no recording. */
      readonly note?: string;
    } & EventBase)
  | ({
      readonly type: 'item.failed';
      readonly itemId: string;
      readonly errorTag: string;
      readonly reason: string;
    } & EventBase)
  | ({
      /** Not there yet (a recording still processing): the item stays pending and is looked at again. */
      readonly type: 'item.awaiting';
      readonly itemId: string;
      readonly reason: string;
      readonly retryAt?: string;
    } & EventBase)
  | ({
      readonly type: 'item.skipped';
      readonly itemId: string;
      readonly reason: string;
    } & EventBase)
  | ({
      readonly type: 'attachment.sent';
      readonly mimeType: string;
      readonly size: number;
      readonly attachmentId: string;
      readonly messageId: string;
      readonly threadId?: string;
    } & AttachmentEventBase)
  /** Refused by a check (validation, malware scan, manifest): not sent, never retried as it is. */
  | ({
      readonly type: 'attachment.refused';
      readonly errorTag: string;
      readonly reason: string;
    } & AttachmentEventBase)
  | ({
      readonly type: 'attachment.failed';
      readonly errorTag: string;
      readonly reason: string;
    } & AttachmentEventBase)
  | ({
      readonly type: 'run.completed';
      readonly status: 'succeeded' | 'completed_with_failures' | 'failed' | 'interrupted';
      readonly counts: {
        readonly archived: number;
        readonly failed: number;
        readonly awaiting: number;
        readonly skipped: number;
      };
      /** Why the run failed or stopped, when it did. */
      readonly error?: { readonly errorTag: string; readonly reason: string };
    } & EventBase);

export interface Notifier {
  notify(event: PipelineEvent, signal: AbortSignal): ResultAsync<void, PluginError>;
  /** Optional health check (see HealthCheck). */
  check?: HealthCheck;
  close?(): Promise<void>;
}
