import { createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBuffer, encodeBuffer, kekFrom } from '../test-support/helpers.js';
import type { Compression } from './options.js';

interface Vector {
  name: string;
  encodeExact: boolean;
  chunkSizeLog2: number;
  compression: Compression;
  context: { tenant: string; objectKey: string; itemId: string; artifact: string; contentType?: string };
  plaintext: string;
  object: string;
}
interface VectorFile {
  kek: string;
  keyId: string;
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

/**
 * A from-the-spec reader written independently of the streaming code (whole buffers, byte
 * offsets, no shared helpers), so the vectors check the format as documented, not only
 * that the implementation agrees with itself.
 */
const referenceDecode = (
  object: Buffer,
  kekBytes: Buffer,
): { plaintext: Buffer; context: unknown; keyId: string } => {
  expect(object.subarray(0, 4).toString('latin1')).toBe('CXAR');
  expect([object[4], object[5]]).toEqual([1, 1]);
  const chunkSize = 2 ** object[6]!;
  const flags = object[7]!;
  const messageId = object.subarray(8, 40);
  const noncePrefix = object.subarray(40, 47);
  const commitment = object.subarray(47, 79);
  const wrappedLength = object.readUInt16BE(79);
  const wrapped = object.subarray(81, 81 + wrappedLength);
  const contextLength = object.readUInt16BE(81 + wrappedLength);
  const contextStart = 83 + wrappedLength;
  const headerEnd = contextStart + contextLength;
  const context = JSON.parse(object.subarray(contextStart, headerEnd).toString('utf8')) as {
    tenant: string;
    keyId: string;
  };
  const keyId = `kek:${createHmac('sha256', kekBytes).update('cxar/v1 key-id').digest('hex').slice(0, 16)}`;
  const dek = gcmOpen(
    kekBytes,
    wrapped.subarray(0, 12),
    Buffer.from(`${context.tenant}\u0000${context.keyId}`, 'utf8'),
    wrapped.subarray(12),
  );
  const hkdf = (info: string): Buffer => Buffer.from(hkdfSync('sha256', dek, messageId, info, 32));
  expect(hkdf('cxar/v1 commit').equals(commitment)).toBe(true);
  const encKey = hkdf('cxar/v1 enc');
  const aad = createHash('sha256').update(object.subarray(0, headerEnd)).digest();
  const body = object.subarray(headerEnd);
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
  return { plaintext: flags & 1 ? gunzipSync(inner) : inner, context, keyId };
};

describe('known-answer vectors (T21)', () => {
  it('the vector file has the vectors this test expects', () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(3);
    expect(file.vectors.filter((v) => v.encodeExact).length).toBeGreaterThanOrEqual(2);
    expect(kek.keyId).toBe(file.keyId);
  });

  for (const vector of file.vectors) {
    describe(vector.name, () => {
      it('the spec reference reader decrypts it to the plaintext, context and key id', () => {
        const decoded = referenceDecode(hex(vector.object), hex(file.kek));
        expect(decoded.plaintext.toString('hex')).toBe(vector.plaintext);
        expect(decoded.context).toEqual({ v: 1, keyId: file.keyId, ...vector.context });
        expect(decoded.keyId).toBe(file.keyId);
      });

      it('the codec decodes it byte-exactly', async () => {
        const outcome = await decodeBuffer(hex(vector.object), { kek, expected: vector.context });
        expect(outcome).toEqual({ ok: true, plaintext: hex(vector.plaintext) });
      });

      if (vector.encodeExact) {
        it('encoding with the same fixed secrets gives the same bytes', async () => {
          const object = await encodeBuffer(hex(vector.plaintext), {
            settings: { kek, compression: vector.compression, chunkSizeLog2: vector.chunkSizeLog2 },
            ctx: vector.context,
            secrets,
            pieceSize: 777,
          });
          expect(object.toString('hex')).toBe(vector.object);
        });
      }
    });
  }
});
