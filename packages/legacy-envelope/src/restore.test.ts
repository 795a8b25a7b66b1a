import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  flipByte,
  sealEnvelope,
  tempDir,
  VECTOR_ENVELOPE,
  VECTOR_PASSPHRASE,
  VECTOR_PASSPHRASE_FILE,
  VECTOR_RECORDS,
  vectorEnvelope,
  writeEnvelope,
} from '../test-support/envelopes.js';
import { LegacyEnvelopeError } from './errors.js';
import { restoreLegacyEnvelope } from './restore.js';

const passphraseFile = (content: string): string => {
  const file = path.join(tempDir('pass'), 'pass.txt');
  writeFileSync(file, content);
  return file;
};

/** Restores and expects a LegacyEnvelopeError of `code`, with nothing at all left in `out`. */
const refused = async (
  envelope: string,
  code: string,
  passFile = VECTOR_PASSPHRASE_FILE,
  maxBytes?: number,
) => {
  const out = tempDir('out');
  const error = await restoreLegacyEnvelope(envelope, passFile, out, maxBytes ? { maxBytes } : {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LegacyEnvelopeError);
  expect((error as LegacyEnvelopeError).code).toBe(code);
  expect((error as Error).message).not.toContain(VECTOR_PASSPHRASE);
  expect(readdirSync(out)).toEqual([]);
  return error as LegacyEnvelopeError;
};

describe('restoreLegacyEnvelope', () => {
  it('restores the tutorial vector record for record into <out>/<name>.jsonl, 0600, no temp file left', async () => {
    const out = tempDir('out');
    const restored = await restoreLegacyEnvelope(VECTOR_ENVELOPE, VECTOR_PASSPHRASE_FILE, out);
    const expected = readFileSync(VECTOR_RECORDS);
    expect(restored).toEqual({
      file: path.join(out, 'tutorial-envelope.jsonl'),
      lines: 3,
      bytes: expected.length,
    });
    expect(readFileSync(restored.file)).toEqual(expected);
    expect(readdirSync(out)).toEqual(['tutorial-envelope.jsonl']);
    expect(statSync(restored.file).mode & 0o777).toBe(0o600);
  });

  it('creates a missing output directory', async () => {
    const out = path.join(tempDir('out'), 'a', 'b');
    const restored = await restoreLegacyEnvelope(VECTOR_ENVELOPE, VECTOR_PASSPHRASE_FILE, out);
    expect(readFileSync(restored.file)).toEqual(readFileSync(VECTOR_RECORDS));
  });

  it('reads the passphrase without its trailing CRLF', async () => {
    const out = tempDir('out');
    const restored = await restoreLegacyEnvelope(
      VECTOR_ENVELOPE,
      passphraseFile(`${VECTOR_PASSPHRASE}\r\n`),
      out,
    );
    expect(restored.lines).toBe(3);
  });

  it('keeps other whitespace of the passphrase: a trailing space is another passphrase', async () => {
    await refused(VECTOR_ENVELOPE, 'auth', passphraseFile(`${VECTOR_PASSPHRASE} \n`));
  });

  it('leaves no file for a wrong passphrase', async () => {
    const e = await refused(VECTOR_ENVELOPE, 'auth', passphraseFile('not the passphrase\n'));
    expect(e.message).toContain('wrong passphrase or altered envelope');
  });

  it('leaves no file for an altered ciphertext', async () => {
    const v = vectorEnvelope();
    const file = writeEnvelope(tempDir('alt'), 'alt.json', { ...v, ciphertext: flipByte(v.ciphertext!, 3) });
    await refused(file, 'auth');
  });

  it('leaves no file for a truncated ciphertext', async () => {
    const v = vectorEnvelope();
    const cut = Buffer.from(v.ciphertext!, 'base64').subarray(0, 40).toString('base64');
    await refused(writeEnvelope(tempDir('cut'), 'cut.json', { ...v, ciphertext: cut }), 'auth');
  });

  it('leaves no file for bad base64, bad JSON, an oversized envelope', async () => {
    const v = vectorEnvelope();
    await refused(writeEnvelope(tempDir('b64'), 'b.json', { ...v, salt: '***' }), 'bad-field');
    await refused(writeEnvelope(tempDir('json'), 'j.json', '{"salt": '), 'not-json');
    await refused(VECTOR_ENVELOPE, 'too-large', VECTOR_PASSPHRASE_FILE, 64);
  });

  it('leaves no file when authenticated content fails to gunzip part-way', async () => {
    // A valid gzip member cut short: the first bytes inflate, then the stream fails.
    const { gzipSync } = await import('node:zlib');
    const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => `{"contactId": ${i}}\n`).join(''));
    const cut = gzipSync(big).subarray(0, 2000);
    const file = writeEnvelope(tempDir('gz'), 'gz.json', sealEnvelope(cut, 'pw', { gzip: false }));
    await refused(file, 'bad-plaintext', passphraseFile('pw'));
  });

  it('never replaces an existing file', async () => {
    const out = tempDir('out');
    const target = path.join(out, 'tutorial-envelope.jsonl');
    writeFileSync(target, 'kept');
    await expect(restoreLegacyEnvelope(VECTOR_ENVELOPE, VECTOR_PASSPHRASE_FILE, out)).rejects.toMatchObject({
      code: 'exists',
    });
    expect(readFileSync(target, 'utf8')).toBe('kept');
    expect(readdirSync(out)).toEqual(['tutorial-envelope.jsonl']);
  });

  it('refuses an empty or missing passphrase file, naming it', async () => {
    const empty = passphraseFile('\n');
    expect((await refused(VECTOR_ENVELOPE, 'bad-passphrase-file', empty)).message).toContain(empty);
    const missing = path.join(tempDir('none'), 'pass.txt');
    expect((await refused(VECTOR_ENVELOPE, 'unreadable', missing)).message).toMatch(
      /pass\.txt: no such file/,
    );
  });
});
