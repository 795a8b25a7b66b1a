import { type Codec, okAsync } from '@cxarchive/core';

/**
 * A codec that stores bytes as they are, for runtime tests: no compression, no encryption, no
 * context bound (so it cannot detect an object moved to another key). Never use it for archives.
 */
export const createIdentityCodec = (): Codec => ({
  extension: '.bin',
  encode: (input, ctx) =>
    okAsync({ stream: input, keyId: 'identity', contentType: ctx.contentType ?? 'application/octet-stream' }),
  decode: (input) => okAsync(input),
});
