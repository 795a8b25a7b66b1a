import type { Readable } from 'node:stream';
import {
  type CodecContext,
  errAsync,
  fromStreamError,
  okAsync,
  type PluginError,
  PluginFailure,
  type ResultAsync,
} from '@cxarchive/core';
import { ChunkDecryptor } from './chunk-decryptor.js';
import { decompressStages } from './compression.js';
import { requireExpectedContext } from './context.js';
import { abortFailure } from './errors.js';
import { type CxarHeader, readCxarHeader } from './header.js';
import type { KeyRing } from './keyring.js';
import { openHeader } from './open-header.js';
import { chainStreams, type Stage } from './stream-chain.js';

/**
 * Reads the header of `input` after checking the caller's context is complete, honouring the
 * abort signal while the header is read. On failure the input is destroyed.
 */
export const readHeaderFor = (
  input: Readable,
  expected: CodecContext,
  signal: AbortSignal,
  operation: 'decode' | 'rewrap',
): ResultAsync<{ header: CxarHeader; rest: Readable }, PluginError> => {
  const required = requireExpectedContext(expected);
  if (required.isErr() || signal.aborted) {
    input.destroy();
    return errAsync(required.isErr() ? required.error : abortFailure(operation, signal.reason));
  }
  // While the header is read, an abort destroys the input: the pending read fails with this error.
  const abortHeader = (): void => {
    input.destroy(new PluginFailure(abortFailure(operation, signal.reason)));
  };
  signal.addEventListener('abort', abortHeader, { once: true });
  return readCxarHeader(input)
    .mapErr((error) => {
      signal.removeEventListener('abort', abortHeader);
      input.destroy();
      return error;
    })
    .map((read) => {
      signal.removeEventListener('abort', abortHeader);
      return read;
    });
};

/**
 * Decodes a CXAR v1 object. `expected` is the full context the object must have been written
 * with; a missing field fails at once, before any byte is read. Header, context, key slot and
 * commitment problems fail the result before any plaintext exists; body problems
 * (authentication, truncation, trailing data) destroy the returned stream with a `PluginFailure`.
 * When `signal` aborts, the input is released and the result fails (while the header is read) or
 * the returned stream is destroyed (afterwards), with a Transient "decode was aborted".
 */
export const decodeObject = (
  input: Readable,
  expected: CodecContext,
  ring: KeyRing,
  signal: AbortSignal,
): ResultAsync<Readable, PluginError> =>
  readHeaderFor(input, expected, signal, 'decode').andThen(({ header, rest }) =>
    openHeader(header, expected, ring)
      .mapErr((error) => {
        rest.destroy();
        return error;
      })
      .andThen((keys) => {
        const decompress = decompressStages(header.compression);
        if (!Array.isArray(decompress)) {
          rest.destroy();
          return errAsync(decompress);
        }
        const stages: Stage[] = [
          { stream: new ChunkDecryptor(keys, 2 ** header.chunkSizeLog2), mapError: fromStreamError },
          ...decompress,
        ];
        return okAsync(
          chainStreams(rest, stages, { signal, error: (reason) => abortFailure('decode', reason) }),
        );
      }),
  );
