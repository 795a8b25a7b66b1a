import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { chunkReader } from './chunk-reader.js';
import type { PartPool } from './part-pool.js';

/** The most parts S3 takes in one multipart upload. */
export const MAX_PARTS = 10_000;
/** A body that ends within this many bytes is sent with one PutObject and takes no pool buffer. */
export const SMALL_BODY_BYTES = 256 * 1024;

export interface CompletedPart {
  readonly PartNumber: number;
  readonly ETag: string;
}

/** What the store answered the request that made the object (PutObject or CompleteMultipartUpload). */
export interface StoreAnswer {
  /** The object's ETag, when the answer carried one (RGW 16 leaves CompleteMultipartUpload's empty). */
  readonly etag?: string;
  readonly versionId?: string;
}

/** The store requests one upload makes; `md5` is the base64 Content-MD5 of `body`, when asked for. */
export interface UploadRequests {
  /** The whole body in one PutObject (it fit in one part). */
  single(body: Buffer, md5: string | undefined): Promise<StoreAnswer>;
  /** CreateMultipartUpload: the upload id. */
  create(): Promise<string>;
  /** UploadPart: the part's ETag. */
  part(uploadId: string, partNumber: number, body: Buffer, md5: string | undefined): Promise<string>;
  complete(uploadId: string, parts: readonly CompletedPart[]): Promise<StoreAnswer>;
  abort(uploadId: string): Promise<void>;
}

export interface StreamUploadOptions {
  readonly pool: PartPool;
  /** Parts of this upload sent at once. */
  readonly queueSize: number;
  /** Whether each body carries its Content-MD5. */
  readonly md5: boolean;
  /**
   * The runtime's MD5 of a part (hex, `PutOptions.partDigest`), sent as its Content-MD5 when known
   * (it is, once the part's bytes have all been read): the bytes are then not hashed a second time.
   * When it is absent or unknown, the sink hashes the part itself, just before sending it.
   */
  readonly partDigest?: (partNumber: number) => string | undefined;
  readonly signal: AbortSignal;
  readonly requests: UploadRequests;
}

/** The body failed while it was read: its error, so the caller can tell it from the store's. */
export class BodyFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the body failed');
    this.name = 'BodyFailed';
  }
}

/** The object needs more than MAX_PARTS parts of this part size. */
export class TooManyParts extends Error {
  constructor(partSize: number) {
    super(
      `the object is larger than ${MAX_PARTS} parts of ${partSize} bytes; raise partSize (S3 takes at most ${MAX_PARTS} parts)`,
    );
    this.name = 'TooManyParts';
  }
}

interface Part {
  readonly buffer: Buffer;
  readonly length: number;
}

