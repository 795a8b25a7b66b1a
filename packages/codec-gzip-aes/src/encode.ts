import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  type CodecContext,
  type Encoded,
  err,
  isPluginError,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import { ChunkEncryptor } from './chunk-encryptor.js';
import { chooseCompression, compressStages } from './compression.js';
import {
  CXAR_CONTENT_TYPE,
  DEK_LENGTH,
  GCM_NONCE_LENGTH,
  MESSAGE_ID_LENGTH,
  NONCE_PREFIX_LENGTH,
} from './constants.js';
import { buildContext } from './context.js';
import { wrapDek } from './dek-wrap.js';
import { abortFailure, sealFailure } from './errors.js';
import { encodeHeader, encodeKeySlot, headerDigest } from './header.js';
import { deriveCommitment, deriveEncKey } from './kdf.js';
import type { LoadedKek } from './key-provider.js';
import type { Compression } from './options.js';
import { chainStreams, type Stage } from './stream-chain.js';

/** The random values each object gets. Never reused, never chosen by hand outside the vector tests. */
export interface ObjectSecrets {
  readonly dek: Buffer;
  readonly messageId: Buffer;
  readonly noncePrefix: Buffer;
  /** Nonce of the DEK wrapping under the KEK. */
  readonly wrapNonce: Buffer;
}

export interface EncodeSettings {
  readonly kek: LoadedKek;
  readonly compression: Compression;
  readonly chunkSizeLog2: number;
}

/** Fresh per-object secrets from the CSPRNG. */
export const freshSecrets = (): ObjectSecrets => ({
  dek: randomBytes(DEK_LENGTH),
  messageId: randomBytes(MESSAGE_ID_LENGTH),
  noncePrefix: randomBytes(NONCE_PREFIX_LENGTH),
  wrapNonce: randomBytes(GCM_NONCE_LENGTH),
});

const SECRET_LENGTHS: Readonly<Record<keyof ObjectSecrets, number>> = {
  dek: DEK_LENGTH,
  messageId: MESSAGE_ID_LENGTH,
  noncePrefix: NONCE_PREFIX_LENGTH,
  wrapNonce: GCM_NONCE_LENGTH,
};

/**
 * @internal Encodes with the given per-object secrets. Production code goes through
 * `encodeObject` (fresh secrets); only the known-answer tests pass fixed ones.
 */
export const encodeWithSecrets = (
  input: Readable,
  ctx: CodecContext,
  settings: EncodeSettings,
  secrets: ObjectSecrets,
  signal: AbortSignal,
): Result<Encoded, PluginError> => {
  if (signal.aborted) {
    input.destroy();
    return err(abortFailure('encode', signal.reason));
  }
  for (const [name, length] of Object.entries(SECRET_LENGTHS))
    if (secrets[name as keyof ObjectSecrets].length !== length) {
      input.destroy();
      return err(PluginErrors.permanent(`encode: ${name} must be ${length} bytes`));
    }
  const built = buildContext(ctx);
  if (built.isErr()) {
    input.destroy();
    return err(built.error);
  }
  const compression = chooseCompression(settings.compression, ctx.contentType);
  let stages: Stage[];
  try {
    const contextBytes = built.value.bytes;
    const header = encodeHeader({
      chunkSizeLog2: settings.chunkSizeLog2,
      compression,
      messageId: secrets.messageId,
      noncePrefix: secrets.noncePrefix,
      commitment: deriveCommitment(secrets.dek, secrets.messageId),
      contextBytes,
    });
    const { kek } = settings;
    const binding = { messageId: secrets.messageId, wrapAlg: kek.wrapAlg, keyId: kek.keyId, contextBytes };
    const keySlot = encodeKeySlot({
      wrapAlg: kek.wrapAlg,
      keyId: kek.keyId,
      wrappedDek: wrapDek(kek.key, secrets.dek, secrets.wrapNonce, binding),
    });
    const keys = {
      encKey: deriveEncKey(secrets.dek, secrets.messageId),
      noncePrefix: secrets.noncePrefix,
      aad: headerDigest(header),
    };
    stages = [
      ...compressStages(compression),
      {
        stream: new ChunkEncryptor(Buffer.concat([header, keySlot]), keys, 2 ** settings.chunkSizeLog2),
        mapError: sealFailure,
      },
    ];
  } catch (cause) {
    input.destroy();
    return err(isPluginError(cause) ? cause : sealFailure(cause));
  }
  return ok({
    stream: chainStreams(input, stages, { signal, error: (reason) => abortFailure('encode', reason) }),
    keyId: settings.kek.keyId,
    contentType: CXAR_CONTENT_TYPE,
  });
};

/**
 * Encodes `input` as a CXAR v1 object under a fresh random DEK. When `signal` aborts, the returned
 * stream is destroyed with a `PluginFailure` (Transient "encode was aborted") and `input` with it.
 */
export const encodeObject = (
  input: Readable,
  ctx: CodecContext,
  settings: EncodeSettings,
  signal: AbortSignal,
): Result<Encoded, PluginError> => {
  const secrets = freshSecrets();
  try {
    return encodeWithSecrets(input, ctx, settings, secrets, signal);
  } finally {
    secrets.dek.fill(0);
  }
};
