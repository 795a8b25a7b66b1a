import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ChecksumStream } from '@cxarchive/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPartPool } from './part-pool.js';
import {
  BodyFailed,
  type CompletedPart,
  SMALL_BODY_BYTES,
  streamUpload,
  TooManyParts,
  type UploadRequests,
} from './stream-upload.js';

// The upload logic on its own, against a store in memory that takes its time: a part's bytes are
// read only when its request finishes (as a socket would still be sending them), so a buffer given
// back to the pool too early shows up as wrong bytes.

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

interface StoreOptions {
  /** Fails the part with this number (once). */
  readonly failPart?: number;
  /** Turns of the event loop a part takes. */
  readonly partTurns?: number;
}

const memoryStore = (options: StoreOptions = {}) => {
  const log: string[] = [];
  const parts = new Map<number, Buffer>();
  let single: Buffer | undefined;
  let completed: readonly CompletedPart[] | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const requests: UploadRequests = {
    async single(body, sum) {
      await turns(1);
      if (sum !== md5(body)) throw new Error('BadDigest');
      single = Buffer.from(body);
      log.push('single');
      return { etag: `"${createHash('md5').update(body).digest('hex')}"` };
    },
    async create() {
      await turns(1);
      log.push('create');
      return 'upload-1';
    },
    async part(id, number, body, sum) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await turns(options.partTurns ?? 3);
        if (number === options.failPart) throw Object.assign(new Error('store said no'), { name: 'Store' });
        if (id !== 'upload-1') throw new Error(`unknown upload ${id}`);
        if (sum !== md5(body)) throw new Error(`BadDigest on part ${number}`);
        parts.set(number, Buffer.from(body));
        log.push(`part ${number}`);
        return `"etag-${number}"`;
      } finally {
        inFlight -= 1;
      }
    },
    async complete(id, list) {
      await turns(1);
      completed = list;
      log.push(`complete ${id}`);
      return {};
    },
    async abort(id) {
      log.push(`abort ${id}`);
    },
  };
  return {
    requests,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    /** The object as the store would assemble it. */
    object: (): Buffer | undefined => {
      if (single !== undefined) return single;
      if (completed === undefined) return undefined;
      return Buffer.concat(completed.map((p) => parts.get(p.PartNumber) ?? Buffer.alloc(0)));
    },
    completed: () => completed,
  };
};

const patterned = (size: number, seed: number): Buffer => {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return bytes;
};

/** `bytes` in chunks of the given sizes (cycled). */
const chunked = (bytes: Buffer, sizes: readonly number[]): Readable =>
  Readable.from(
    (function* () {
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const size = sizes[i % sizes.length] ?? 1;
        yield bytes.subarray(at, at + size);
        at += size;
      }
    })(),
  );

const live = () => new AbortController().signal;

