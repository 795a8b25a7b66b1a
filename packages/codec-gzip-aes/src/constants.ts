/**
 * CXAR v1 constants (DESIGN §7, docs/archive-format.md). Changing any value here changes the
 * format: the committed known-answer vectors in `test-vectors/` guard against that.
 */

/** The four magic bytes every CXAR object starts with. */
export const CXAR_MAGIC: Buffer = Buffer.from('CXAR', 'latin1');
export const CXAR_VERSION = 0x01;
/** AES-256-GCM chunks (STREAM construction), keys derived with HKDF-SHA-256. */
export const CXAR_ALG_AES256GCM_HKDF_STREAM = 0x01;

/** flags bits 0–1: the compression inside the encryption. Every other bit must be 0. */
export const CXAR_FLAGS_COMPRESSION_MASK = 0x03;
export const CXAR_COMPRESSION_NONE = 0x00;
export const CXAR_COMPRESSION_GZIP = 0x01;
export const CXAR_COMPRESSION_ZSTD = 0x02;
/** Kept for readers of the previous constant name: bit 0 is gzip. */
export const CXAR_FLAG_GZIP = CXAR_COMPRESSION_GZIP;
export const CXAR_KNOWN_FLAGS = CXAR_FLAGS_COMPRESSION_MASK;

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
/** nonce(12) ‖ ciphertext(32) ‖ tag(16) of the DEK under the KEK (wrap_alg 0x01 and 0x02). */
export const WRAPPED_DEK_LENGTH = GCM_NONCE_LENGTH + DEK_LENGTH + TAG_LENGTH;
/** Chunk counters are u32: an object has at most 2^32 chunks. */
export const MAX_CHUNKS = 2 ** 32;

/** magic(4) version(1) alg(1) chunk_log2(1) flags(1) message_id(32) nonce_prefix(7) commitment(32). */
export const FIXED_HEADER_LENGTH =
  4 + 1 + 1 + 1 + 1 + MESSAGE_ID_LENGTH + NONCE_PREFIX_LENGTH + COMMITMENT_LENGTH;
/** Largest value of a u16 length field (context, wrapped DEK). */
export const MAX_U16 = 0xffff;
/** Largest key id: its length is a u8. */
export const MAX_KEY_ID_LENGTH = 0xff;

export const HKDF_INFO_ENC = 'cxar/v1 enc';
export const HKDF_INFO_COMMIT = 'cxar/v1 commit';
export const HKDF_OUTPUT_LENGTH = 32;
export const KEY_ID_INFO = 'cxar/v1 key-id';
/** First bytes of the AAD of the wrapped DEK. */
export const WRAP_AAD_LABEL = 'cxar/v1 wrap';

/** wrap_alg 0x01: the DEK wrapped with AES-256-GCM under a 32-byte KEK (file or env provider). */
export const WRAP_ALG_KEK = 0x01;
/** wrap_alg 0x02: as 0x01, under a KEK derived from a passphrase with PBKDF2-SHA-256 (salt in the key id). */
export const WRAP_ALG_PASSPHRASE = 0x02;
export const KNOWN_WRAP_ALGS: readonly number[] = [WRAP_ALG_KEK, WRAP_ALG_PASSPHRASE];

/** Key id of a KEK: `kek:` + 16 lowercase hex characters. */
export const KEY_ID_PREFIX = 'kek:';
/** Key id of a passphrase key: `pw:<iterations>:<salt, 32 hex>:<fingerprint, 16 hex>`. */
export const PASSPHRASE_KEY_ID_PREFIX = 'pw:';
export const PBKDF2_MIN_ITERATIONS = 600_000;
/** A reader refuses more (the key slot is not authenticated: an edited count must not stall it). */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;
export const PBKDF2_SALT_LENGTH = 16;
export const MIN_PASSPHRASE_LENGTH = 12;
/** Key and passphrase files are a few dozen bytes; more is refused (a wrong path, /dev/zero). */
export const MAX_KEY_FILE_BYTES = 4096;

export const CXAR_CONTEXT_VERSION = 1;
export const CXAR_EXTENSION = '.cxar';
export const CXAR_CONTENT_TYPE = 'application/vnd.cxarchive.cxar';
