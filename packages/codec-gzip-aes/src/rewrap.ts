import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import {
  type CodecContext,
  err,
  fromStreamError,
  ok,
  type PluginError,
  type ResultAsync,
} from '@cxarchive/core';
import { ChunkDecryptor } from './chunk-decryptor.js';
import { CXAR_CONTENT_TYPE, GCM_NONCE_LENGTH } from './constants.js';
import { checkContext } from './context.js';
import { readHeaderFor } from './decode.js';
import { wrapDek } from './dek-wrap.js';
import { abortFailure, sealFailure } from './errors.js';
import { encodeKeySlot } from './header.js';
import { deriveEncKey } from './kdf.js';
import type { LoadedKek } from './key-provider.js';
import type { KeyRing } from './keyring.js';
import { unwrapCommitted } from './open-header.js';
import { chainStreams } from './stream-chain.js';

/** Emits `prefix` before the first byte that passes through (or at the end, if none does). */
class Prefixed extends Transform {
  #prefix: Buffer | undefined;

  constructor(prefix: Buffer) {
    super();
    this.#prefix = prefix;
  }

  #sendPrefix(): void {
    if (this.#prefix === undefined) return;
    this.push(this.#prefix);
    this.#prefix = undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#sendPrefix();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#sendPrefix();
    callback();
  }
}

/** A rewrapped object: its stream, and the key ids before and after. */
export interface Rewrapped {
  readonly stream: Readable;
  /** The key the object was under. */
  readonly fromKeyId: string;
  /** The key it is under now (the target's id). */
  readonly keyId: string;
  readonly contentType: string;
}

/**
 * Rewrites a CXAR object's key slot: the DEK is unwrapped with whichever key of `ring` the slot
 * names, the key commitment is checked, and the same DEK is wrapped under `target` (fresh wrap
 * nonce). The authenticated header (magic through context) and every chunk are copied byte for
 * byte; each chunk is authenticated on the way, so the returned stream fails (a `PluginFailure`,
 * as in `decode`) instead of completing for an object that would not decode. `expected` is the
 * full context, as for `decode`.
 */
export const rewrapObject = (
  input: Readable,
  expected: CodecContext,
  ring: KeyRing,
  target: LoadedKek,
  signal: AbortSignal,
): ResultAsync<Rewrapped, PluginError> =>
  readHeaderFor(input, expected, signal, 'rewrap').andThen(({ header, rest }) => {
    const contextCheck = checkContext(header.context, expected);
    const checked = contextCheck.isErr() ? err(contextCheck.error) : ok(undefined);
    return checked
      .asyncAndThen(() => unwrapCommitted(header, ring))
      .mapErr((error) => {
        rest.destroy();
        return error;
      })
      .andThen((dek) => {
        try {
          const binding = {
            messageId: header.messageId,
            wrapAlg: target.wrapAlg,
            keyId: target.keyId,
            contextBytes: header.contextBytes,
          };
          const slot = encodeKeySlot({
            wrapAlg: target.wrapAlg,
            keyId: target.keyId,
            wrappedDek: wrapDek(target.key, dek, randomBytes(GCM_NONCE_LENGTH), binding),
          });
          const keys = {
            encKey: deriveEncKey(dek, header.messageId),
            noncePrefix: header.noncePrefix,
            aad: header.digest,
          };
          const stream = chainStreams(
            rest,
            [
              {
                stream: new ChunkDecryptor(keys, 2 ** header.chunkSizeLog2, 'sealed'),
                mapError: fromStreamError,
              },
              { stream: new Prefixed(Buffer.concat([header.bytes, slot])), mapError: fromStreamError },
            ],
            { signal, error: (reason) => abortFailure('rewrap', reason) },
          );
          return ok({
            stream,
            fromKeyId: header.keySlot.keyId,
            keyId: target.keyId,
            contentType: CXAR_CONTENT_TYPE,
          });
        } catch (cause) {
          rest.destroy();
          return err(sealFailure(cause));
        } finally {
          dek.fill(0);
        }
      });
  });
