import type { Dataset } from './dataset.js';
import { jsonBytes } from './raw-json.js';
import { type NameSet, renderContact } from './versions.js';

/** Serialised JSON kept per data set: at most about this many bytes (some 36,000 contacts). */
export const CONTACT_JSON_CACHE_BYTES = 48 * 1024 * 1024;

/**
 * The JSON of contacts as an API version sends them (`renderContact`), as UTF-8 bytes, kept for
 * the most recently served ones: a page asked for again (a retry, a second client over the same
 * window, a `duplicate` or `shift` fault) is copied from them instead of generated and serialised
 * again. Bounded by the bytes it holds, in two generations of at most half the bound each: when the
 * young one is full the old one is dropped whole and the young one becomes the old one (a hit in
 * the old one moves to the young one), so each request costs a lookup and never a scan, and memory
 * stays flat however many contacts the data set has.
 */
export class ContactJsonCache {
  readonly #dataset: Dataset;
  readonly #generationBytes: number;
  /** Keyed by position × 2 + name set (0 v33, 1 pre-v33). */
  #young = new Map<number, Buffer>();
  #old = new Map<number, Buffer>();
  #youngBytes = 0;
  #oldBytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(dataset: Dataset, maxBytes = CONTACT_JSON_CACHE_BYTES) {
    this.#dataset = dataset;
    this.#generationBytes = Math.max(1, Math.floor(maxBytes / 2));
  }

  /** The JSON of the contact at `position` in the names of `names`. */
  json(position: number, names: NameSet): Buffer {
    const key = position * 2 + (names === 'v33' ? 0 : 1);
    const young = this.#young.get(key);
    if (young !== undefined) {
      this.#hits++;
      return young;
    }
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#hits++;
      this.#old.delete(key);
      this.#oldBytes -= old.length;
      this.#keep(key, old);
      return old;
    }
    this.#misses++;
    const bytes = jsonBytes(JSON.stringify(renderContact(this.#dataset.contactAt(position), names)));
    this.#keep(key, bytes);
    return bytes;
  }

  #keep(key: number, bytes: Buffer): void {
    if (bytes.length > this.#generationBytes) return;
    if (this.#youngBytes + bytes.length > this.#generationBytes) {
      this.#old = this.#young;
      this.#oldBytes = this.#youngBytes;
      this.#young = new Map();
      this.#youngBytes = 0;
    }
    this.#young.set(key, bytes);
    this.#youngBytes += bytes.length;
  }

  /** What the cache holds and how it served (for tests and benchmarks). */
  get stats(): {
    readonly entries: number;
    readonly bytes: number;
    readonly hits: number;
    readonly misses: number;
  } {
    return {
      entries: this.#young.size + this.#old.size,
      bytes: this.#youngBytes + this.#oldBytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }
}

const caches = new WeakMap<Dataset, ContactJsonCache>();

/** The cache of a data set, made on first use. */
export function contactJsonCache(dataset: Dataset): ContactJsonCache {
  let cache = caches.get(dataset);
  if (cache === undefined) {
    cache = new ContactJsonCache(dataset);
    caches.set(dataset, cache);
  }
  return cache;
}
