import { createCipheriv, createDecipheriv } from 'node:crypto';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { DEK_LENGTH, GCM_NONCE_LENGTH, TAG_LENGTH, WRAPPED_DEK_LENGTH } from './constants.js';
import { unwrapFailure } from './errors.js';

/** AAD of the wrapped DEK: utf8(tenant) ‖ 0x00 ‖ utf8(keyId). */
export const wrapAad = (tenant: string, keyId: string): Buffer =>
  Buffer.concat([Buffer.from(tenant, 'utf8'), Buffer.from([0]), Buffer.from(keyId, 'utf8')]);

/** Wraps a DEK under the KEK with AES-256-GCM: nonce(12) ‖ ciphertext(32) ‖ tag(16). */
export const wrapDek = (kek: Buffer, dek: Buffer, nonce: Buffer, tenant: string, keyId: string): Buffer => {
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(wrapAad(tenant, keyId));
  return Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
};

/** Opens a wrapped DEK; a wrong KEK, tenant, key id or an edited blob all fail authentication. */
export const unwrapDek = (
  kek: Buffer,
  wrapped: Buffer,
  tenant: string,
  keyId: string,
): Result<Buffer, PluginError> => {
  if (wrapped.length !== WRAPPED_DEK_LENGTH)
    return err(
      PluginErrors.permanent(
        `the wrapped data key is ${wrapped.length} bytes, expected ${WRAPPED_DEK_LENGTH} for key ${keyId}`,
      ),
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, GCM_NONCE_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(wrapAad(tenant, keyId));
    decipher.setAuthTag(wrapped.subarray(GCM_NONCE_LENGTH + DEK_LENGTH));
    const dek = Buffer.concat([
      decipher.update(wrapped.subarray(GCM_NONCE_LENGTH, GCM_NONCE_LENGTH + DEK_LENGTH)),
      decipher.final(),
    ]);
    return ok(dek);
  } catch (cause) {
    return err(unwrapFailure(keyId, cause));
  }
};