describe('streamUpload', () => {
  const partSize = 300 * 1024;

  it('stores every body byte for byte: one PutObject up to one part, else parts of partSize (the last shorter), each with its own MD5', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, SMALL_BODY_BYTES, SMALL_BODY_BYTES + 1, partSize - 1, partSize, partSize + 1),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 5 }),
        async (base, extraParts, sizes) => {
          const size = base + extraParts * partSize;
          const body = patterned(size, size % 251);
          const store = memoryStore();
          const pool = createPartPool(partSize, 3);
          const result = await streamUpload(chunked(body, sizes), {
            pool,
            queueSize: 2,
            md5: true,
            signal: live(),
            requests: store.requests,
          });
          expect(store.object()?.equals(body)).toBe(true);
          expect(result.size).toBe(size);
          const partCount = Math.ceil(size / partSize);
          if (partCount <= 1) expect(store.log).toEqual(['single']);
          else {
            expect(store.completed()).toEqual(
              Array.from({ length: partCount }, (_, i) => ({ PartNumber: i + 1, ETag: `"etag-${i + 1}"` })),
            );
            expect(store.log.at(-1)).toBe('complete upload-1');
          }
          // A body that ends within SMALL_BODY_BYTES never takes a pool buffer.
          if (size <= SMALL_BODY_BYTES) expect(pool.made).toBe(0);
          expect(pool.made).toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps at most queueSize parts in flight, and reuses the pool buffers: 40 parts with 3 buffers', async () => {
    const body = patterned(40 * partSize, 3);
    const store = memoryStore({ partTurns: 5 });
    const pool = createPartPool(partSize, 3);
    await streamUpload(chunked(body, [64 * 1024]), {
      pool,
      queueSize: 2,
      md5: true,
      signal: live(),
      requests: store.requests,
    });
    expect(store.object()?.equals(body)).toBe(true);
    expect(store.maxInFlight).toBe(2);
    expect(pool.made).toBe(3);
  });

  it('uploads sharing a pool wait for its buffers, and each stores its own bytes', async () => {
    const pool = createPartPool(partSize, 2);
    const bodies = [0, 1, 2, 3].map((i) => patterned(3 * partSize + i * 1000, i));
    const stores = bodies.map(() => memoryStore());
    await Promise.all(
      bodies.map((body, i) =>
        streamUpload(chunked(body, [50_000, 70_001]), {
          pool,
          queueSize: 4,
          md5: true,
          signal: live(),
          requests: stores[i]!.requests,
        }),
      ),
    );
    for (const [i, body] of bodies.entries())
      expect(stores[i]!.object()?.equals(body), `upload ${i}`).toBe(true);
    expect(pool.made).toBe(2);
  });

  it("sends the runtime's part MD5s (its checksum stream upstream of the sink) as the Content-MD5s: each is known when its part goes, none is hashed again", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, SMALL_BODY_BYTES + 1, partSize, partSize + 1, 3 * partSize, 3 * partSize + 7),
        fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 5 }),
        async (size, sizes) => {
          const body = patterned(size, 3);
          const spec = { algorithm: 'md5' as const, partSize };
          const sent = new ChecksumStream(['md5'], [spec]);
          const asked: number[] = [];
          const unknown: number[] = [];
          const store = memoryStore();
          const pool = createPartPool(partSize, 3);
          await streamUpload(chunked(body, sizes).pipe(sent), {
            pool,
            queueSize: 2,
            md5: true,
            signal: live(),
            requests: store.requests,
            partDigest: (n) => {
              asked.push(n);
              const digest = sent.partDigest(spec, n);
              if (digest === undefined) unknown.push(n);
              return digest;
            },
          });
          // The store checked every Content-MD5 against the bytes it got (BadDigest otherwise).
          expect(store.object()?.equals(body)).toBe(true);
          const parts = Math.max(1, Math.ceil(size / partSize));
          expect(asked.sort((a, b) => a - b)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
          // Only an empty body has no part digest (the sink hashes its zero bytes itself).
          expect(unknown).toEqual(size === 0 ? [1] : []);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a part digest the runtime gives goes as the Content-MD5 as it is; one it does not know, or a malformed one, is replaced by the sink's own MD5", async () => {
    const given = 'ab'.repeat(16);
    const seen = new Map<number, string | undefined>();
    const bodies = new Map<number, Buffer>();
    const store = memoryStore();
    const requests: UploadRequests = {
      ...store.requests,
      single: async (body, sum) => {
        seen.set(1, sum);
        bodies.set(1, Buffer.from(body));
        return {};
      },
      part: async (_id, number, body, sum) => {
        seen.set(number, sum);
        bodies.set(number, Buffer.from(body));
        return `"e-${number}"`;
      },
    };
    const digests: Record<number, string | undefined> = { 1: given, 2: undefined, 3: 'not an md5' };
    const pool = createPartPool(partSize, 2);
    await streamUpload(chunked(patterned(2 * partSize + 5, 2), [65_536]), {
      pool,
      queueSize: 1,
      md5: true,
      signal: live(),
      requests,
      partDigest: (n) => digests[n],
    });
    expect(seen.get(1)).toBe(Buffer.from(given, 'hex').toString('base64'));
    expect(seen.get(2)).toBe(md5(bodies.get(2)!));
    expect(seen.get(3)).toBe(md5(bodies.get(3)!));
    seen.clear();
    await streamUpload(chunked(patterned(100, 2), [100]), {
      pool,
      queueSize: 1,
      md5: true,
      signal: live(),
      requests,
      partDigest: () => given.toUpperCase(),
    });
    // Upper case is not how the runtime writes digests: not taken.
    expect(seen.get(1)).toBe(md5(bodies.get(1)!));
  });

  it('without md5, no Content-MD5 is given', async () => {
    const seen: (string | undefined)[] = [];
    const store = memoryStore();
    const requests: UploadRequests = {
      ...store.requests,
      single: async (_body, sum) => {
        seen.push(sum);
        return {};
      },
      part: async (_id, number, _body, sum) => {
        seen.push(sum);
        return `"e-${number}"`;
      },
    };
    const pool = createPartPool(partSize, 2);
    await streamUpload(chunked(patterned(10, 1), [10]), {
      pool,
      queueSize: 1,
      md5: false,
      signal: live(),
      requests,
    });
    await streamUpload(chunked(patterned(2 * partSize + 1, 1), [65_536]), {
      pool,
      queueSize: 1,
      md5: false,
      signal: live(),
      requests,
    });
    expect(seen).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('a part the store refuses: the multipart upload is aborted, nothing completed, the store’s error thrown', async () => {
    const store = memoryStore({ failPart: 2 });
    const pool = createPartPool(partSize, 3);
    const upload = streamUpload(chunked(patterned(5 * partSize, 2), [65_536]), {
      pool,
      queueSize: 2,
      md5: true,
      signal: live(),
      requests: store.requests,
    });
    await expect(upload).rejects.toMatchObject({ name: 'Store' });
    expect(store.log).toContain('abort upload-1');
    expect(store.log.some((l) => l.startsWith('complete'))).toBe(false);
    // Every buffer went back: a new upload can take all of them.
    const signal = live();
    await Promise.all([pool.acquire(signal), pool.acquire(signal), pool.acquire(signal)]);
  });

  it('a part refused while the body has gone quiet still ends the upload with the store’s error', async () => {
    const store = memoryStore({ failPart: 1 });
    const pool = createPartPool(partSize, 3);
    const first = patterned(partSize + 10, 4);
    // Past the first part, the body sends nothing more (and never ends).
    const quiet = new Readable({ read() {} });
    quiet.push(first);
    const upload = streamUpload(quiet, {
      pool,
      queueSize: 2,
      md5: true,
      signal: live(),
      requests: store.requests,
    });
    await expect(upload).rejects.toMatchObject({ name: 'Store' });
    expect(store.log).toContain('abort upload-1');
    quiet.destroy();
  });

  it('a body that fails after two parts: BodyFailed with its error, and the upload is aborted', async () => {
    const store = memoryStore();
    const pool = createPartPool(partSize, 3);
    const broken = new Error('socket hang up');
    const body = Readable.from(
      (async function* () {
        yield patterned(2 * partSize + 5, 5);
        throw broken;
      })(),
    );
    const upload = streamUpload(body, {
      pool,
      queueSize: 2,
      md5: true,
      signal: live(),
      requests: store.requests,
    });
    const error = await upload.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyFailed);
    expect((error as BodyFailed).cause).toBe(broken);
    expect(store.log).toContain('abort upload-1');
    expect(store.log.some((l) => l.startsWith('complete'))).toBe(false);
  });

  it('an upload waiting for a pool buffer stops when its signal aborts', async () => {
    const pool = createPartPool(partSize, 1);
    const held = await pool.acquire(live());
    const controller = new AbortController();
    const store = memoryStore();
    const upload = streamUpload(chunked(patterned(2 * partSize, 6), [65_536]), {
      pool,
      queueSize: 2,
      md5: true,
      signal: controller.signal,
      requests: store.requests,
    });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('cancelled by the test'));
    await expect(upload).rejects.toThrow('cancelled by the test');
    pool.release(held);
    expect(store.log).toEqual([]);
  });

  it('more than 10,000 parts fails TooManyParts and aborts the upload', async () => {
    const small = createPartPool(1, 2);
    const store = memoryStore({ partTurns: 0 });
    const upload = streamUpload(chunked(patterned(10_002, 7), [4096]), {
      pool: small,
      queueSize: 4,
      md5: false,
      signal: live(),
      requests: { ...store.requests, part: async (_id, n) => `"e-${n}"` },
    });
    await expect(upload).rejects.toBeInstanceOf(TooManyParts);
    expect(store.log).toContain('abort upload-1');
  });
});

describe('createPartPool', () => {
  it('makes buffers only when needed, never more than its count, and serves waiters first come first served', async () => {
    const pool = createPartPool(16, 2);
    expect(pool.made).toBe(0);
    const a = await pool.acquire(live());
    const b = await pool.acquire(live());
    expect(a).not.toBe(b);
    const order: string[] = [];
    const c = pool.acquire(live()).then((buffer) => {
      order.push('c');
      return buffer;
    });
    const d = pool.acquire(live()).then((buffer) => {
      order.push('d');
      return buffer;
    });
    pool.release(b);
    expect(await c).toBe(b);
    pool.release(a);
    expect(await d).toBe(a);
    expect(order).toEqual(['c', 'd']);
    expect(pool.made).toBe(2);
  });

  it('refuses a count below one', () => {
    expect(() => createPartPool(16, 0)).toThrow(RangeError);
  });
});
