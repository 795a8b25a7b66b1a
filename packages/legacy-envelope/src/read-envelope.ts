import { open } from 'node:fs/promises';
import { LegacyEnvelopeError, unreadable } from './errors.js';

/** The default cap on an envelope file: it is one JSON document, read whole. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 256 * 1024 * 1024;

/** AES-GCM nonce and tag lengths as the tutorial's `AESGCM` used them. */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** The decoded fields of an envelope. */
export interface LegacyEnvelope {
  readonly salt: Buffer;
  readonly nonce: Buffer;
  /** Ciphertext with the 16-byte GCM tag at its end. */
  readonly ciphertext: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

/** Reads a regular file of at most `maxBytes`, refusing a larger one before reading it. */
const readCapped = async (file: string, maxBytes: number): Promise<Buffer> => {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable('envelope', file, error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new LegacyEnvelopeError('unreadable', `envelope ${file} is not a regular file`);
    const tooLarge = () =>
      new LegacyEnvelopeError(
        'too-large',
        `envelope ${file} is larger than the ${mib(maxBytes)} cap (${stat.size} bytes); raise the cap (maxEnvelopeBytes) if the file is genuine`,
      );
    if (stat.size > maxBytes) throw tooLarge();
    // The file may grow while it is read: never read past the cap.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) throw tooLarge();
      if (filled === buffer.length) break;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    if (error instanceof LegacyEnvelopeError) throw error;
    throw unreadable('envelope', file, error);
  } finally {
    await handle.close();
  }
};

/** A base64 field, strictly: the standard alphabet with padding, as Python's b64encode writes it. */
const field = (file: string, value: Record<string, unknown>, name: string): Buffer => {
  const text = value[name];
  if (text === undefined)
    throw new LegacyEnvelopeError('bad-field', `envelope ${file}: the field "${name}" is missing`);
  if (typeof text !== 'string')
    throw new LegacyEnvelopeError('bad-field', `envelope ${file}: the field "${name}" is not a string`);
  if (text.length % 4 !== 0 || !BASE64.test(text))
    throw new LegacyEnvelopeError(
      'bad-field',
      `envelope ${file}: the field "${name}" is not base64 (standard alphabet, padded)`,
    );
  return Buffer.from(text, 'base64');
};

/**
 * Reads and checks one envelope `{ "salt", "nonce", "ciphertext" }` (base64 strings; other fields
 * are ignored). Throws LegacyEnvelopeError naming the file and what is wrong.
 */
export const readEnvelope = async (
  file: string,
  maxBytes: number = DEFAULT_MAX_ENVELOPE_BYTES,
): Promise<LegacyEnvelope> => {
  const bytes = await readCapped(file, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new LegacyEnvelopeError(
      'not-json',
      `envelope ${file} is not JSON (truncated or not an envelope of the tutorial script)`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new LegacyEnvelopeError(
      'not-json',
      `envelope ${file} is not a JSON object with salt, nonce and ciphertext`,
    );
  const record = value as Record<string, unknown>;
  const salt = field(file, record, 'salt');
  const nonce = field(file, record, 'nonce');
  const ciphertext = field(file, record, 'ciphertext');
  if (salt.length === 0) throw new LegacyEnvelopeError('bad-field', `envelope ${file}: the salt is empty`);
  if (nonce.length !== NONCE_BYTES)
    throw new LegacyEnvelopeError(
      'bad-field',
      `envelope ${file}: the nonce is ${nonce.length} bytes, expected ${NONCE_BYTES}`,
    );
  if (ciphertext.length < TAG_BYTES)
    throw new LegacyEnvelopeError(
      'bad-field',
      `envelope ${file}: the ciphertext is ${ciphertext.length} bytes, shorter than the ${TAG_BYTES}-byte tag`,
    );
  return { salt, nonce, ciphertext };
};
