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
  CXAR_FLAG_GZIP,
  CXAR_KNOWN_FLAGS,
  CXAR_MAGIC,
  CXAR_VERSION,
  FIXED_HEADER_LENGTH,
  MAX_CHUNK_SIZE_LOG2,
  MAX_U16,
  MESSAGE_ID_LENGTH,
  MIN_CHUNK_SIZE_LOG2,
  NONCE_PREFIX_LENGTH,
} from './constants.js';
import { type CxarContext, parseContext } from './context.js';
import { readUpTo } from './read-up-to.js';

/** The variable fields of a header, as the writer chooses them. */
export interface HeaderFields {
  readonly chunkSizeLog2: number;
  readonly gzip: boolean;
  readonly messageId: Buffer;
  readonly noncePrefix: Buffer;
  readonly commitment: Buffer;
  readonly wrappedDek: Buffer;
  readonly contextBytes: Buffer;
}

/** A parsed CXAR v1 header. */
export interface CxarHeader extends HeaderFields {
  readonly version: number;
  readonly alg: number;
  readonly flags: number;
  /** The stored context, parsed from `contextBytes` (which stay the authenticated truth). */
  readonly context: CxarContext;
  /** Every header byte, magic through the end of the context. */
  readonly bytes: Buffer;
  /** SHA-256 of `bytes`: the AAD of every chunk. */
  readonly digest: Buffer;
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

/** Serialises a header. Lengths are checked by the caller (context) or fixed (wrapped DEK). */
export const encodeHeader = (fields: HeaderFields): Buffer => {
  if (fields.wrappedDek.length > MAX_U16 || fields.contextBytes.length > MAX_U16)
    throw new RangeError('CXAR header field longer than 65535 bytes');
  const fixed = Buffer.alloc(FIXED_HEADER_LENGTH);
  CXAR_MAGIC.copy(fixed, 0);
  fixed[OFF_VERSION] = CXAR_VERSION;
  fixed[OFF_ALG] = CXAR_ALG_AES256GCM_HKDF_STREAM;
  fixed[OFF_CHUNK_LOG2] = fields.chunkSizeLog2;
  fixed[OFF_FLAGS] = fields.gzip ? CXAR_FLAG_GZIP : 0;
  fields.messageId.copy(fixed, OFF_MESSAGE_ID);
  fields.noncePrefix.copy(fixed, OFF_NONCE_PREFIX);
  fields.commitment.copy(fixed, OFF_COMMITMENT);
  return Buffer.concat([
    fixed,
    u16(fields.wrappedDek.length),
    fields.wrappedDek,
    u16(fields.contextBytes.length),
    fields.contextBytes,
  ]);
};

const bad = (message: string): Result<never, PluginError> => err(PluginErrors.invalidInput(message));
const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Checks the fixed part (plus the wrapped-DEK length); fails on the first problem, in byte order. */
const checkFixed = (b: Buffer): Result<void, PluginError> => {
  if (b.length === 0) return bad('not a CXAR object: the input is empty');
  if (!b.subarray(0, 4).equals(CXAR_MAGIC.subarray(0, Math.min(4, b.length))))
    return bad('not a CXAR object: bad magic');
  const version = b[OFF_VERSION];
  if (version !== undefined && version !== CXAR_VERSION)
    return bad(`unsupported CXAR version ${version} (this reader knows version ${CXAR_VERSION})`);
  const alg = b[OFF_ALG];
  if (alg !== undefined && alg !== CXAR_ALG_AES256GCM_HKDF_STREAM)
    return bad(`unknown CXAR algorithm ${hex(alg)}`);
  const log2 = b[OFF_CHUNK_LOG2];
  if (log2 !== undefined && (log2 < MIN_CHUNK_SIZE_LOG2 || log2 > MAX_CHUNK_SIZE_LOG2))
    return bad(`CXAR chunk_log2 ${log2} is out of range ${MIN_CHUNK_SIZE_LOG2}..${MAX_CHUNK_SIZE_LOG2}`);
  const flags = b[OFF_FLAGS];
  if (flags !== undefined && (flags & ~CXAR_KNOWN_FLAGS) !== 0)
    return bad(`unknown CXAR flags ${hex(flags)}`);
  if (b.length < FIXED_HEADER_LENGTH + 2)
    return bad('truncated CXAR header: it ends inside the fixed fields');
  return ok(undefined);
};

const parseHeaderFromStream = async (
  stream: Readable,
): Promise<Result<{ header: CxarHeader; rest: Readable }, PluginError>> => {
  const fixed = await readUpTo(stream, FIXED_HEADER_LENGTH + 2);
  const fixedCheck = checkFixed(fixed);
  if (fixedCheck.isErr()) return err(fixedCheck.error);
  const wrappedDekLength = fixed.readUInt16BE(FIXED_HEADER_LENGTH);
  const dekAndLength = await readUpTo(stream, wrappedDekLength + 2);
  if (dekAndLength.length < wrappedDekLength + 2)
    return bad('truncated CXAR header: the wrapped data key runs past the end of the object');
  const contextLength = dekAndLength.readUInt16BE(wrappedDekLength);
  const contextBytes = await readUpTo(stream, contextLength);
  if (contextBytes.length < contextLength)
    return bad('truncated CXAR header: the context runs past the end of the object');
  const context = parseContext(contextBytes);
  if (context.isErr()) return err(context.error);
  const bytes = Buffer.concat([fixed, dekAndLength, contextBytes]);
  const flags = fixed[OFF_FLAGS]!;
  const header: CxarHeader = {
    version: fixed[OFF_VERSION]!,
    alg: fixed[OFF_ALG]!,
    chunkSizeLog2: fixed[OFF_CHUNK_LOG2]!,
    flags,
    gzip: (flags & CXAR_FLAG_GZIP) !== 0,
    messageId: Buffer.from(fixed.subarray(OFF_MESSAGE_ID, OFF_NONCE_PREFIX)),
    noncePrefix: Buffer.from(fixed.subarray(OFF_NONCE_PREFIX, OFF_COMMITMENT)),
    commitment: Buffer.from(fixed.subarray(OFF_COMMITMENT, OFF_COMMITMENT + COMMITMENT_LENGTH)),
    wrappedDek: Buffer.from(dekAndLength.subarray(0, wrappedDekLength)),
    contextBytes: Buffer.from(contextBytes),
    context: context.value,
    bytes,
    digest: headerDigest(bytes),
  };
  return ok({ header, rest: stream });
};

/**
 * Reads and parses a CXAR header from the start of a (paused) stream. Returns the header and
 * the rest of the stream, positioned at the first chunk. Nothing is decrypted or authenticated
 * here: the header is authenticated by every chunk (its digest is their AAD). A read error of
 * the input is classified by core's `fromStreamError`.
 */
export const readCxarHeader = (
  stream: Readable,
): ResultAsync<{ header: CxarHeader; rest: Readable }, PluginError> =>
  new ResultAsync(parseHeaderFromStream(stream).catch((cause: unknown) => err(fromStreamError(cause))));
