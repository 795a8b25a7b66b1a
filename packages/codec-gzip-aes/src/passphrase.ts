import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  KEK_LENGTH,
  MIN_PASSPHRASE_LENGTH,
  PASSPHRASE_KEY_ID_PREFIX,
  PBKDF2_MAX_ITERATIONS,
  PBKDF2_MIN_ITERATIONS,
  PBKDF2_SALT_LENGTH,
  WRAP_ALG_PASSPHRASE,
} from './constants.js';
import { fingerprintOf } from './key-material.js';
import type { LoadedKek } from './key-provider.js';

const pbkdf2Async = promisify(pbkdf2);

/** What a passphrase key id names: the PBKDF2 parameters and the derived key's fingerprint. */
export interface PassphraseKeyId {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly fingerprint: string;
}

const KEY_ID = /^pw:([1-9][0-9]{0,9}):([0-9a-f]{32}):([0-9a-f]{16})$/;

/** `pw:<iterations, decimal>:<salt, 32 lowercase hex>:<fingerprint, 16 lowercase hex>`. */
export const passphraseKeyId = (kek: Buffer, iterations: number, salt: Buffer): string =>
  `${PASSPHRASE_KEY_ID_PREFIX}${iterations}:${salt.toString('hex')}:${fingerprintOf(kek)}`;

/** Parses a passphrase key id; undefined when it is not one or its count is outside the bounds. */
export const parsePassphraseKeyId = (keyId: string): PassphraseKeyId | undefined => {
  const match = KEY_ID.exec(keyId);
  if (match === null) return undefined;
  const iterations = Number(match[1]);
  if (iterations < PBKDF2_MIN_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS) return undefined;
  return { iterations, salt: Buffer.from(match[2]!, 'hex'), fingerprint: match[3]! };
};

/** KEK = PBKDF2-HMAC-SHA-256(passphrase bytes, salt, iterations, 32 bytes). */
export const derivePassphraseKek = async (
  passphrase: Buffer,
  salt: Buffer,
  iterations: number,
): Promise<Buffer> => pbkdf2Async(passphrase, salt, iterations, KEK_LENGTH, 'sha256');

/** A writing key: a fresh random salt, derived once (per codec instance). */
export const newPassphraseKek = async (passphrase: Buffer, iterations: number): Promise<LoadedKek> => {
  const salt = randomBytes(PBKDF2_SALT_LENGTH);
  const key = await derivePassphraseKek(passphrase, salt, iterations);
  return { key, keyId: passphraseKeyId(key, iterations, salt), wrapAlg: WRAP_ALG_PASSPHRASE };
};

/**
 * The passphrase's bytes: its UTF-8 form, from a file without its trailing line breaks (CR, LF),
 * from an environment variable as is. Undefined when shorter than 12 characters.
 */
export const passphraseBytes = (text: string, fromFile: boolean): Buffer | undefined => {
  const value = fromFile ? text.replace(/[\r\n]+$/, '') : text;
  return [...value].length < MIN_PASSPHRASE_LENGTH ? undefined : Buffer.from(value, 'utf8');
};
