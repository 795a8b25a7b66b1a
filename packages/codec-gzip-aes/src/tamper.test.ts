import { beforeAll, describe, expect, it } from 'vitest';
import {
  CTX,
  collect,
  type DecodeOutcome,
  decodeBuffer,
  encodeBuffer,
  KEK_A,
  KEK_B,
  NEVER,
  patternBytes,
  readableOf,
  settings,
  splitObject,
} from '../test-support/helpers.js';
import { flip, headerFailure, join, streamFailure as streamFailureOf } from '../test-support/outcomes.js';

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const PLAINTEXT = patternBytes(3 * CHUNK + 100, 42); // 3 full chunks and a short final one
const FULL_FINAL = patternBytes(3 * CHUNK, 43); // the final chunk is full

let object: Buffer; // 4 chunks, final short
let fullFinal: Buffer; // 3 chunks, final full
let sibling: Buffer; // same plaintext, same key, same object key: a different object
let parts: { header: Buffer; chunks: Buffer[] };

beforeAll(async () => {
  const s = settings({ chunkSizeLog2: LOG2 });
  object = await encodeBuffer(PLAINTEXT, { settings: s });
  fullFinal = await encodeBuffer(FULL_FINAL, { settings: s });
  sibling = await encodeBuffer(PLAINTEXT, { settings: s });
  parts = splitObject(object, LOG2);
  expect(parts.chunks).toHaveLength(4);
});

const streamFailure = (outcome: DecodeOutcome, message: RegExp, plaintext: Buffer = PLAINTEXT): number =>
  streamFailureOf(outcome, message, plaintext);

describe('truncation and trailing data (T17)', () => {
  it('at a chunk boundary: "truncated: no final chunk"', async () => {
    const { header, chunks } = parts;
    const cut = join(header, chunks[0]!, chunks[1]!, chunks[2]!);
    const emitted = streamFailure(await decodeBuffer(cut), /^truncated: no final chunk/);
    expect(emitted).toBeLessThanOrEqual(2 * CHUNK);
  });

  it('right after the header: "truncated: no final chunk"', async () => {
    streamFailure(await decodeBuffer(parts.header), /^truncated: no final chunk/);
  });

  it('mid-chunk: that chunk fails authentication', async () => {
    const cut = object.subarray(0, parts.header.length + CHUNK + 16 + 100);
    streamFailure(await decodeBuffer(cut), /^chunk 1 failed authentication/);
  });

  it('of the final tag: the final chunk fails authentication', async () => {
    streamFailure(
      await decodeBuffer(object.subarray(0, object.length - 5)),
      /^chunk 3 failed authentication/,
    );
  });

  it('of an empty payload to fewer bytes than a tag: "truncated: no final chunk"', async () => {
    const empty = await encodeBuffer(Buffer.alloc(0), { settings: settings({ chunkSizeLog2: LOG2 }) });
    streamFailure(await decodeBuffer(empty.subarray(0, empty.length - 1)), /^truncated: no final chunk/);
  });

  it('bytes after a full final chunk: "trailing data after final chunk"', async () => {
    const extended = join(fullFinal, Buffer.from('extra'));
    streamFailure(await decodeBuffer(extended), /^trailing data after final chunk 2$/, FULL_FINAL);
  });

  it('a whole extra chunk after the final chunk is trailing data', async () => {
    const { chunks } = splitObject(fullFinal, LOG2);
    streamFailure(
      await decodeBuffer(join(fullFinal, chunks[0]!)),
      /^trailing data after final chunk 2$/,
      FULL_FINAL,
    );
  });

  it('bytes after a short final chunk fail that chunk (its length no longer matches its tag)', async () => {
    streamFailure(await decodeBuffer(join(object, Buffer.from([0]))), /^chunk 3 failed authentication/);
  });
});

