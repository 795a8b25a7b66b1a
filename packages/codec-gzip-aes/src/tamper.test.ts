import { beforeAll, describe, expect, it } from 'vitest';
import {
  CTX,
  type DecodeOutcome,
  decodeBuffer,
  encodeBuffer,
  KEK_A,
  KEK_B,
  patternBytes,
  settings,
  splitObject,
} from '../test-support/helpers.js';

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

/** Asserts a Permanent stream failure and returns how many plaintext bytes came out before it. */
const streamFailure = (outcome: DecodeOutcome, message: RegExp, plaintext: Buffer = PLAINTEXT): number => {
  if (outcome.ok || outcome.stage !== 'stream')
    throw new Error(`expected a stream failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.error._tag).toBe('Permanent');
  expect(outcome.error.message).toMatch(message);
  // Whatever came out before the failure is authenticated plaintext: a prefix of the original.
  expect(outcome.emitted.equals(plaintext.subarray(0, outcome.emitted.length))).toBe(true);
  return outcome.emitted.length;
};

const headerFailure = (outcome: DecodeOutcome, tag: string, message: RegExp): void => {
  if (outcome.ok || outcome.stage !== 'header')
    throw new Error(`expected a header failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.error._tag).toBe(tag);
  expect(outcome.error.message).toMatch(message);
};

const withByte = (bytes: Buffer, offset: number, value: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[offset] = value;
  return copy;
};
const flip = (bytes: Buffer, offset: number): Buffer => withByte(bytes, offset, (bytes[offset] ?? 0) ^ 0x01);
const join = (...pieces: Buffer[]): Buffer => Buffer.concat(pieces);

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

describe('header edits (T19): detected before any plaintext', () => {
  const MESSAGE_ID = 8;
  const NONCE_PREFIX = 40;
  const COMMITMENT = 47;
  const WRAPPED_DEK = 81;
  const contextStart = (): number => 81 + 60 + 2;

  it('magic', async () => {
    headerFailure(await decodeBuffer(withByte(object, 0, 0x58)), 'InvalidInput', /bad magic/);
  });

  it('version', async () => {
    headerFailure(await decodeBuffer(withByte(object, 4, 2)), 'InvalidInput', /unsupported CXAR version 2/);
  });

  it('alg', async () => {
    headerFailure(await decodeBuffer(withByte(object, 5, 2)), 'InvalidInput', /unknown CXAR algorithm 0x02/);
  });

  it('chunk_log2 out of range', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, 6, 11)),
      'InvalidInput',
      /chunk_log2 11 is out of range/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, 6, 21)),
      'InvalidInput',
      /chunk_log2 21 is out of range/,
    );
  });

  it('chunk_log2 changed within range', async () => {
    const emitted = streamFailure(await decodeBuffer(withByte(object, 6, 13)), /^chunk 0 failed/);
    expect(emitted).toBe(0);
  });

  it('unknown flags', async () => {
    headerFailure(await decodeBuffer(withByte(object, 7, 0x02)), 'InvalidInput', /unknown CXAR flags 0x02/);
  });

  it('the gzip flag switched on', async () => {
    const emitted = streamFailure(await decodeBuffer(withByte(object, 7, 0x01)), /^chunk 0 failed/);
    expect(emitted).toBe(0);
  });

  it('message_id', async () => {
    headerFailure(await decodeBuffer(flip(object, MESSAGE_ID + 3)), 'Permanent', /key commitment mismatch/);
  });

  it('nonce_prefix', async () => {
    const emitted = streamFailure(await decodeBuffer(flip(object, NONCE_PREFIX)), /^chunk 0 failed/);
    expect(emitted).toBe(0);
  });

  it('commitment', async () => {
    headerFailure(await decodeBuffer(flip(object, COMMITMENT + 31)), 'Permanent', /key commitment mismatch/);
  });

  it('wrapped DEK (nonce, ciphertext and tag)', async () => {
    for (const at of [0, 12, 59]) {
      headerFailure(
        await decodeBuffer(flip(object, WRAPPED_DEK + at)),
        'Permanent',
        /could not be unwrapped with key kek:/,
      );
    }
  });

  it('wrapped DEK length field', async () => {
    const outcome = await decodeBuffer(withByte(object, 80, 59));
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.stage).toBe('header');
  });

  // The edits below also rewrite what the reader expects, as an attacker relocating an object
  // would: the context check passes, and the cryptographic binding is what catches the edit.
  it('context bytes: object key edited (still valid JSON) to where the object now lies', async () => {
    const at = object.indexOf('c-1001/recording', contextStart());
    const relocated = { ...CTX, objectKey: CTX.objectKey.replace('c-1001/', 'd-1001/') };
    const emitted = streamFailure(
      await decodeBuffer(withByte(object, at, 'd'.charCodeAt(0)), { expected: relocated }),
      /^chunk 0 failed/,
    );
    expect(emitted).toBe(0);
  });

  it('context bytes: object key edited, read where it was written: context mismatch', async () => {
    const at = object.indexOf('c-1001/recording', contextStart());
    headerFailure(
      await decodeBuffer(withByte(object, at, 'd'.charCodeAt(0))),
      'InvalidInput',
      /^context mismatch: objectKey/,
    );
  });

  it('context bytes: tenant edited (bound into the wrapped DEK)', async () => {
    const at = object.indexOf('"tenant":"acme"', contextStart()) + '"tenant":"'.length;
    headerFailure(
      await decodeBuffer(withByte(object, at, 'b'.charCodeAt(0)), { expected: { ...CTX, tenant: 'bcme' } }),
      'Permanent',
      /could not be unwrapped/,
    );
  });

  it('context bytes: key id edited', async () => {
    const at = object.indexOf('"keyId":"kek:', contextStart()) + '"keyId":"kek:'.length;
    const value = object[at] === 0x30 ? 0x31 : 0x30;
    headerFailure(
      await decodeBuffer(withByte(object, at, value)),
      'Permanent',
      /object was encrypted under key/,
    );
  });

  it('context bytes: no longer JSON', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, contextStart(), 0x5b)),
      'InvalidInput',
      /not UTF-8 JSON|not a JSON object/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, contextStart() + 3, 0xff)),
      'InvalidInput',
      /not UTF-8 JSON/,
    );
  });

  it('context length past the end of the object', async () => {
    const lengthAt = 81 + 60;
    headerFailure(
      await decodeBuffer(object.subarray(0, lengthAt + 2 + 10)),
      'InvalidInput',
      /the context runs past the end/,
    );
    const longer = Buffer.from(object);
    longer.writeUInt16BE(0xffff, lengthAt);
    headerFailure(
      await decodeBuffer(longer.subarray(0, 3000)),
      'InvalidInput',
      /the context runs past the end/,
    );
  });

  it('header cut inside the fixed fields or the wrapped DEK', async () => {
    headerFailure(await decodeBuffer(object.subarray(0, 50)), 'InvalidInput', /ends inside the fixed fields/);
    headerFailure(
      await decodeBuffer(object.subarray(0, 100)),
      'InvalidInput',
      /wrapped data key runs past the end/,
    );
    headerFailure(await decodeBuffer(Buffer.alloc(0)), 'InvalidInput', /the input is empty/);
    headerFailure(await decodeBuffer(Buffer.from('{"salt":')), 'InvalidInput', /bad magic/);
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
