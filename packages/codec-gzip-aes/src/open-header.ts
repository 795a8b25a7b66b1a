import { timingSafeEqual } from 'node:crypto';
import {
  type CodecContext,
  err,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  type ResultAsync,
} from '@cxarchive/core';
import type { ChunkKeys } from './chunk-cipher.js';
import { checkContext } from './context.js';
import { unwrapDek } from './dek-wrap.js';
import type { CxarHeader } from './header.js';
import { deriveCommitment, deriveEncKey } from './kdf.js';
import type { KeyRing } from './keyring.js';

/**
 * Unwraps the DEK of a header (its key slot, under the KEK the ring finds for it) and checks the
 * key commitment in constant time. The caller owns the returned DEK and must zero it.
 */
export const unwrapCommitted = (header: CxarHeader, ring: KeyRing): ResultAsync<Buffer, PluginError> =>
  ring.find(header.keySlot).andThen((kek) => {
    const { wrapAlg, keyId, wrappedDek } = header.keySlot;
    const binding = { messageId: header.messageId, wrapAlg, keyId, contextBytes: header.contextBytes };
    const unwrapped = unwrapDek(kek.key, wrappedDek, binding);
    if (unwrapped.isErr()) return err(unwrapped.error);
    const dek = unwrapped.value;
    const commitment = deriveCommitment(dek, header.messageId);
    if (!timingSafeEqual(header.commitment, commitment)) {
      dek.fill(0);
      return err(
        PluginErrors.permanent(
          'key commitment mismatch: the data key does not match this header (commitment edited)',
        ),
      );
    }
    return ok(dek);
  });

/**
 * Everything that can be checked before the first chunk: the caller's expected context, the key
 * slot (a configured key, the wrapped DEK authenticated under it) and the key commitment.
 */
export const openHeader = (
  header: CxarHeader,
  expected: CodecContext,
  ring: KeyRing,
): ResultAsync<ChunkKeys, PluginError> => {
  const contextCheck: Result<void, PluginError> = checkContext(header.context, expected);
  return (contextCheck.isErr() ? err(contextCheck.error) : ok(undefined))
    .asyncAndThen(() => unwrapCommitted(header, ring))
    .map((dek) => {
      try {
        return {
          encKey: deriveEncKey(dek, header.messageId),
          noncePrefix: header.noncePrefix,
          aad: header.digest,
        };
      } finally {
        dek.fill(0);
      }
    });
};
