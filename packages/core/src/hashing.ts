import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumHasher,
  type CompositeHasher,
  createChecksumHasher,
  createCompositeHasher,
} from './checksums.js';
import type { Checksum, ChecksumAlgorithm } from './plugin/types.js';

/** What a `HashingStream` told to expect found instead: more bytes, or other bytes. */
export class UnexpectedBytesError extends Error {
  constructor(readonly found: 'longer' | 'different') {
    super(found === 'longer' ? 'more bytes than expected' : 'not the bytes expected (size or SHA-256)');
    this.name = 'UnexpectedBytesError';
  }
}

/**
 * A pass-through stream that counts and SHA-256-hashes what flows through it. Given `expected`, it
 * fails (UnexpectedBytesError) as soon as more bytes pass, or at the end when the size or digest
 * differ: what it feeds never completes with other bytes.
 */
export class HashingStream extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: { readonly size: number; readonly sha256: string } | undefined;
  #size = 0;
  #digest: string | undefined;
  constructor(options: { readonly expected?: { readonly size: number; readonly sha256: string } } = {}) {
    super();
    this.#expected = options.expected;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    if (this.#expected && this.#size > this.#expected.size) callback(new UnexpectedBytesError('longer'));
    else callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    const expected = this.#expected;
    if (expected && (this.#size !== expected.size || this.#digest !== expected.sha256))
      callback(new UnexpectedBytesError('different'));
    else callback();
  }
  get size(): number {
    return this.#size;
  }
  /** True once every byte has passed and the digest is final. */
  get complete(): boolean {
    return this.#digest !== undefined;
  }
  /** Hex SHA-256 of everything that passed; only once the stream has ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('HashingStream: digest read before the stream ended');
    return this.#digest;
  }
}

/** Reads a stream to its end and returns its size and hex SHA-256, holding one chunk at a time. */
export const sha256OfStream = async (stream: Readable): Promise<{ size: number; sha256: string }> => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
  }
  return { size, sha256: hash.digest('hex') };
};

/** Checksum algorithms the runtime can compute itself: all of them. */
export const COMPUTABLE_CHECKSUMS: readonly ChecksumAlgorithm[] = CHECKSUM_ALGORITHMS;

/** A composite checksum the runtime computes for a sink that reports one (`Sink.checksumPartSize`). */
export interface CompositeSpec {
  readonly algorithm: ChecksumAlgorithm;
  readonly partSize: number;
}

const compositeId = (spec: CompositeSpec) => `${spec.algorithm}/${spec.partSize}`;

/**
 * A pass-through stream that counts what flows and computes SHA-256 plus any other computable
 * checksums (whole-object, and composites over fixed-size parts); the digests are final once the
 * stream has ended.
 */
export class ChecksumStream extends Transform {
  readonly #hashes: Map<ChecksumAlgorithm, ChecksumHasher>;
  readonly #composites: Map<string, CompositeHasher>;
  #size = 0;
  #digests: Map<ChecksumAlgorithm, string> | undefined;
  #compositeDigests: Map<string, Checksum> | undefined;
  constructor(algorithms: readonly ChecksumAlgorithm[], composites: readonly CompositeSpec[] = []) {
    super();
    this.#composites = new Map(
      composites.map((c) => [compositeId(c), createCompositeHasher(c.algorithm, c.partSize)]),
    );
    // An algorithm only composite sinks want is not hashed whole: a one-part object's whole digest
    // is its part's digest, and a many-part object is reported as a composite.
    const whole = algorithms.filter((a) => !composites.some((c) => c.algorithm === a));
    this.#hashes = new Map(
      [...new Set<ChecksumAlgorithm>(['sha256', ...whole])].map((a) => [a, createChecksumHasher(a)]),
    );
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const hash of this.#hashes.values()) hash.update(chunk);
    for (const hash of this.#composites.values()) hash.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    this.#digests = new Map([...this.#hashes].map(([a, h]) => [a, h.digest()]));
    this.#compositeDigests = new Map([...this.#composites].map(([id, h]) => [id, h.digest()]));
    callback();
  }
  get size(): number {
    return this.#size;
  }
  get complete(): boolean {
    return this.#digests !== undefined;
  }
  /**
   * The whole-object digest in `algorithm`, once the stream has ended. For an algorithm hashed only
   * as a composite, known when the object fit in one part; undefined otherwise.
   */
  digest(algorithm: ChecksumAlgorithm): string | undefined {
    const direct = this.#digests?.get(algorithm);
    if (direct !== undefined || this.#digests === undefined) return direct;
    for (const hasher of this.#composites.values()) {
      const whole = hasher.whole();
      if (whole?.algorithm === algorithm) return whole.value;
    }
    return undefined;
  }
  /**
   * The digest of part `partNumber` (1-based) of the composite over parts of `spec.partSize`, as
   * lowercase hex, once that whole part has passed (a byte past it, or the stream's end); undefined
   * before, and for a composite this stream does not compute. Read by a sink as its parts'
   * Content-MD5 (`PutOptions.partDigest`): the bytes are hashed once, by the runtime.
   */
  partDigest(spec: CompositeSpec, partNumber: number): string | undefined {
    return this.#composites.get(compositeId(spec))?.part(partNumber);
  }
  /** The composite over parts of `spec.partSize`, once the stream has ended. */
  composite(spec: CompositeSpec): Checksum | undefined {
    return this.#compositeDigests?.get(compositeId(spec));
  }
}
