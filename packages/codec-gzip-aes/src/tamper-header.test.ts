import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticatedHeaderLength,
  CTX,
  decodeBuffer,
  encodeBuffer,
  headerLength,
  KEK_A,
  patternBytes,
  settings,
} from '../test-support/helpers.js';
import { flip, headerFailure, join, streamFailure, withByte } from '../test-support/outcomes.js';

/**
 * Edits of the authenticated header and of the key slot (T19). Each edit gets the specific error
 * the tamper table of docs/archive-format.md names, before any plaintext is released.
 */

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const PLAINTEXT = patternBytes(2 * CHUNK + 100, 44);

const MESSAGE_ID = 8;
const NONCE_PREFIX = 40;
const COMMITMENT = 47;
const CONTEXT_LEN = 79;
const CONTEXT = 81;

let object: Buffer;
let sibling: Buffer;
/** Offset of the key slot (wrap_alg). */
let slot: number;

beforeAll(async () => {
  const s = settings({ chunkSizeLog2: LOG2 });
  object = await encodeBuffer(PLAINTEXT, { settings: s });
  sibling = await encodeBuffer(PLAINTEXT, { settings: s });
  slot = authenticatedHeaderLength(object);
  expect(object[slot]).toBe(0x01);
  expect(object[slot + 1]).toBe(KEK_A.keyId.length);
});

const noPlaintext = (outcome: Awaited<ReturnType<typeof decodeBuffer>>, message: RegExp): void => {
  expect(streamFailure(outcome, message, PLAINTEXT)).toBe(0);
};

describe('fixed fields', () => {
  it('magic, version, alg, chunk_log2 out of range, unknown flags: InvalidInput before any key is used', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, 0, 0x58)),
      'InvalidInput',
      /^not a CXAR object: bad magic$/,
    );
    headerFailure(await decodeBuffer(withByte(object, 4, 2)), 'InvalidInput', /^unsupported CXAR version 2 /);
    headerFailure(
      await decodeBuffer(withByte(object, 5, 2)),
      'InvalidInput',
      /^unknown CXAR algorithm 0x02$/,
    );
    for (const log2 of [11, 21])
      headerFailure(
        await decodeBuffer(withByte(object, 6, log2)),
        'InvalidInput',
        new RegExp(`^CXAR chunk_log2 ${log2} is out of range 12..20$`),
      );
    for (const flags of [0x03, 0x04, 0x80])
      headerFailure(
        await decodeBuffer(withByte(object, 7, flags)),
        'InvalidInput',
        new RegExp(`^unknown CXAR flags 0x${flags.toString(16).padStart(2, '0')}$`),
      );
  });

  it('chunk_log2 within range, compression flag switched to gzip or zstd, nonce_prefix: chunk 0 fails', async () => {
    noPlaintext(await decodeBuffer(withByte(object, 6, 13)), /^chunk 0 failed authentication/);
    noPlaintext(await decodeBuffer(withByte(object, 7, 0x01)), /^chunk 0 failed authentication/);
    noPlaintext(await decodeBuffer(withByte(object, 7, 0x02)), /^chunk 0 failed authentication/);
    noPlaintext(await decodeBuffer(flip(object, NONCE_PREFIX)), /^chunk 0 failed authentication/);
  });

  it('message_id: the wrapped DEK does not open (the message id is in its AAD)', async () => {
    headerFailure(
      await decodeBuffer(flip(object, MESSAGE_ID + 3)),
      'Permanent',
      /^the data key could not be unwrapped with key kek:[0-9a-f]{16} /,
    );
  });

  it('commitment: key commitment mismatch', async () => {
    headerFailure(await decodeBuffer(flip(object, COMMITMENT + 31)), 'Permanent', /^key commitment mismatch/);
  });

  it('cut inside the fixed fields, the context or the key slot', async () => {
    headerFailure(
      await decodeBuffer(Buffer.alloc(0)),
      'InvalidInput',
      /^not a CXAR object: the input is empty$/,
    );
    headerFailure(
      await decodeBuffer(Buffer.from('{"salt":')),
      'InvalidInput',
      /^not a CXAR object: bad magic$/,
    );
    headerFailure(
      await decodeBuffer(object.subarray(0, 50)),
      'InvalidInput',
      /ends inside the fixed fields$/,
    );
    headerFailure(
      await decodeBuffer(object.subarray(0, 100)),
      'InvalidInput',
      /the context runs past the end/,
    );
    for (const at of [slot, slot + 1, slot + 10, slot + 30, headerLength(object) - 1])
      headerFailure(
        await decodeBuffer(object.subarray(0, at)),
        'InvalidInput',
        /^truncated CXAR key slot: it runs past the end of the object$/,
      );
  });
});

