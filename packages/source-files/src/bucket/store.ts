import type { Readable } from 'node:stream';

/** An object under the prefix as a HEAD (or a listing) saw it. */
export interface StoredObject {
  readonly size: number;
  /** What changes whenever the object is replaced: the ETag (S3, Azure) or the generation (GCS). */
  readonly version: string;
  readonly modified: Date;
}

/**
 * What the files source needs of a store, with keys relative to the prefix. Every method throws a
 * `PluginFailure` (classified, without credentials) when the store fails.
 */
export interface ObjectStore {
  /** One cheap request (a listing of one key): the bucket exists and the credentials are taken. */
  probe(signal: AbortSignal): Promise<void>;
  /** The keys under the prefix in the store's order, one listing page held at a time. */
  keys(signal: AbortSignal): AsyncGenerator<string>;
  /** The object as it is now, or undefined when there is none. */
  head(key: string, signal: AbortSignal): Promise<StoredObject | undefined>;
  /**
   * The object's bytes from byte 0, only if it is still `seen` (its version); otherwise throws
   * `Changed` with what differs.
   */
  get(key: string, seen: StoredObject, signal: AbortSignal): Promise<Readable>;
}

/** The object is not the one fetched any more (replaced, or gone). */
export class Changed extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'Changed';
  }
}
