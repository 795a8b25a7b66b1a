/**
 * CXAR v1 constants (DESIGN §7). Changing any value here changes the format: the committed
 * known-answer vectors in `test-vectors/` guard against that.
 */

/** The four magic bytes every CXAR object starts with. */
export const CXAR_MAGIC: Buffer = Buffer.from('CXAR', 'latin1');
export const CXAR_VERSION = 0x01;
/** AES-256-GCM chunks (STREAM construction), keys derived with HKDF-SHA-256. */
export const CXAR_ALG_AES256GCM_HKDF_STREAM = 0x01;
/** flags bit 0: the plaintext was gzip-compressed before encryption. Every other bit must be 0. */
export const CXAR_FLAG_GZIP = 0x01;
export const CXAR_KNOWN_FLAGS = CXAR_FLAG_GZIP;

export const MIN_CHUNK_SIZE_LOG2 = 12;
export const MAX_CHUNK_SIZE_LOG2 = 20;
export const DEFAULT_CHUNK_SIZE_LOG2 = 16;

export const DEK_LENGTH = 32;
export const KEK_LENGTH = 32;
export const MESSAGE_ID_LENGTH = 32;
export const NONCE_PREFIX_LENGTH = 7;
export const COMMITMENT_LENGTH = 32;
export const GCM_NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
/** nonce(12) ‖ ciphertext(32) ‖ tag(16) of the DEK under the KEK. */
export const WRAPPED_DEK_LENGTH = GCM_NONCE_LENGTH + DEK_LENGTH + TAG_LENGTH;
/** Chunk counters are u32: an object has at most 2^32 chunks. */
export const MAX_CHUNKS = 2 ** 32;

/** magic(4) version(1) alg(1) chunk_log2(1) flags(1) message_id(32) nonce_prefix(7) commitment(32). */
export const FIXED_HEADER_LENGTH =
  4 + 1 + 1 + 1 + 1 + MESSAGE_ID_LENGTH + NONCE_PREFIX_LENGTH + COMMITMENT_LENGTH;
/** Largest value of a u16 length field (wrapped DEK, context). */
export const MAX_U16 = 0xffff;

export const HKDF_INFO_ENC = 'cxar/v1 enc';
export const HKDF_INFO_COMMIT = 'cxar/v1 commit';
export const KEY_ID_INFO = 'cxar/v1 key-id';
export const KEY_ID_PREFIX = 'kek:';

export const CXAR_CONTEXT_VERSION = 1;
export const CXAR_EXTENSION = '.cxar';
export const CXAR_CONTENT_TYPE = 'application/vnd.cxarchive.cxar';
