import { createDecipheriv, createHash, createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBuffer, encodeBuffer, kekFrom } from '../test-support/helpers.js';
import { keyRingOf } from './keyring.js';
import type { Compression } from './options.js';

interface Vector {
  name: string;
  key: 'kek' | 'passphrase';
  encodeExact: boolean;
  chunkSizeLog2: number;
  compression: Exclude<Compression, 'auto'>;
  context: { tenant: string; objectKey: string; itemId: string; artifact: string; contentType?: string };
  plaintext: string;
  object: string;
}
interface VectorFile {
  kek: string;
  keyId: string;
  passphrase: string;
  passphraseSalt: string;
  passphraseIterations: number;
  passphraseKek: string;
  passphraseKeyId: string;
  dek: string;
  messageId: string;
  noncePrefix: string;
  wrapNonce: string;
  vectors: Vector[];
}

const file = JSON.parse(
  readFileSync(new URL('../test-vectors/cxar-v1.json', import.meta.url), 'utf8'),
) as VectorFile;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const kek = kekFrom(hex(file.kek));
const pwKek = { key: hex(file.passphraseKek), keyId: file.passphraseKeyId, wrapAlg: 2 };
const secrets = {
  dek: hex(file.dek),
  messageId: hex(file.messageId),
  noncePrefix: hex(file.noncePrefix),
  wrapNonce: hex(file.wrapNonce),
};

const gcmOpen = (key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
};

/** The KEK of a key slot, from the spec: a 32-byte key (0x01) or PBKDF2 of the passphrase (0x02). */
const kekFor = (wrapAlg: number, keyId: string): Buffer => {
  if (wrapAlg === 1) {
    const key = hex(file.kek);
    const id = `kek:${createHmac('sha256', key).update('cxar/v1 key-id').digest('hex').slice(0, 16)}`;
    expect(keyId).toBe(id);
    return key;
  }
  expect(wrapAlg).toBe(2);
  const [prefix, iterations, salt, fingerprint] = keyId.split(':');
  expect(prefix).toBe('pw');
  const key = pbkdf2Sync(Buffer.from(file.passphrase, 'utf8'), hex(salt!), Number(iterations), 32, 'sha256');
  expect(createHmac('sha256', key).update('cxar/v1 key-id').digest('hex').slice(0, 16)).toBe(fingerprint);
  return key;
};

/**
 * A from-the-spec reader written independently of the streaming code (whole buffers, byte
 * offsets, no shared helpers), so the vectors check the format as documented, not only
 * that the implementation agrees with itself.
 */
const referenceDecode = (
  object: Buffer,
): { plaintext: Buffer; context: unknown; keyId: string; chunks: number } => {
  expect(object.subarray(0, 4).toString('latin1')).toBe('CXAR');
  expect([object[4], object[5]]).toEqual([1, 1]);
  const chunkSize = 2 ** object[6]!;
  const flags = object[7]!;
  const messageId = object.subarray(8, 40);
  const noncePrefix = object.subarray(40, 47);
  const commitment = object.subarray(47, 79);
  const contextLength = object.readUInt16BE(79);
  const contextBytes = object.subarray(81, 81 + contextLength);
  const headerEnd = 81 + contextLength;
  const context = JSON.parse(contextBytes.toString('utf8')) as unknown;
  // key slot
  const wrapAlg = object[headerEnd]!;
  const keyIdLength = object[headerEnd + 1]!;
  const keyIdBytes = object.subarray(headerEnd + 2, headerEnd + 2 + keyIdLength);
  const keyId = keyIdBytes.toString('latin1');
  const wrappedLength = object.readUInt16BE(headerEnd + 2 + keyIdLength);
  expect(wrappedLength).toBe(60);
  const wrappedStart = headerEnd + 4 + keyIdLength;
  const wrapped = object.subarray(wrappedStart, wrappedStart + wrappedLength);
  const wrapAad = Buffer.concat([
    Buffer.from('cxar/v1 wrap', 'latin1'),
    messageId,
    Buffer.from([wrapAlg, keyIdLength]),
    keyIdBytes,
    object.subarray(79, 81),
    contextBytes,
  ]);
  const dek = gcmOpen(kekFor(wrapAlg, keyId), wrapped.subarray(0, 12), wrapAad, wrapped.subarray(12));
  const hkdf = (info: string): Buffer => Buffer.from(hkdfSync('sha256', dek, messageId, info, 32));
  expect(hkdf('cxar/v1 commit').equals(commitment)).toBe(true);
  const encKey = hkdf('cxar/v1 enc');
  const aad = createHash('sha256').update(object.subarray(0, headerEnd)).digest();
  const body = object.subarray(wrappedStart + wrappedLength);
  const sealedSize = chunkSize + 16;
  const count = Math.max(1, Math.ceil(body.length / sealedSize));
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    noncePrefix.copy(nonce);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === count - 1 ? 1 : 0;
    out.push(gcmOpen(encKey, nonce, aad, body.subarray(i * sealedSize, (i + 1) * sealedSize)));
  }
  const inner = Buffer.concat(out);
  const plaintext = flags === 1 ? gunzipSync(inner) : flags === 2 ? zstdDecompressSync(inner) : inner;
  expect([0, 1, 2]).toContain(flags);
  return { plaintext, context, keyId, chunks: count };
};

