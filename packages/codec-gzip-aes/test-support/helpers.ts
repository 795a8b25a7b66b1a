import { Readable } from 'node:stream';
import { type CodecContext, type PluginError, PluginFailure } from '@cxarchive/core';
import { WRAP_ALG_KEK } from '../src/constants.js';
import { decodeObject } from '../src/decode.js';
import { type EncodeSettings, encodeObject, encodeWithSecrets, type ObjectSecrets } from '../src/encode.js';
import { keyIdOf } from '../src/key-material.js';
import type { LoadedKek } from '../src/key-provider.js';
import { type KeyRing, keyRingOf } from '../src/keyring.js';
import type { Compression } from '../src/options.js';

/** Test helpers shared by the codec's unit tests (not part of the package build). */

export const kekFrom = (key: Buffer): LoadedKek => ({ key, keyId: keyIdOf(key), wrapAlg: WRAP_ALG_KEK });

export const KEK_A = kekFrom(Buffer.alloc(32, 0xa1));
export const KEK_B = kekFrom(Buffer.alloc(32, 0xb2));

export const CTX: CodecContext = {
  tenant: 'acme',
  objectKey: 'acme/2026/11/02/c-1001/recording.wav.cxar',
  itemId: 'c-1001',
  artifact: 'recording.wav',
  contentType: 'audio/wav',
};

export const settings = (
  overrides: Partial<{ kek: LoadedKek; compression: Compression; chunkSizeLog2: number }> = {},
): EncodeSettings => ({
  kek: overrides.kek ?? KEK_A,
  compression: overrides.compression ?? 'none',
  chunkSizeLog2: overrides.chunkSizeLog2 ?? 12,
});

/** A signal that never aborts, for calls whose abort behaviour is not under test. */
export const NEVER: AbortSignal = new AbortController().signal;

/** A readable over `bytes`, delivered in pieces of `pieceSize` (default: one piece). */
export const readableOf = (bytes: Buffer, pieceSize = Math.max(1, bytes.length)): Readable => {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += pieceSize) pieces.push(bytes.subarray(at, at + pieceSize));
  return Readable.from(pieces, { objectMode: false });
};

export const collect = async (stream: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

export const encodeBuffer = async (
  plaintext: Buffer,
  options: {
    settings?: EncodeSettings;
    ctx?: CodecContext;
    secrets?: ObjectSecrets;
    pieceSize?: number;
  } = {},
): Promise<Buffer> => {
  const input = readableOf(plaintext, options.pieceSize);
  const ctx = options.ctx ?? CTX;
  const s = options.settings ?? settings();
  const encoded =
    options.secrets === undefined
      ? encodeObject(input, ctx, s, NEVER)
      : encodeWithSecrets(input, ctx, s, options.secrets, NEVER);
  if (encoded.isErr()) throw new Error(`encode failed: ${encoded.error.message}`);
  return collect(encoded.value.stream);
};

export type DecodeOutcome =
  | { readonly ok: true; readonly plaintext: Buffer }
  | { readonly ok: false; readonly stage: 'header'; readonly error: PluginError }
  /** `emitted`: the plaintext the stream gave before it failed. */
  | { readonly ok: false; readonly stage: 'stream'; readonly error: PluginError; readonly emitted: Buffer };

/**
 * Decodes a whole object and reports where it failed: in the Result (header) or in the stream (body).
 * `expected` defaults to `CTX`, the context `encodeBuffer` binds by default.
 */
export const decodeBuffer = async (
  object: Buffer,
  options: { kek?: LoadedKek; ring?: KeyRing; expected?: CodecContext; pieceSize?: number } = {},
): Promise<DecodeOutcome> => {
  const result = await decodeObject(
    readableOf(object, options.pieceSize),
    options.expected ?? CTX,
    options.ring ?? keyRingOf(options.kek ?? KEK_A),
    NEVER,
  );
  if (result.isErr()) return { ok: false, stage: 'header', error: result.error };
  const parts: Buffer[] = [];
  try {
    for await (const part of result.value) parts.push(part as Buffer);
    return { ok: true, plaintext: Buffer.concat(parts) };
  } catch (cause) {
    if (!(cause instanceof PluginFailure)) throw cause;
    return { ok: false, stage: 'stream', error: cause.error, emitted: Buffer.concat(parts) };
  }
};

/** Length of the authenticated header (magic through the context): where the key slot starts. */
export const authenticatedHeaderLength = (object: Buffer): number => 81 + object.readUInt16BE(79);

/** Offset of the first chunk: header and key slot, read from the object's own length fields. */
export const headerLength = (object: Buffer): number => {
  const slot = authenticatedHeaderLength(object);
  const keyIdLength = object[slot + 1]!;
  const wrappedDekLength = object.readUInt16BE(slot + 2 + keyIdLength);
  return slot + 2 + keyIdLength + 2 + wrappedDekLength;
};

/** Splits an object into its header (with the key slot) and its sealed chunks (each chunk+16 bytes but the last). */
export const splitObject = (object: Buffer, chunkSizeLog2: number): { header: Buffer; chunks: Buffer[] } => {
  const at = headerLength(object);
  const sealed = 2 ** chunkSizeLog2 + 16;
  const chunks: Buffer[] = [];
  for (let offset = at; offset < object.length; offset += sealed)
    chunks.push(object.subarray(offset, Math.min(object.length, offset + sealed)));
  return { header: object.subarray(0, at), chunks };
};

/** Deterministic pseudo-random bytes (not for keys: only test payloads). */
export const patternBytes = (length: number, seed = 1): Buffer => {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};
