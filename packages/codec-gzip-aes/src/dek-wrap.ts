import { createCipheriv, createDecipheriv } from 'node:crypto';
import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import { DEK_LENGTH, GCM_NONCE_LENGTH, TAG_LENGTH, WRAP_AAD_LABEL } from './constants.js';
import { unwrapFailure } from './errors.js';

/** What the wrapped DEK is bound to: the object (message id, context) and the key slot's alg and key id. */
export interface WrapBinding {
  readonly messageId: Buffer;
  readonly wrapAlg: number;
  readonly keyId: string;
  readonly contextBytes: Buffer;
}

/**
 * AAD of the wrapped DEK: "cxar/v1 wrap" (12 ASCII bytes) ‖ message_id (32) ‖ wrap_alg (1) ‖
 * key_id_len (1) ‖ key_id ‖ context_len (u16be) ‖ context — the same bytes as in the object.
 */
export const wrapAad = (binding: WrapBinding): Buffer => {
  const keyId = Buffer.from(binding.keyId, 'latin1');
  const contextLength = Buffer.alloc(2);
  contextLength.writeUInt16BE(binding.contextBytes.length);
  return Buffer.concat([
    Buffer.from(WRAP_AAD_LABEL, 'latin1'),
    binding.messageId,
    Buffer.from([binding.wrapAlg, keyId.length]),
    keyId,
    contextLength,
    binding.contextBytes,
  ]);
};

/** Wraps a DEK under the KEK with AES-256-GCM: nonce(12) ‖ ciphertext(32) ‖ tag(16). */
export const wrapDek = (kek: Buffer, dek: Buffer, nonce: Buffer, binding: WrapBinding): Buffer => {
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(wrapAad(binding));
  return Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
};

/**
 * Opens a wrapped DEK (its length was checked when the key slot was read); a wrong KEK, an edited
 * message id, context, key id, wrap_alg or wrapped DEK all fail authentication.
 */
export const unwrapDek = (
  kek: Buffer,
  wrapped: Buffer,
  binding: WrapBinding,
): Result<Buffer, PluginError> => {
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, GCM_NONCE_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(wrapAad(binding));
    decipher.setAuthTag(wrapped.subarray(GCM_NONCE_LENGTH + DEK_LENGTH));
    const dek = Buffer.concat([
      decipher.update(wrapped.subarray(GCM_NONCE_LENGTH, GCM_NONCE_LENGTH + DEK_LENGTH)),
      decipher.final(),
    ]);
    return ok(dek);
  } catch (cause) {
    return err(unwrapFailure(binding.keyId, cause));
  }
};
