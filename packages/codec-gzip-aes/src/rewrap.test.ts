import { Readable } from 'node:stream';
import { type PluginError, PluginFailure } from '@cxarchive/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticatedHeaderLength,
  CTX,
  collect,
  decodeBuffer,
  encodeBuffer,
  headerLength,
  KEK_A,
  KEK_B,
  kekFrom,
  NEVER,
  patternBytes,
  readableOf,
  settings,
} from '../test-support/helpers.js';
import { flip, headerFailure } from '../test-support/outcomes.js';
import { keyRingOf, loadKeyRing } from './keyring.js';
import { rewrapObject } from './rewrap.js';

const PLAINTEXT = patternBytes(3 * 4096 + 77, 9);
let object: Buffer;

beforeAll(async () => {
  object = await encodeBuffer(PLAINTEXT, { settings: settings({ chunkSizeLog2: 12 }) });
});

type RewrapOutcome =
  | { ok: true; bytes: Buffer; fromKeyId: string; keyId: string }
  | { ok: false; error: PluginError };

const rewrap = async (
  input: Buffer,
  ring = keyRingOf(KEK_A),
  target = KEK_B,
  expected = CTX,
): Promise<RewrapOutcome> => {
  const result = await rewrapObject(readableOf(input, 1000), expected, ring, target, NEVER);
  if (result.isErr()) return { ok: false, error: result.error };
  try {
    return {
      ok: true,
      bytes: await collect(result.value.stream),
      fromKeyId: result.value.fromKeyId,
      keyId: result.value.keyId,
    };
  } catch (cause) {
    if (!(cause instanceof PluginFailure)) throw cause;
    return { ok: false, error: cause.error };
  }
};

describe('rewrap (keys rewrap)', () => {
  it('round trip: a new key slot under the new KEK, header and chunks byte for byte the same', async () => {
    const outcome = await rewrap(object);
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome).toMatchObject({ fromKeyId: KEK_A.keyId, keyId: KEK_B.keyId });
    const out = outcome.bytes;
    const headerEnd = authenticatedHeaderLength(object);
    expect(out.subarray(0, headerEnd).equals(object.subarray(0, headerEnd))).toBe(true);
    expect(out.subarray(headerLength(out)).equals(object.subarray(headerLength(object)))).toBe(true);
    expect(
      out.subarray(headerEnd, headerLength(out)).equals(object.subarray(headerEnd, headerLength(object))),
    ).toBe(false);
    expect(await decodeBuffer(out, { kek: KEK_B })).toEqual({ ok: true, plaintext: PLAINTEXT });
    headerFailure(await decodeBuffer(out, { kek: KEK_A }), 'Permanent', /^object was encrypted under key/);
    // and back again, to the first key
    const back = await rewrap(out, keyRingOf(KEK_B), KEK_A);
    if (!back.ok) throw new Error(back.error.message);
    expect(await decodeBuffer(back.bytes, { kek: KEK_A })).toEqual({ ok: true, plaintext: PLAINTEXT });
  });

  it('to a passphrase key (wrap_alg 0x02) and back', async () => {
    const ring = (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, '/', {
        P: 'rewrap passphrase of length',
      })
    )._unsafeUnwrap();
    const toPw = await rewrap(object, keyRingOf(KEK_A), ring.writeKey);
    if (!toPw.ok) throw new Error(toPw.error.message);
    expect(toPw.bytes[authenticatedHeaderLength(toPw.bytes)]).toBe(0x02);
    expect(await decodeBuffer(toPw.bytes, { ring })).toEqual({ ok: true, plaintext: PLAINTEXT });
  });

  it('an object the ring cannot open, or a tampered commitment, is refused before anything is written', async () => {
    const none = await rewrap(object, keyRingOf(KEK_B), kekFrom(Buffer.alloc(32, 9)));
    expect(none).toMatchObject({ ok: false, error: { _tag: 'Permanent' } });
    expect(!none.ok && none.error.message).toMatch(/^object was encrypted under key /);
    const commitment = await rewrap(flip(object, 47));
    expect(!commitment.ok && commitment.error.message).toMatch(/^key commitment mismatch/);
    const moved = await rewrap(object, keyRingOf(KEK_A), KEK_B, { ...CTX, itemId: 'c-2' });
    expect(!moved.ok && moved.error.message).toMatch(/^context mismatch: itemId/);
    const partial = await rewrap(object, keyRingOf(KEK_A), KEK_B, { ...CTX, artifact: '' });
    expect(!partial.ok && partial.error.message).toMatch(/^decode needs the full expected context/);
  });

  it('a corrupt or truncated chunk fails the rewrapped stream (no object that would not decode)', async () => {
    const corrupt = await rewrap(flip(object, headerLength(object) + 5000));
    expect(!corrupt.ok && corrupt.error.message).toMatch(/^chunk 1 failed authentication/);
    const truncated = await rewrap(object.subarray(0, object.length - 77 - 16));
    expect(!truncated.ok && truncated.error.message).toMatch(/^truncated: no final chunk/);
    const trailing = await rewrap(Buffer.concat([object, Buffer.from('x')]));
    expect(trailing.ok).toBe(false);
  });

  it('streams: the input is consumed as the output is read', async () => {
    const pieces = [object.subarray(0, 200), object.subarray(200)];
    const result = await rewrapObject(Readable.from(pieces), CTX, keyRingOf(KEK_A), KEK_B, NEVER);
    const out = await collect(result._unsafeUnwrap().stream);
    expect(out.length).toBe(object.length);
  });
});
