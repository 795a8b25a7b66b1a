import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  err,
  fromStreamError,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import {
  COMMITMENT_LENGTH,
  CXAR_ALG_AES256GCM_HKDF_STREAM,
  CXAR_COMPRESSION_GZIP,
  CXAR_COMPRESSION_NONE,
  CXAR_COMPRESSION_ZSTD,
  CXAR_FLAGS_COMPRESSION_MASK,
  CXAR_KNOWN_FLAGS,
  CXAR_MAGIC,
  CXAR_VERSION,
  FIXED_HEADER_LENGTH,
  KNOWN_WRAP_ALGS,
  MAX_CHUNK_SIZE_LOG2,
  MAX_KEY_ID_LENGTH,
  MAX_U16,
  MESSAGE_ID_LENGTH,
  MIN_CHUNK_SIZE_LOG2,
  NONCE_PREFIX_LENGTH,
  WRAPPED_DEK_LENGTH,
} from './constants.js';
import { type CxarContext, parseContext } from './context.js';
import { readUpTo } from './read-up-to.js';

/** The compression recorded in flags bits 0–1. */
export type StoredCompression = 'none' | 'gzip' | 'zstd';

const COMPRESSION_CODES: Readonly<Record<StoredCompression, number>> = {
  none: CXAR_COMPRESSION_NONE,
  gzip: CXAR_COMPRESSION_GZIP,
  zstd: CXAR_COMPRESSION_ZSTD,
};

/** The authenticated fields of a header, as the writer chooses them. */
export interface HeaderFields {
  readonly chunkSizeLog2: number;
  readonly compression: StoredCompression;
  readonly messageId: Buffer;
  readonly noncePrefix: Buffer;
  readonly commitment: Buffer;
  readonly contextBytes: Buffer;
}

/** The key slot: how the DEK is wrapped and under which key. Outside the chunk AAD. */
export interface KeySlot {
  readonly wrapAlg: number;
  readonly keyId: string;
  readonly wrappedDek: Buffer;
}

/** A parsed CXAR v1 header and key slot. */
export interface CxarHeader extends HeaderFields {
  readonly version: number;
  readonly alg: number;
  readonly flags: number;
  /** The stored context, parsed from `contextBytes` (which stay the authenticated truth). */
  readonly context: CxarContext;
  /** The authenticated header: every byte from magic through the end of the context. */
  readonly bytes: Buffer;
  /** SHA-256 of `bytes`: the AAD of every chunk. */
  readonly digest: Buffer;
  readonly keySlot: KeySlot;
  /** The key slot as stored (wrap_alg through the end of the wrapped DEK). */
  readonly keySlotBytes: Buffer;
}

const OFF_VERSION = 4;
const OFF_ALG = 5;
const OFF_CHUNK_LOG2 = 6;
const OFF_FLAGS = 7;
const OFF_MESSAGE_ID = 8;
const OFF_NONCE_PREFIX = OFF_MESSAGE_ID + MESSAGE_ID_LENGTH;
const OFF_COMMITMENT = OFF_NONCE_PREFIX + NONCE_PREFIX_LENGTH;

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

export const headerDigest = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();

/** Serialises the authenticated header (magic through the end of the context). */
export const encodeHeader = (fields: HeaderFields): Buffer => {
  if (fields.contextBytes.length > MAX_U16) throw new RangeError('CXAR context longer than 65535 bytes');
  const fixed = Buffer.alloc(FIXED_HEADER_LENGTH);
  CXAR_MAGIC.copy(fixed, 0);
  fixed[OFF_VERSION] = CXAR_VERSION;
  fixed[OFF_ALG] = CXAR_ALG_AES256GCM_HKDF_STREAM;
  fixed[OFF_CHUNK_LOG2] = fields.chunkSizeLog2;
  fixed[OFF_FLAGS] = COMPRESSION_CODES[fields.compression];
  fields.messageId.copy(fixed, OFF_MESSAGE_ID);
  fields.noncePrefix.copy(fixed, OFF_NONCE_PREFIX);
  fields.commitment.copy(fixed, OFF_COMMITMENT);
  return Buffer.concat([fixed, u16(fields.contextBytes.length), fields.contextBytes]);
};