describe('chunk reorder, duplication and splicing (T18)', () => {
  it('two chunks swapped', async () => {
    const { header, chunks } = parts;
    const swapped = join(header, chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!);
    const emitted = streamFailure(await decodeBuffer(swapped), /^chunk 0 failed authentication/);
    expect(emitted).toBe(0);
  });

  it('a chunk duplicated', async () => {
    const { header, chunks } = parts;
    const duplicated = join(header, chunks[0]!, chunks[0]!, chunks[1]!, chunks[2]!, chunks[3]!);
    streamFailure(await decodeBuffer(duplicated), /^chunk 1 failed authentication/);
  });

  it('a chunk dropped', async () => {
    const { header, chunks } = parts;
    streamFailure(await decodeBuffer(join(header, chunks[0]!, chunks[2]!, chunks[3]!)), /^chunk 1 failed/);
  });

  it('a chunk spliced in from another object under the same key', async () => {
    const other = splitObject(sibling, LOG2);
    const { header, chunks } = parts;
    const spliced = join(header, chunks[0]!, other.chunks[1]!, chunks[2]!, chunks[3]!);
    streamFailure(await decodeBuffer(spliced), /^chunk 1 failed authentication/);
  });

  it("another object's header on these chunks", async () => {
    const other = splitObject(sibling, LOG2);
    const swappedHeader = join(other.header, ...parts.chunks);
    const emitted = streamFailure(await decodeBuffer(swappedHeader), /^chunk 0 failed authentication/);
    expect(emitted).toBe(0);
  });

  it('one flipped bit in any chunk fails that chunk, and no unauthenticated plaintext is emitted', async () => {
    for (let i = 0; i < parts.chunks.length; i++) {
      const offset = parts.header.length + i * (CHUNK + 16) + 7;
      for (const pieceSize of [object.length, 1000]) {
        const outcome = await decodeBuffer(flip(object, offset), { pieceSize });
        expect(streamFailure(outcome, new RegExp(`^chunk ${i} failed`))).toBeLessThanOrEqual(i * CHUNK);
      }
    }
  });
});

describe('relocation and keys (T19, T20)', () => {
  it('decoding with the object key it was written for succeeds', async () => {
    const outcome = await decodeBuffer(object, {
      expected: {
        tenant: 'acme',
        objectKey: CTX.objectKey,
        itemId: 'c-1001',
        artifact: 'recording.wav',
        contentType: 'audio/wav',
      },
    });
    expect(outcome).toEqual({ ok: true, plaintext: PLAINTEXT });
  });

  it('an object moved to another key fails with "context mismatch"', async () => {
    const moved = 'acme/2026/11/02/c-2002/recording.wav.cxar';
    headerFailure(
      await decodeBuffer(object, { expected: { ...CTX, objectKey: moved } }),
      'InvalidInput',
      /^context mismatch: objectKey/,
    );
    headerFailure(
      await decodeBuffer(object, { expected: { ...CTX, tenant: 'other' } }),
      'InvalidInput',
      /^context mismatch: tenant/,
    );
    headerFailure(
      await decodeBuffer(object, { expected: { ...CTX, itemId: 'c-2' } }),
      'InvalidInput',
      /^context mismatch: itemId/,
    );
    headerFailure(
      await decodeBuffer(object, { expected: { ...CTX, artifact: 'x.wav' } }),
      'InvalidInput',
      /^context mismatch: artifact/,
    );
  });

  it('a wrong KEK fails with both key ids and no key material', async () => {
    const outcome = await decodeBuffer(object, { kek: KEK_B });
    headerFailure(
      outcome,
      'Permanent',
      new RegExp(`^object was encrypted under key ${KEK_A.keyId}, the configured key is ${KEK_B.keyId}$`),
    );
    const text = JSON.stringify(outcome);
    for (const key of [KEK_A.key, KEK_B.key]) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
  });
});

describe('end of object (T17)', () => {
  it('an empty final chunk after full chunks is refused even though it authenticates', async () => {
    const { encodeWithSecrets } = await import('./encode.js');
    const { sealChunk } = await import('./chunk-cipher.js');
    const { deriveEncKey } = await import('./kdf.js');
    const { headerDigest } = await import('./header.js');
    const { authenticatedHeaderLength } = await import('../test-support/helpers.js');
    const secrets = {
      dek: Buffer.alloc(32, 1),
      messageId: Buffer.alloc(32, 2),
      noncePrefix: Buffer.alloc(7, 3),
      wrapNonce: Buffer.alloc(12, 4),
    };
    const payload = patternBytes(3 * CHUNK + 1, 45); // chunks 0..2 full and not final, chunk 3 final (1 byte)
    const encoded = encodeWithSecrets(
      readableOf(payload),
      CTX,
      settings({ chunkSizeLog2: LOG2 }),
      secrets,
      NEVER,
    );
    const whole = await collect(encoded._unsafeUnwrap().stream);
    const { header, chunks } = splitObject(whole, LOG2);
    const keys = {
      encKey: deriveEncKey(secrets.dek, secrets.messageId),
      noncePrefix: secrets.noncePrefix,
      aad: headerDigest(whole.subarray(0, authenticatedHeaderLength(whole))),
    };
    const emptyFinal = sealChunk(keys, 3, true, Buffer.alloc(0));
    const forged = join(header, chunks[0]!, chunks[1]!, chunks[2]!, emptyFinal);
    streamFailure(
      await decodeBuffer(forged),
      /^empty final chunk 3 after full chunks \(not allowed in CXAR v1\)$/,
      payload,
    );
    // the same chunks with the real final chunk decode
    expect(await decodeBuffer(whole)).toEqual({ ok: true, plaintext: payload });
  });
});
