import { createDecipheriv, pbkdf2 } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as tick } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { LegacyEnvelopeError } from './errors.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, type LegacyEnvelope, readEnvelope, TAG_BYTES } from './read-envelope.js';

/** The tutorial's key derivation: PBKDF2-HMAC-SHA256, 480000 iterations, 32-byte key. */
export const PBKDF2_ITERATIONS = 480_000;
export const KEY_BYTES = 32;

/** Ciphertext is decrypted this much at a time (both passes). */
const SLICE = 64 * 1024;
/** The authentication pass yields to the event loop after this much. */
const YIELD_EVERY = 16 * 1024 * 1024;

export const deriveLegacyKey = (passphrase: string, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    pbkdf2(Buffer.from(passphrase, 'utf8'), salt, PBKDF2_ITERATIONS, KEY_BYTES, 'sha256', (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

const decipherFor = (key: Buffer, envelope: LegacyEnvelope) => {
  const body = envelope.ciphertext.subarray(0, envelope.ciphertext.length - TAG_BYTES);
  const tag = envelope.ciphertext.subarray(envelope.ciphertext.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, envelope.nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  return { decipher, body };
};

const authFailure = (file: string) =>
  new LegacyEnvelopeError(
    'auth',
    `envelope ${file}: wrong passphrase or altered envelope (AES-GCM authentication failed); nothing was decrypted`,
  );

/**
 * First pass: decrypts and discards, only to check the tag. No plaintext leaves this function, so
 * a wrong passphrase or an altered envelope fails before any output exists.
 */
const authenticate = async (file: string, key: Buffer, envelope: LegacyEnvelope): Promise<void> => {
  const { decipher, body } = decipherFor(key, envelope);
  for (let at = 0; at < body.length; at += SLICE) {
    decipher.update(body.subarray(at, at + SLICE));
    if ((at + SLICE) % YIELD_EVERY === 0) await tick();
  }
  try {
    decipher.final();
  } catch {
    throw authFailure(file);
  }
};

/** Second pass over authenticated ciphertext: the gzip bytes, a slice at a time. */
async function* gzipBytes(file: string, key: Buffer, envelope: LegacyEnvelope): AsyncGenerator<Buffer> {
  const { decipher, body } = decipherFor(key, envelope);
  for (let at = 0; at < body.length; at += SLICE) yield decipher.update(body.subarray(at, at + SLICE));
  try {
    const last = decipher.final();
    if (last.length > 0) yield last;
  } catch {
    throw authFailure(file);
  }
}

const notGzip = (file: string, error: unknown) =>
  error instanceof LegacyEnvelopeError
    ? error
    : new LegacyEnvelopeError(
        'bad-plaintext',
        `envelope ${file}: the decrypted content is not gzip (${(error as { code?: string } | null)?.code ?? 'corrupt'})`,
      );

/** The authenticated gzip bytes, gunzipped as they are read. */
async function* plaintext(file: string, key: Buffer, envelope: LegacyEnvelope): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(gzipBytes(file, key, envelope)), gunzip);
  // Its failure also ends the iteration below, which reports it.
  feeding.catch(() => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
    await feeding;
  } catch (error) {
    throw notGzip(file, error);
  }
}

export interface DecryptOptions {
  /** Largest envelope file accepted (it is read whole). Default 256 MiB. */
  readonly maxBytes?: number;
  /** Derives the key (default: PBKDF2 as the tutorial did); a caller may cache it per salt. */
  readonly deriveKey?: (passphrase: string, salt: Buffer) => Promise<Buffer>;
}

/**
 * Decrypts one tutorial-era envelope and returns its plaintext (JSON Lines) as a byte stream,
 * gunzipped as it is read. The whole ciphertext is authenticated before the stream is returned: a
 * wrong passphrase or an altered envelope rejects with LegacyEnvelopeError `auth` and no byte of
 * plaintext. A gzip error inside the (authenticated) plaintext destroys the stream with
 * LegacyEnvelopeError `bad-plaintext`. Memory: about three times the envelope file (capped by
 * `maxBytes`: the file, its text, the decoded ciphertext); the plaintext streams.
 */
export const decryptLegacyEnvelope = async (
  file: string,
  passphrase: string,
  options: DecryptOptions = {},
): Promise<Readable> => {
  const envelope = await readEnvelope(file, options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES);
  const key = await (options.deriveKey ?? deriveLegacyKey)(passphrase, envelope.salt);
  return decryptEnvelope(file, envelope, key);
};

/** `decryptLegacyEnvelope` for an envelope already read and a key already derived. */
export const decryptEnvelope = async (
  file: string,
  envelope: LegacyEnvelope,
  key: Buffer,
): Promise<Readable> => {
  await authenticate(file, key, envelope);
  return Readable.from(plaintext(file, key, envelope), { objectMode: false });
};
