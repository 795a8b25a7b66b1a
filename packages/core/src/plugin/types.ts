import type { Readable } from 'node:stream';
import type { Result, ResultAsync } from 'neverthrow';
import type { PluginError } from './errors.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a source is in its change feed. Opaque to the runtime, persisted verbatim in the ledger. */
export type Checkpoint = JsonObject;

/**
 * A reference to one item a source listed. It must be JSON-serialisable: the ledger stores it,
 * so a failed or interrupted item can be fetched again in a later run without re-listing.
 */
export interface ItemRef {
  readonly id: string;
  readonly data: JsonObject;
}

/** One page of a source's listing, with the checkpoint that holds once every item in it is settled. */
export interface Page {
  readonly items: readonly ItemRef[];
  readonly checkpoint: Checkpoint;
}

/** A lazily opened byte stream belonging to an item (a recording). Opening it again starts from byte 0. */
export interface Artifact {
  /** File-like name, `[A-Za-z0-9._-]`, unique within the item, e.g. `recording.wav`. */
  readonly name: string;
  readonly contentType?: string;
  readonly size?: number;
  open(): ResultAsync<Readable, PluginError>;
}

export interface Item {
  readonly id: string;
  /** When the interaction happened (for CXone: the contact start); dates the object keys. */
  readonly occurredAt: Date;
  /** The metadata record, archived as `{recordName}.json`. */
  readonly record: JsonObject;
  readonly artifacts: readonly Artifact[];
}

export interface StoredObject {
  readonly artifact: string;
  readonly sink: string;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
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

export interface Source {
  readonly limits?: PluginLimits;
  /** Base name of the metadata object (`contact` → `contact.json`). Defaults to `record`. */
  readonly recordName?: string;
  /** Lists what changed after `checkpoint` (or from the configured start), one page at a time. */
  pages(checkpoint: Checkpoint | undefined): AsyncIterable<Result<Page, PluginError>>;
  fetch(ref: ItemRef): ResultAsync<Item, PluginError>;
  acknowledge?(ref: ItemRef, outcome: Outcome): ResultAsync<void, PluginError>;
  close?(): Promise<void>;
}

export interface Transform {
  /** Returns the changed item, or null to drop it (counted as skipped). */
  apply(item: Item): ResultAsync<Item | null, PluginError>;
  close?(): Promise<void>;
}

export interface EncodeContext {
  readonly tenant: string;
  /** The logical object key (without any sink prefix); bound into the encoded object. */
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

/** What the caller expects the object to be; a mismatch with the stored context is an error. */
export interface DecodeContext {
  readonly tenant?: string;
  readonly objectKey?: string;
  readonly itemId?: string;
  readonly artifact?: string;
}

export interface Codec {
  /** Appended to every object key, e.g. `.cxar`. */
  readonly extension: string;
  encode(input: Readable, ctx: EncodeContext): ResultAsync<Encoded, PluginError>;
  /**
   * Header problems (format, key, context) fail the Result; a failure later in the body
   * (authentication, truncation) destroys the returned stream with a `PluginStreamError`.
   */
  decode(input: Readable, ctx: DecodeContext): ResultAsync<Readable, PluginError>;
  close?(): Promise<void>;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface Stored {
  readonly key: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes the sink durably holds, established by read-back or server checksum. */
  readonly sha256: string;
  readonly versionId?: string;
}

export interface StoredInfo {
  readonly key: string;
  readonly size: number;
  readonly sha256?: string;
  readonly versionId?: string;
}

export interface Sink {
  readonly limits?: PluginLimits;
  /** Create-only: an existing key fails with `AlreadyExists`, never overwrites. */
  put(key: string, body: Readable, options: PutOptions): ResultAsync<Stored, PluginError>;
  head(key: string): ResultAsync<StoredInfo | null, PluginError>;
  get(key: string): ResultAsync<Readable, PluginError>;
  close?(): Promise<void>;
}

export type PipelineEvent =
  | { readonly type: 'run.started'; readonly runId: string; readonly tenant: string; readonly at: string }
  | {
      readonly type: 'item.archived';
      readonly runId: string;
      readonly tenant: string;
      readonly itemId: string;
      readonly objects: readonly StoredObject[];
      readonly at: string;
    }
  | {
      readonly type: 'item.failed';
      readonly runId: string;
      readonly tenant: string;
      readonly itemId: string;
      readonly errorTag: string;
      readonly reason: string;
      readonly at: string;
    }
  | {
      readonly type: 'item.skipped';
      readonly runId: string;
      readonly tenant: string;
      readonly itemId: string;
      readonly reason: string;
      readonly at: string;
    }
  | {
      readonly type: 'run.completed';
      readonly runId: string;
      readonly tenant: string;
      readonly counts: { readonly archived: number; readonly failed: number; readonly skipped: number };
      readonly at: string;
    };

export interface Notifier {
  notify(event: PipelineEvent): ResultAsync<void, PluginError>;
  close?(): Promise<void>;
}