/** What an upload did: the bytes it sent, and the store's answer to the request that made the object. */
export interface UploadResult {
  readonly size: number;
  readonly answer: StoreAnswer;
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/** The Content-MD5 of part `partNumber`: the runtime's when it gave a well-formed one, else hashed here. */
const contentMd5 = (options: StreamUploadOptions, partNumber: number, bytes: Buffer): string | undefined => {
  if (!options.md5) return undefined;
  const given = options.partDigest?.(partNumber);
  if (given !== undefined && MD5_HEX.test(given)) return Buffer.from(given, 'hex').toString('base64');
  return createHash('md5').update(bytes).digest('base64');
};

/**
 * Streams `body` to the store, part by part, through buffers of the sink's pool:
 * - each chunk is copied once into the part being filled; a part is never concatenated or copied
 *   again, and goes to the store as a slice of its pool buffer, with the runtime's MD5 of it as its
 *   Content-MD5 (or the sink's own, when the runtime gave none);
 * - a full part waits until more bytes come: a body of one part or less is one PutObject, as is a
 *   body of at most SMALL_BODY_BYTES, which takes no pool buffer at all;
 * - at most `queueSize` parts are in flight; while the slots or the pool's buffers are all taken,
 *   no more of the body is read;
 * - on any failure (the body, a part, the completion) the parts in flight are waited for and the
 *   multipart upload is aborted, then the first failure is thrown (a body's wrapped in BodyFailed).
 */
export const streamUpload = async (body: Readable, options: StreamUploadOptions): Promise<UploadResult> => {
  const { pool, queueSize, requests, signal } = options;
  const { partSize } = pool;
  const chunks = chunkReader(body);
  const next = async (): Promise<Buffer | undefined> => {
    try {
      for (;;) {
        const chunk = await chunks.next();
        if (chunk === undefined || chunk.length > 0) return chunk;
      }
    } catch (error) {
      throw new BodyFailed(error);
    }
  };

  // A short body: kept as it came, sent whole.
  const head: Buffer[] = [];
  let headBytes = 0;
  let chunk = await next();
  while (chunk !== undefined && headBytes + chunk.length <= Math.min(SMALL_BODY_BYTES, partSize)) {
    head.push(chunk);
    headBytes += chunk.length;
    chunk = await next();
  }
  if (chunk === undefined) {
    const whole = head.length === 1 ? head[0]! : Buffer.concat(head, headBytes);
    return { size: headBytes, answer: await requests.single(whole, contentMd5(options, 1, whole)) };
  }

  const inFlight = new Set<Promise<void>>();
  const parts: CompletedPart[] = [];
  let failure: { readonly error: unknown } | undefined;
  // Called when a part fails while the body is being read, so a body that has gone quiet does not
  // hide the store's answer. Set anew for each read: a promise that never settles would keep every
  // chunk raced against it alive.
  let wake: (() => void) | undefined;
  const readOrStop = () =>
    new Promise<Buffer | undefined>((resolve, reject) => {
      if (failure !== undefined) return resolve(undefined);
      wake = () => resolve(undefined);
      next()
        .then(resolve, reject)
        .finally(() => {
          wake = undefined;
        });
    });
  let created: Promise<string> | undefined;
  let sent = 0;
  // The buffer being filled, and a full part not yet known to be the last.
  let filling: Buffer | undefined;
  let filled = 0;
  let full: Part | undefined;
  let size = 0;

  const failed = () => {
    if (failure !== undefined) throw failure.error;
  };
  const start = (part: Part) => {
    sent += 1;
    if (sent > MAX_PARTS) {
      pool.release(part.buffer);
      throw new TooManyParts(partSize);
    }
    const number = sent;
    created ??= requests.create();
    const upload = created;
    const task: Promise<void> = (async () => {
      try {
        const id = await upload;
        const bytes = part.buffer.subarray(0, part.length);
        const etag = await requests.part(id, number, bytes, contentMd5(options, number, bytes));
        parts[number - 1] = { PartNumber: number, ETag: etag };
      } catch (error) {
        failure ??= { error };
        wake?.();
      } finally {
        pool.release(part.buffer);
      }
    })().finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  const slot = async () => {
    while (inFlight.size >= queueSize) await Promise.race(inFlight);
    failed();
  };
  const take = async () => {
    filling = await pool.acquire(signal);
    filled = 0;
  };
  const append = (bytes: Buffer) => {
    bytes.copy(filling!, filled);
    filled += bytes.length;
    size += bytes.length;
    if (filled === partSize) {
      full = { buffer: filling!, length: filled };
      filling = undefined;
    }
  };

  try {
    await take();
    for (const bytes of head) append(bytes);
    while (chunk !== undefined) {
      for (let offset = 0; offset < chunk.length; ) {
        if (full !== undefined) {
          // More bytes follow a full part: it is not the last, send it.
          await slot();
          const part = full;
          full = undefined;
          start(part);
          await take();
        }
        const length = Math.min(chunk.length - offset, partSize - filled);
        append(chunk.subarray(offset, offset + length));
        offset += length;
      }
      failed();
      chunk = await readOrStop();
      failed();
    }
    const last: Part = full ?? { buffer: filling!, length: filled };
    full = undefined;
    filling = undefined;
    if (sent === 0) {
      try {
        const bytes = last.buffer.subarray(0, last.length);
        return { size, answer: await requests.single(bytes, contentMd5(options, 1, bytes)) };
      } finally {
        pool.release(last.buffer);
      }
    }
    await slot().catch((error: unknown) => {
      pool.release(last.buffer);
      throw error;
    });
    start(last);
    await Promise.all(inFlight);
    failed();
    return { size, answer: await requests.complete(await created!, parts) };
  } catch (error) {
    if (filling !== undefined) pool.release(filling);
    if (full !== undefined) pool.release(full.buffer);
    filling = undefined;
    full = undefined;
    await Promise.all(inFlight);
    const id = await created?.catch(() => undefined);
    if (id !== undefined) await requests.abort(id).catch(() => undefined);
    throw error;
  }
};