/** A key id: 1..255 bytes of printable ASCII (0x21..0x7E). */
const KEY_ID = /^[\x21-\x7e]{1,255}$/;

/** Serialises a key slot: wrap_alg u8 | key_id_len u8 | key_id | wrapped_dek_len u16 | wrapped DEK. */
export const encodeKeySlot = (slot: KeySlot): Buffer => {
  if (!KEY_ID.test(slot.keyId)) throw new RangeError('CXAR key id must be 1..255 printable ASCII bytes');
  if (slot.wrappedDek.length > MAX_U16) throw new RangeError('CXAR wrapped DEK longer than 65535 bytes');
  const keyId = Buffer.from(slot.keyId, 'latin1');
  return Buffer.concat([
    Buffer.from([slot.wrapAlg, keyId.length]),
    keyId,
    u16(slot.wrappedDek.length),
    slot.wrappedDek,
  ]);
};

const bad = (message: string): Result<never, PluginError> => err(PluginErrors.invalidInput(message));
export const hexByte = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

const compressionOf = (flags: number): StoredCompression | undefined => {
  const code = flags & CXAR_FLAGS_COMPRESSION_MASK;
  if (code === CXAR_COMPRESSION_NONE) return 'none';
  if (code === CXAR_COMPRESSION_GZIP) return 'gzip';
  if (code === CXAR_COMPRESSION_ZSTD) return 'zstd';
  return undefined;
};

/** Checks the fixed part and the context length field; fails on the first problem, in byte order. */
const checkFixed = (b: Buffer): Result<void, PluginError> => {
  if (b.length === 0) return bad('not a CXAR object: the input is empty');
  if (!b.subarray(0, 4).equals(CXAR_MAGIC.subarray(0, Math.min(4, b.length))))
    return bad('not a CXAR object: bad magic');
  const version = b[OFF_VERSION];
  if (version !== undefined && version !== CXAR_VERSION)
    return bad(`unsupported CXAR version ${version} (this reader knows version ${CXAR_VERSION})`);
  const alg = b[OFF_ALG];
  if (alg !== undefined && alg !== CXAR_ALG_AES256GCM_HKDF_STREAM)
    return bad(`unknown CXAR algorithm ${hexByte(alg)}`);
  const log2 = b[OFF_CHUNK_LOG2];
  if (log2 !== undefined && (log2 < MIN_CHUNK_SIZE_LOG2 || log2 > MAX_CHUNK_SIZE_LOG2))
    return bad(`CXAR chunk_log2 ${log2} is out of range ${MIN_CHUNK_SIZE_LOG2}..${MAX_CHUNK_SIZE_LOG2}`);
  const flags = b[OFF_FLAGS];
  if (flags !== undefined && ((flags & ~CXAR_KNOWN_FLAGS) !== 0 || compressionOf(flags) === undefined))
    return bad(`unknown CXAR flags ${hexByte(flags)}`);
  if (b.length < FIXED_HEADER_LENGTH + 2)
    return bad('truncated CXAR header: it ends inside the fixed fields');
  return ok(undefined);
};

