import { createHmac, randomBytes } from 'node:crypto';
import { KEK_LENGTH, KEY_ID_INFO, KEY_ID_PREFIX } from './constants.js';

/** A fresh random 32-byte key-encryption key (CSPRNG). */
export const generateKey = (): Buffer => randomBytes(KEK_LENGTH);

/** 16 lowercase hex characters of HMAC-SHA-256(KEK, "cxar/v1 key-id"): names a KEK, reveals nothing of it. */
export const fingerprintOf = (kek: Buffer): string =>
  createHmac('sha256', kek).update(KEY_ID_INFO, 'utf8').digest('hex').slice(0, 16);

/**
 * The id of a KEK from a file or the environment: `kek:` + its fingerprint. Stable for a key
 * whatever provider or encoding delivers it.
 */
export const keyIdOf = (kek: Buffer): string => KEY_ID_PREFIX + fingerprintOf(kek);

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * Parses key text: 64 hex characters (either case) or standard base64 (43 characters, the one `=`
 * optional), with surrounding whitespace ignored; undefined if it is neither.
 */
export const parseKeyText = (text: string): Buffer | undefined => {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEK_LENGTH) return key;
  }
  return undefined;
};

/** The text a key file holds: base64 and a newline. */
export const formatKeyText = (kek: Buffer): string => `${kek.toString('base64')}\n`;
