import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  type CodecContext,
  err,
  errAsync,
  fromStreamError,
  ok,
  okAsync,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Result,
  type ResultAsync,
} from '@cxarchive/core';
import type { ChunkKeys } from './chunk-cipher.js';
import { ChunkDecryptor } from './chunk-decryptor.js';
import { checkContext, requireExpectedContext } from './context.js';
import { unwrapDek } from './dek-wrap.js';
import { abortFailure, zlibFailure } from './errors.js';
import { type CxarHeader, readCxarHeader } from './header.js';
import { deriveCommitment, deriveEncKey } from './kdf.js';
import type { LoadedKek } from './key-provider.js';
import { chainStreams, type Stage } from './stream-chain.js';

/**
 * Everything that can be checked before the first chunk: the caller's expected context, the key
 * id, the wrapped DEK (authenticated under the KEK) and the key commitment (constant time).
 */
export const openHeader = (
  header: CxarHeader,
  expected: CodecContext,
  kek: LoadedKek,
): Result<ChunkKeys, PluginError> => {
  const context = header.context;
  const contextCheck = checkContext(context, expected);
  if (contextCheck.isErr()) return err(contextCheck.error);
  if (context.keyId !== kek.keyId)
    return err(
      PluginErrors.permanent(
        `object was encrypted under key ${context.keyId}, the configured key is ${kek.keyId}`,
      ),
    );
  const unwrapped = unwrapDek(kek.key, header.wrappedDek, context.tenant, context.keyId);
  if (unwrapped.isErr()) return err(unwrapped.error);
  const dek = unwrapped.value;
  try {
    const commitment = deriveCommitment(dek, header.messageId);
    if (header.commitment.length !== commitment.length || !timingSafeEqual(header.commitment, commitment))
      return err(
        PluginErrors.permanent(
          'key commitment mismatch: the header was tampered with (message id or commitment)',
        ),
      );
    return ok({
      encKey: deriveEncKey(dek, header.messageId),
      noncePrefix: header.noncePrefix,
      aad: header.digest,
    });
  } finally {
    dek.fill(0);
  }
};

/**
 * Decodes a CXAR v1 object. `expected` is the full context the object must have been written
 * with; a missing field fails at once, before any byte is read. Header, context, key and
 * commitment problems fail the result before any plaintext exists; body problems
 * (authentication, truncation, trailing data) destroy the returned stream with a `PluginFailure`.
 * When `signal` aborts, the input is released and the result fails (while the header is read) or
 * the returned stream is destroyed (afterwards), with a Transient "decode was aborted".
 */
export const decodeObject = (
  input: Readable,
  expected: CodecContext,
  kek: LoadedKek,
  signal: AbortSignal,
): ResultAsync<Readable, PluginError> => {
  const required = requireExpectedContext(expected);
  if (required.isErr() || signal.aborted) {
    input.destroy();
    return errAsync(required.isErr() ? required.error : abortFailure('decode', signal.reason));
  }
  // While the header is read, an abort destroys the input: the pending read fails with this error.
  const abortHeader = (): void => {
    input.destroy(new PluginFailure(abortFailure('decode', signal.reason)));
  };
  signal.addEventListener('abort', abortHeader, { once: true });
  return readCxarHeader(input)
    .mapErr((error) => {
      signal.removeEventListener('abort', abortHeader);
      input.destroy();
      return error;
    })
    .andThen(({ header, rest }) => {
      signal.removeEventListener('abort', abortHeader);
      const keys = openHeader(header, expected, kek);
      if (keys.isErr()) {
        rest.destroy();
        return errAsync(keys.error);
      }
      const stages: Stage[] = [
        { stream: new ChunkDecryptor(keys.value, 2 ** header.chunkSizeLog2), mapError: fromStreamError },
        ...(header.gzip
          ? [{ stream: createGunzip(), mapError: (cause: unknown) => zlibFailure('decompress', cause) }]
          : []),
      ];
      return okAsync(
        chainStreams(rest, stages, { signal, error: (reason) => abortFailure('decode', reason) }),
      );
    });
};