describe('context', () => {
  it('context_len edited (shorter or longer): "header context is not UTF-8 JSON"', async () => {
    const length = object.readUInt16BE(CONTEXT_LEN);
    for (const edited of [length - 1, length + 1, length + 5]) {
      const copy = Buffer.from(object);
      copy.writeUInt16BE(edited, CONTEXT_LEN);
      headerFailure(await decodeBuffer(copy), 'InvalidInput', /^header context is not UTF-8 JSON$/);
    }
  });

  it('context bytes no longer JSON or no longer UTF-8', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, CONTEXT, 0x5b)),
      'InvalidInput',
      /^header context is not/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, CONTEXT + 3, 0xff)),
      'InvalidInput',
      /^header context is not UTF-8 JSON$/,
    );
  });

  it('object key edited, read where it was written: context mismatch', async () => {
    const at = object.indexOf('c-1001/recording', CONTEXT);
    headerFailure(
      await decodeBuffer(withByte(object, at, 'd'.charCodeAt(0))),
      'InvalidInput',
      /^context mismatch: objectKey/,
    );
  });

  // The edits below also rewrite what the reader expects, as an attacker relocating an object
  // would: the context check passes, and the cryptographic binding is what catches the edit.
  it('object key or tenant edited to where the object now lies: the wrapped DEK does not open', async () => {
    const at = object.indexOf('c-1001/recording', CONTEXT);
    headerFailure(
      await decodeBuffer(withByte(object, at, 'd'.charCodeAt(0)), {
        expected: { ...CTX, objectKey: CTX.objectKey.replace('c-1001/', 'd-1001/') },
      }),
      'Permanent',
      /^the data key could not be unwrapped/,
    );
    const tenantAt = object.indexOf('"tenant":"acme"', CONTEXT) + '"tenant":"'.length;
    headerFailure(
      await decodeBuffer(withByte(object, tenantAt, 'b'.charCodeAt(0)), {
        expected: { ...CTX, tenant: 'bcme' },
      }),
      'Permanent',
      /^the data key could not be unwrapped/,
    );
  });
});

describe('key slot (outside the chunk AAD, authenticated by the wrap and the commitment)', () => {
  it('key id edited: "object was encrypted under key X, the configured key is Y"', async () => {
    const at = slot + 2 + 'kek:'.length;
    const value = object[at] === 0x30 ? 0x31 : 0x30;
    const edited = `kek:${String.fromCharCode(value)}${KEK_A.keyId.slice(5)}`;
    headerFailure(
      await decodeBuffer(withByte(object, at, value)),
      'Permanent',
      new RegExp(`^object was encrypted under key ${edited}, the configured key is ${KEK_A.keyId}$`),
    );
  });

  it('key id made non-printable: InvalidInput', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, slot + 3, 0x20)),
      'InvalidInput',
      /^key slot: the key id is not printable ASCII$/,
    );
  });

  it('wrap_alg edited: unknown, or a passphrase wrap with a KEK key id', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, slot, 0x07)),
      'InvalidInput',
      /^key slot: unknown wrap_alg 0x07$/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, slot, 0x00)),
      'InvalidInput',
      /^key slot: unknown wrap_alg 0x00$/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, slot, 0x02)),
      'InvalidInput',
      /^key slot: "kek:[0-9a-f]{16}" is not a passphrase key id/,
    );
  });

  it('key_id_len edited', async () => {
    headerFailure(
      await decodeBuffer(withByte(object, slot + 1, 0)),
      'InvalidInput',
      /^key slot: the key id is empty$/,
    );
    headerFailure(
      await decodeBuffer(withByte(object, slot + 1, 19)),
      'InvalidInput',
      /^key slot: the wrapped data key is \d+ bytes, wrap_alg 0x01 has 60$/,
    );
  });

  it('wrapped_dek_len edited', async () => {
    const at = slot + 2 + KEK_A.keyId.length;
    for (const length of [59, 61, 0]) {
      const copy = Buffer.from(object);
      copy.writeUInt16BE(length, at);
      headerFailure(
        await decodeBuffer(copy),
        'InvalidInput',
        new RegExp(`^key slot: the wrapped data key is ${length} bytes, wrap_alg 0x01 has 60$`),
      );
    }
  });

  it('wrapped DEK edited (nonce, ciphertext or tag): it does not open', async () => {
    const start = slot + 4 + KEK_A.keyId.length;
    for (const at of [0, 12, 44, 59])
      headerFailure(
        await decodeBuffer(flip(object, start + at)),
        'Permanent',
        new RegExp(`^the data key could not be unwrapped with key ${KEK_A.keyId} `),
      );
  });

  it("another object's key slot (same key): it does not open (its message id is in the wrap AAD)", async () => {
    const otherSlot = sibling.subarray(authenticatedHeaderLength(sibling), headerLength(sibling));
    const swapped = join(object.subarray(0, slot), otherSlot, object.subarray(headerLength(object)));
    headerFailure(await decodeBuffer(swapped), 'Permanent', /^the data key could not be unwrapped/);
  });
});
