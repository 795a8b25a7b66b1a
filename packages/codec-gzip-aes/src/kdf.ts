import { hkdfSync } from 'node:crypto';
import { HKDF_INFO_COMMIT, HKDF_INFO_ENC } from './constants.js';

const hkdf = (dek: Buffer, messageId: Buffer, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', dek, messageId, info, 32));

/** The AES-256-GCM key of the chunks: HKDF-SHA-256(DEK, salt = message_id, "cxar/v1 enc"). */
export const deriveEncKey = (dek: Buffer, messageId: Buffer): Buffer => hkdf(dek, messageId, HKDF_INFO_ENC);

/** The key commitment stored in the header: HKDF-SHA-256(DEK, salt = message_id, "cxar/v1 commit"). */
export const deriveCommitment = (dek: Buffer, messageId: Buffer): Buffer =>
  hkdf(dek, messageId, HKDF_INFO_COMMIT);
