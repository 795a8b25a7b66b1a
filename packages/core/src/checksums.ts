import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { Checksum, ChecksumAlgorithm } from './plugin/types.js';

/**
 * Checksums as stores report them, computed incrementally over streamed bytes: the runtime hashes
 * what it sends in the sink's preferred algorithm, and sinks and tests use the same code.
 */

/** An incremental checksum: feed it chunks, then read the lowercase hex digest once. */
export interface ChecksumHasher {
  update(chunk: Buffer): void;
  /** Lowercase hex; big-endian for the CRCs (as stores report them). */
  digest(): string;
}

const cryptoHasher = (name: string): ChecksumHasher => {
  const hash = createHash(name);
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest('hex') };
};

const crc32Hasher = (): ChecksumHasher => {
  let crc = 0;
  return {
    update: (chunk) => {
      crc = crc32(chunk, crc);
    },
    digest: () => crc.toString(16).padStart(8, '0'),
  };
};

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const crc32cHasher = (): ChecksumHasher => {
  let crc = 0xffffffff;
  return {
    update: (chunk) => {
      for (const byte of chunk) crc = (crc >>> 8) ^ CRC32C_TABLE[(crc ^ byte) & 0xff]!;
    },
    digest: () => ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0'),
  };
};

/** CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, as two 32-bit halves (no BigInt per byte). */
const CRC64_TABLES = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ 0x9a6c9329) >>> 0;
        l = (l ^ 0xac4bc9b5) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

const crc64nvmeHasher = (): ChecksumHasher => {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  return {
    update: (chunk) => {
      for (const byte of chunk) {
        const index = (lo ^ byte) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_TABLES.lo[index]!) >>> 0;
        hi = ((hi >>> 8) ^ CRC64_TABLES.hi[index]!) >>> 0;
      }
    },
    digest: () =>
      ((hi ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0') +
      ((lo ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0'),
  };
};

const HASHERS: Readonly<Record<ChecksumAlgorithm, () => ChecksumHasher>> = {
  sha256: () => cryptoHasher('sha256'),
  sha1: () => cryptoHasher('sha1'),
  md5: () => cryptoHasher('md5'),
  crc32: crc32Hasher,
  crc32c: crc32cHasher,
  crc64nvme: crc64nvmeHasher,
};

/** Every algorithm of core's `ChecksumAlgorithm`, in the order the type lists them. */
export const CHECKSUM_ALGORITHMS = Object.keys(HASHERS) as readonly ChecksumAlgorithm[];

export const isChecksumAlgorithm = (value: unknown): value is ChecksumAlgorithm =>
  typeof value === 'string' && Object.hasOwn(HASHERS, value);

/** A fresh hasher for `algorithm`; a RangeError for a name core does not define. */
export const createChecksumHasher = (algorithm: ChecksumAlgorithm): ChecksumHasher => {
  if (!isChecksumAlgorithm(algorithm))
    throw new RangeError(`unknown checksum algorithm ${String(algorithm)}`);
  return HASHERS[algorithm]();
};

/** The checksum of `bytes` in `algorithm`, as a store would report it (lowercase hex). */
export const checksumOf = (algorithm: ChecksumAlgorithm, bytes: Buffer): Checksum => {
  const hasher = createChecksumHasher(algorithm);
  hasher.update(bytes);
  return { algorithm, value: hasher.digest() };
};

/** Reads `stream` to its end (one chunk in memory at a time): its size and checksum in `algorithm`. */
export const checksumOfStream = async (
  stream: Readable,
  algorithm: ChecksumAlgorithm,
): Promise<{ size: number; checksum: Checksum }> => {
  const hasher = createChecksumHasher(algorithm);
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hasher.update(buf);
    size += buf.length;
  }
  return { size, checksum: { algorithm, value: hasher.digest() } };
};

/** A composite checksum under way: part digests of fixed-size parts, then the digest of those. */
export interface CompositeHasher {
  update(chunk: Buffer): void;
  /**
   * `algorithm` over the concatenated binary digests of every part (each `partSize` bytes but the
   * last, which is never empty), and the part count: what S3 reports for a multipart object (its
   * ETag `"<md5 of part md5s>-<parts>"`, or a COMPOSITE flexible checksum).
   */
  digest(): Checksum & { readonly parts: number };
  /**
   * The whole-object digest, when the object fit in one part (or was empty): then it is that part's
   * digest, and nobody needs to hash the bytes a second time. Undefined for more than one part.
   * Only after `digest()`.
   */
  whole(): Checksum | undefined;
  /**
   * Lowercase hex digest of part `partNumber` (1-based) once that part is closed: when a byte past
   * it has been hashed, or after `digest()` for the last part. Undefined before, and for a part the
   * bytes do not reach (an empty object has no part).
   */
  part(partNumber: number): string | undefined;
}

/** A fresh composite hasher over parts of `partSize` bytes. */
export const createCompositeHasher = (algorithm: ChecksumAlgorithm, partSize: number): CompositeHasher => {
  if (!Number.isSafeInteger(partSize) || partSize < 1)
    throw new RangeError(`composite checksum: part size ${partSize} is not a positive integer`);
  const partDigests: Buffer[] = [];
  let part = createChecksumHasher(algorithm);
  let filled = 0;
  let single: string | undefined;
  const closePart = () => {
    partDigests.push(Buffer.from(part.digest(), 'hex'));
    part = createChecksumHasher(algorithm);
    filled = 0;
  };
  return {
    update: (chunk) => {
      let offset = 0;
      while (offset < chunk.length) {
        // A part is closed only when more bytes follow it: the last part is never empty.
        if (filled === partSize) closePart();
        const take = Math.min(partSize - filled, chunk.length - offset);
        part.update(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
        filled += take;
        offset += take;
      }
    },
    digest: () => {
      if (filled > 0) closePart();
      const composite = createChecksumHasher(algorithm);
      composite.update(Buffer.concat(partDigests));
      if (partDigests.length === 0) single = part.digest();
      else if (partDigests.length === 1) single = partDigests[0]!.toString('hex');
      return { algorithm, value: composite.digest(), parts: partDigests.length };
    },
    whole: () => (single === undefined ? undefined : { algorithm, value: single }),
    part: (partNumber) =>
      Number.isInteger(partNumber) && partNumber >= 1
        ? partDigests[partNumber - 1]?.toString('hex')
        : undefined,
  };
};
