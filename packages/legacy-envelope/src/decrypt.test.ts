import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  flipByte,
  sealEnvelope,
  tempDir,
  VECTOR_ENVELOPE,
  VECTOR_PASSPHRASE,
  VECTOR_RECORDS,
  vectorEnvelope,
  writeEnvelope,
} from '../test-support/envelopes.js';
import { decryptLegacyEnvelope } from './decrypt.js';
import { LegacyEnvelopeError } from './errors.js';

/** The error decryptLegacyEnvelope rejects with (or destroys its stream with). */
const failure = async (file: string, passphrase = VECTOR_PASSPHRASE, maxBytes?: number) => {
  try {
    const stream = await decryptLegacyEnvelope(file, passphrase, maxBytes === undefined ? {} : { maxBytes });
    await text(stream);
  } catch (error) {
    expect(error).toBeInstanceOf(LegacyEnvelopeError);
    const e = error as LegacyEnvelopeError;
    expect(e.message).not.toContain(passphrase);
    return e;
  }
  throw new Error('decryption succeeded');
};

describe('decryptLegacyEnvelope', () => {
  it('decrypts the envelope make-vector.py wrote to the exact JSON Lines it sealed', async () => {
    const stream = await decryptLegacyEnvelope(VECTOR_ENVELOPE, VECTOR_PASSPHRASE);
    expect(await text(stream)).toBe(readFileSync(VECTOR_RECORDS, 'utf8'));
  });

  it('streams a plaintext many slices long', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) =>
      JSON.stringify({ contactId: i, pad: randomBytes(20).toString('hex') }),
    );
    const plaintext = `${lines.join('\n')}\n`;
    // Random padding keeps gzip from shrinking it: the ciphertext spans many 64 KiB slices.
    const file = writeEnvelope(tempDir('big'), 'big.json', sealEnvelope(plaintext, 'pw'));
    expect(await text(await decryptLegacyEnvelope(file, 'pw'))).toBe(plaintext);
  });

  it('refuses a wrong passphrase as "wrong passphrase or altered envelope", before any plaintext', async () => {
    const e = await failure(VECTOR_ENVELOPE, 'correct horse battery stapler');
    expect(e.code).toBe('auth');
    expect(e.message).toContain('wrong passphrase or altered envelope');
    expect(e.message).toContain('tutorial-envelope.json');
    // The promise itself rejects: no stream, so no byte of plaintext, is ever handed out.
    await expect(decryptLegacyEnvelope(VECTOR_ENVELOPE, 'wrong')).rejects.toMatchObject({ code: 'auth' });
  });

  const altered: [string, (v: Record<string, string>) => Record<string, string>][] = [
    ['a flipped ciphertext byte', (v) => ({ ...v, ciphertext: flipByte(v.ciphertext!, 20) })],
    [
      'a flipped tag byte',
      (v) => ({ ...v, ciphertext: flipByte(v.ciphertext!, Buffer.from(v.ciphertext!, 'base64').length - 1) }),
    ],
    [
      'a truncated ciphertext',
      (v) => ({ ...v, ciphertext: Buffer.from(v.ciphertext!, 'base64').subarray(0, -3).toString('base64') }),
    ],
    [
      'bytes appended to the ciphertext',
      (v) => ({
        ...v,
        ciphertext: Buffer.concat([Buffer.from(v.ciphertext!, 'base64'), Buffer.alloc(3)]).toString('base64'),
      }),
    ],
    ['an edited nonce', (v) => ({ ...v, nonce: flipByte(v.nonce!, 0) })],
    ['an edited salt', (v) => ({ ...v, salt: flipByte(v.salt!, 5) })],
  ];
  for (const [what, alter] of altered)
    it(`refuses ${what} as an altered envelope`, async () => {
      const file = writeEnvelope(tempDir('alt'), 'altered.json', alter(vectorEnvelope()));
      await expect(decryptLegacyEnvelope(file, VECTOR_PASSPHRASE)).rejects.toMatchObject({
        code: 'auth',
        message: expect.stringContaining('wrong passphrase or altered envelope'),
      });
    });

  const malformed: [string, string | Record<string, unknown>, RegExp][] = [
    ['a cut-off file', readFileSync(VECTOR_ENVELOPE, 'utf8').slice(0, 200), /is not JSON/],
    ['a JSON array', '[1, 2, 3]', /not a JSON object with salt, nonce and ciphertext/],
    ['a missing nonce', { salt: 'AAAA', ciphertext: 'AAAA' }, /"nonce" is missing/],
    ['a number for salt', { ...vectorEnvelope(), salt: 42 }, /"salt" is not a string/],
    [
      'ciphertext not base64',
      { ...vectorEnvelope(), ciphertext: 'not base64!' },
      /"ciphertext" is not base64/,
    ],
    ['url-safe base64', { ...vectorEnvelope(), nonce: 'ab-_ab-_ab-_ab-_' }, /"nonce" is not base64/],
    ['unpadded base64', { ...vectorEnvelope(), salt: 'AAAAA' }, /"salt" is not base64/],
    [
      'an 8-byte nonce',
      { ...vectorEnvelope(), nonce: Buffer.alloc(8).toString('base64') },
      /nonce is 8 bytes, expected 12/,
    ],
    ['an empty salt', { ...vectorEnvelope(), salt: '' }, /salt is empty/],
    [
      'a ciphertext shorter than the tag',
      { ...vectorEnvelope(), ciphertext: 'AAAA' },
      /shorter than the 16-byte tag/,
    ],
  ];
  for (const [what, content, message] of malformed)
    it(`refuses ${what} with a specific error`, async () => {
      const file = writeEnvelope(tempDir('bad'), 'bad.json', content);
      const e = await failure(file);
      expect(['not-json', 'bad-field']).toContain(e.code);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(file);
    });

  it('refuses an envelope over the size cap before reading it', async () => {
    const e = await failure(VECTOR_ENVELOPE, VECTOR_PASSPHRASE, 100);
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/larger than the .* cap/);
  });

  it('names a missing envelope file', async () => {
    const e = await failure(path.join(tempDir('none'), 'missing.json'));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/missing\.json: no such file/);
  });

  it('refuses authenticated content that is not gzip', async () => {
    const file = writeEnvelope(
      tempDir('plain'),
      'plain.json',
      sealEnvelope('{"contactId": 1}\n', 'pw', { gzip: false }),
    );
    const e = await failure(file, 'pw');
    expect(e.code).toBe('bad-plaintext');
    expect(e.message).toMatch(/not gzip/);
  });
});
