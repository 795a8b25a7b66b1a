import { createCipheriv, createDecipheriv } from 'node:crypto';
import { GCM_NONCE_LENGTH, MAX_CHUNKS, NONCE_PREFIX_LENGTH, TAG_LENGTH } from './constants.js';

/**
 * The STREAM chunk primitive. The position (index) and finality (last flag) of a chunk are in
 * its nonce and the header digest is its AAD, so a chunk only opens at its own place in its own
 * object: reordering, duplication, splicing, truncation and header edits all fail the tag.
 */
export interface ChunkKeys {
  readonly encKey: Buffer;
  readonly noncePrefix: Buffer;
  /** SHA-256 of the header bytes. */
  readonly aad: Buffer;
}

/** nonce_prefix(7) ‖ u32be(index) ‖ (1 if last else 0). */
export const chunkNonce = (noncePrefix: Buffer, index: number, last: boolean): Buffer => {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS)
    throw new RangeError(`chunk index ${index} is outside 0..2^32-1`);
  const nonce = Buffer.alloc(GCM_NONCE_LENGTH);
  noncePrefix.copy(nonce, 0, 0, NONCE_PREFIX_LENGTH);
  nonce.writeUInt32BE(index, NONCE_PREFIX_LENGTH);
  nonce[GCM_NONCE_LENGTH - 1] = last ? 1 : 0;
  return nonce;
};

/**
 * Encrypts one chunk into its two parts, the ciphertext and the tag(16), which follow each other
 * in the object. Kept apart so a writer need not copy the ciphertext again to join them.
 */
export const sealChunkParts = (
  keys: ChunkKeys,
  index: number,
  last: boolean,
  plaintext: Buffer,
): [ciphertext: Buffer, tag: Buffer] => {
  const cipher = createCipheriv('aes-256-gcm', keys.encKey, chunkNonce(keys.noncePrefix, index, last), {
    authTagLength: TAG_LENGTH,
  });
  cipher.setAAD(keys.aad);
  const body = cipher.update(plaintext);
  // GCM is a stream mode: final() adds no ciphertext, it only computes the tag.
  const tail = cipher.final();
  return [tail.length === 0 ? body : Buffer.concat([body, tail]), cipher.getAuthTag()];
};

/** Encrypts one chunk: ciphertext ‖ tag(16). */
export const sealChunk = (keys: ChunkKeys, index: number, last: boolean, plaintext: Buffer): Buffer =>
  Buffer.concat(sealChunkParts(keys, index, last, plaintext));

/**
 * Decrypts one chunk (ciphertext ‖ tag). Throws node's error when the tag does not verify; no
 * plaintext is returned unless it does.
 */
export const openChunk = (keys: ChunkKeys, index: number, last: boolean, sealed: Buffer): Buffer => {
  if (sealed.length < TAG_LENGTH) throw new RangeError(`chunk ${index} is shorter than its tag`);
  const decipher = createDecipheriv('aes-256-gcm', keys.encKey, chunkNonce(keys.noncePrefix, index, last), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(keys.aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
  const tail = decipher.final();
  return tail.length === 0 ? body : Buffer.concat([body, tail]);
};