/** Reads and checks the key slot after the context. */
const readKeySlot = async (
  stream: Readable,
): Promise<Result<{ slot: KeySlot; bytes: Buffer }, PluginError>> => {
  const truncated = 'truncated CXAR key slot: it runs past the end of the object';
  const head = await readUpTo(stream, 2);
  if (head.length < 2) return bad(truncated);
  const wrapAlg = head[0]!;
  const keyIdLength = head[1]!;
  if (!KNOWN_WRAP_ALGS.includes(wrapAlg)) return bad(`key slot: unknown wrap_alg ${hexByte(wrapAlg)}`);
  if (keyIdLength === 0) return bad('key slot: the key id is empty');
  const keyIdAndLength = await readUpTo(stream, keyIdLength + 2);
  if (keyIdAndLength.length < keyIdLength + 2) return bad(truncated);
  const keyIdBytes = keyIdAndLength.subarray(0, keyIdLength);
  const keyId = keyIdBytes.toString('latin1');
  if (keyIdLength > MAX_KEY_ID_LENGTH || !KEY_ID.test(keyId))
    return bad('key slot: the key id is not printable ASCII');
  const wrappedLength = keyIdAndLength.readUInt16BE(keyIdLength);
  if (wrappedLength !== WRAPPED_DEK_LENGTH)
    return bad(
      `key slot: the wrapped data key is ${wrappedLength} bytes, wrap_alg ${hexByte(wrapAlg)} has ${WRAPPED_DEK_LENGTH}`,
    );
  const wrappedDek = await readUpTo(stream, wrappedLength);
  if (wrappedDek.length < wrappedLength) return bad(truncated);
  return ok({
    slot: { wrapAlg, keyId, wrappedDek: Buffer.from(wrappedDek) },
    bytes: Buffer.concat([head, keyIdAndLength, wrappedDek]),
  });
};

const parseHeaderFromStream = async (
  stream: Readable,
): Promise<Result<{ header: CxarHeader; rest: Readable }, PluginError>> => {
  const fixed = await readUpTo(stream, FIXED_HEADER_LENGTH + 2);
  const fixedCheck = checkFixed(fixed);
  if (fixedCheck.isErr()) return err(fixedCheck.error);
  const contextLength = fixed.readUInt16BE(FIXED_HEADER_LENGTH);
  const contextBytes = await readUpTo(stream, contextLength);
  if (contextBytes.length < contextLength)
    return bad('truncated CXAR header: the context runs past the end of the object');
  const context = parseContext(contextBytes);
  if (context.isErr()) return err(context.error);
  const slot = await readKeySlot(stream);
  if (slot.isErr()) return err(slot.error);
  const bytes = Buffer.concat([fixed, contextBytes]);
  const flags = fixed[OFF_FLAGS]!;
  const header: CxarHeader = {
    version: fixed[OFF_VERSION]!,
    alg: fixed[OFF_ALG]!,
    chunkSizeLog2: fixed[OFF_CHUNK_LOG2]!,
    flags,
    compression: compressionOf(flags)!,
    messageId: Buffer.from(fixed.subarray(OFF_MESSAGE_ID, OFF_NONCE_PREFIX)),
    noncePrefix: Buffer.from(fixed.subarray(OFF_NONCE_PREFIX, OFF_COMMITMENT)),
    commitment: Buffer.from(fixed.subarray(OFF_COMMITMENT, OFF_COMMITMENT + COMMITMENT_LENGTH)),
    contextBytes: Buffer.from(contextBytes),
    context: context.value,
    bytes,
    digest: headerDigest(bytes),
    keySlot: slot.value.slot,
    keySlotBytes: slot.value.bytes,
  };
  return ok({ header, rest: stream });
};

/**
 * Reads and parses a CXAR header and key slot from the start of a (paused) stream. Returns them
 * and the rest of the stream, positioned at the first chunk. Nothing is decrypted or
 * authenticated here: the header is authenticated by every chunk (its digest is their AAD), the
 * key slot by the wrap's own tag and the key commitment. A read error of the input is classified
 * by core's `fromStreamError`.
 */
export const readCxarHeader = (
  stream: Readable,
): ResultAsync<{ header: CxarHeader; rest: Readable }, PluginError> =>
  new ResultAsync(parseHeaderFromStream(stream).catch((cause: unknown) => err(fromStreamError(cause))));
