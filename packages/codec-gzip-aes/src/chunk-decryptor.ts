import { Transform, type TransformCallback } from 'node:stream';
import { type PluginError, PluginErrors, PluginFailure } from '@cxarchive/core';
import { ByteQueue } from './byte-queue.js';
import { type ChunkKeys, openChunk } from './chunk-cipher.js';
import { TAG_LENGTH } from './constants.js';
import { chunkOpenFailure } from './errors.js';

const tryOpen = (keys: ChunkKeys, index: number, last: boolean, sealed: Buffer): Buffer | undefined => {
  try {
    return openChunk(keys, index, last, sealed);
  } catch {
    return undefined;
  }
};

/**
 * CXAR chunks in (the stream after the key slot), plaintext out. End detection: while more than
 * one sealed chunk (2^chunk_log2 + 16 bytes) is left, the next sealed chunk is a non-final one;
 * the bytes left when the input ends (16 to 2^chunk_log2 + 16) are the final chunk. A chunk's
 * plaintext is pushed only after its tag verified. Holds at most one sealed chunk plus one input
 * buffer. Fails with a `PluginFailure` (Permanent) naming the chunk, on truncation ("no final
 * chunk"), on data after the final chunk and on an empty final chunk after full ones.
 *
 * With `emit: 'sealed'` it authenticates every chunk but passes the sealed bytes on unchanged
 * (a rewrap copies the chunks byte for byte, and only chunks that verified).
 */
export class ChunkDecryptor extends Transform {
  readonly #keys: ChunkKeys;
  readonly #sealedSize: number;
  readonly #emitSealed: boolean;
  readonly #queue = new ByteQueue();
  #index = 0;

  constructor(keys: ChunkKeys, chunkSize: number, emit: 'plaintext' | 'sealed' = 'plaintext') {
    super();
    this.#keys = keys;
    this.#sealedSize = chunkSize + TAG_LENGTH;
    this.#emitSealed = emit === 'sealed';
  }

  /** A sealed chunk with bytes after it: it must open as a non-final chunk. */
  #openMiddle(sealed: Buffer): Buffer | PluginError {
    const index = this.#index;
    try {
      const plaintext = openChunk(this.#keys, index, false, sealed);
      this.#index += 1;
      return this.#emitSealed ? sealed : plaintext;
    } catch (cause) {
      if (tryOpen(this.#keys, index, true, sealed) !== undefined)
        return PluginErrors.permanent(`trailing data after final chunk ${index}`);
      return chunkOpenFailure(index, cause);
    }
  }

  /** The bytes left at the end of the input: they must form the final chunk. */
  #openFinal(sealed: Buffer): Buffer | PluginError {
    const index = this.#index;
    if (sealed.length < TAG_LENGTH)
      return PluginErrors.permanent(
        sealed.length === 0
          ? `truncated: no final chunk (the object ends after ${index} chunk${index === 1 ? '' : 's'})`
          : `truncated: no final chunk (chunk ${index} is shorter than its tag)`,
      );
    let plaintext: Buffer;
    try {
      plaintext = openChunk(this.#keys, index, true, sealed);
    } catch (cause) {
      if (sealed.length === this.#sealedSize && tryOpen(this.#keys, index, false, sealed) !== undefined)
        return PluginErrors.permanent(`truncated: no final chunk (the object ends after chunk ${index})`);
      return chunkOpenFailure(index, cause);
    }
    // Only an empty payload has an empty final chunk: after full chunks the last full one is final.
    if (plaintext.length === 0 && index > 0)
      return PluginErrors.permanent(`empty final chunk ${index} after full chunks (not allowed in CXAR v1)`);
    return this.#emitSealed ? sealed : plaintext;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#queue.push(chunk);
    while (this.#queue.length > this.#sealedSize) {
      const result = this.#openMiddle(this.#queue.take(this.#sealedSize));
      if (!Buffer.isBuffer(result)) {
        callback(new PluginFailure(result));
        return;
      }
      this.push(result);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const result = this.#openFinal(this.#queue.takeAll());
    if (!Buffer.isBuffer(result)) {
      callback(new PluginFailure(result));
      return;
    }
    callback(null, result);
  }
}