const CHUNK = 4096;

describe('known-answer vectors (T21)', () => {
  it('the vector file covers every edge case', () => {
    const sizes = file.vectors
      .filter((v) => v.compression === 'none' && v.key === 'kek')
      .map((v) => v.plaintext.length / 2);
    expect(sizes).toEqual(expect.arrayContaining([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK]));
    expect(new Set(file.vectors.map((v) => v.compression))).toEqual(new Set(['none', 'gzip', 'zstd']));
    expect(file.vectors.some((v) => v.key === 'passphrase')).toBe(true);
    expect(kek.keyId).toBe(file.keyId);
    expect(file.passphraseKeyId).toMatch(/^pw:600000:[0-9a-f]{32}:[0-9a-f]{16}$/);
  });

  for (const vector of file.vectors) {
    describe(vector.name, () => {
      const key = vector.key === 'kek' ? kek : pwKek;

      it('the spec reference reader decrypts it to the plaintext, context and key id', () => {
        const decoded = referenceDecode(hex(vector.object));
        expect(decoded.plaintext.toString('hex')).toBe(vector.plaintext);
        expect(decoded.context).toEqual({ v: 1, ...vector.context });
        expect(decoded.keyId).toBe(key.keyId);
        if (vector.compression === 'none')
          expect(decoded.chunks).toBe(Math.max(1, Math.ceil(vector.plaintext.length / 2 / CHUNK)));
      });

      it('the codec decodes it byte-exactly', async () => {
        const outcome = await decodeBuffer(hex(vector.object), {
          ring: keyRingOf(key),
          expected: vector.context,
        });
        expect(outcome).toEqual({ ok: true, plaintext: hex(vector.plaintext) });
      });

      if (vector.encodeExact) {
        it('encoding with the same fixed secrets gives the same bytes', async () => {
          const object = await encodeBuffer(hex(vector.plaintext), {
            settings: { kek: key, compression: vector.compression, chunkSizeLog2: vector.chunkSizeLog2 },
            ctx: vector.context,
            secrets,
            pieceSize: 777,
          });
          expect(object.toString('hex')).toBe(vector.object);
        });
      }
    });
  }

  it('the passphrase in the vector file derives the passphrase key through the codec', async () => {
    const { loadKeyRing } = await import('./keyring.js');
    const ring = (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, '/', {
        P: file.passphrase,
      })
    )._unsafeUnwrap();
    const vector = file.vectors.find((v) => v.key === 'passphrase')!;
    const outcome = await decodeBuffer(hex(vector.object), { ring, expected: vector.context });
    expect(outcome).toEqual({ ok: true, plaintext: hex(vector.plaintext) });
    // a fresh salt for writing: a different key id from the vector's
    expect(ring.writeKey.keyId).not.toBe(file.passphraseKeyId);
    expect(ring.writeKey.keyId).toMatch(/^pw:600000:/);
  });
});
