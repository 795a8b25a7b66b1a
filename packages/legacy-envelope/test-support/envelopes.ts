import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const VECTORS = path.resolve(fileURLToPath(new URL('../test-vectors', import.meta.url)));
/** The committed envelope written by make-vector.py, its plaintext and its passphrase file. */
export const VECTOR_ENVELOPE = path.join(VECTORS, 'tutorial-envelope.json');
export const VECTOR_RECORDS = path.join(VECTORS, 'tutorial-records.jsonl');
export const VECTOR_PASSPHRASE_FILE = path.join(VECTORS, 'passphrase.txt');
export const VECTOR_PASSPHRASE = 'correct horse battery staple';

export const tempDir = (label: string): string =>
  mkdtempSync(path.join(tmpdir(), `cxarchive-legacy-${label}-`));

/** The vector's plaintext lines, as written by the tutorial (json.dumps per record). */
export const vectorLines = (): string[] => readFileSync(VECTOR_RECORDS, 'utf8').trimEnd().split('\n');

/**
 * Seals bytes the way the tutorial did (PBKDF2-SHA256 480000, AES-256-GCM, tag appended), for
 * envelopes the Python vector does not cover. `gzip: false` seals the bytes as they are.
 */
export const sealEnvelope = (
  plaintext: Buffer | string,
  passphrase: string,
  { gzip = true }: { gzip?: boolean } = {},
): Record<string, string> => {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = pbkdf2Sync(passphrase, salt, 480_000, 32, 'sha256');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = gzip ? gzipSync(plaintext) : Buffer.from(plaintext);
  const ciphertext = Buffer.concat([cipher.update(body), cipher.final(), cipher.getAuthTag()]);
  return {
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
};

/** Writes an envelope (object or raw text) to `dir/name` and returns its path. */
export const writeEnvelope = (
  dir: string,
  name: string,
  envelope: Record<string, unknown> | string,
): string => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
  return file;
};

/** The committed vector as an object, to alter. */
export const vectorEnvelope = (): Record<string, string> => JSON.parse(readFileSync(VECTOR_ENVELOPE, 'utf8'));

/** A base64 field with one bit of its decoded byte `at` flipped. */
export const flipByte = (b64: string, at: number): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes.toString('base64');
};
