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
 * CXAR chunks in (the stream after the header), plaintext out. A chunk's plaintext is pushed
 * only after its tag verified. Holds at most one sealed chunk plus one input buffer.
 * Fails with a `PluginFailure` (Permanent) naming the chunk, on truncation ("no final
 * chunk") and on data after the final chunk.
 */
export class ChunkDecryptor extends Transform {
  readonly #keys: ChunkKeys;
  readonly #sealedSize: number;
  readonly #queue = new ByteQueue();
  #index = 0;

  constructor(keys: ChunkKeys, chunkSize: number) {
    super();
    this.#keys = keys;
    this.#sealedSize = chunkSize + TAG_LENGTH;
  }

  /** A sealed chunk with bytes after it: it must open as a non-final chunk. */
  #openMiddle(sealed: Buffer): Buffer | PluginError {
    const index = this.#index;
    try {
      const plaintext = openChunk(this.#keys, index, false, sealed);
      this.#index += 1;
      return plaintext;
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
    try {
      return openChunk(this.#keys, index, true, sealed);
    } catch (cause) {
      if (sealed.length === this.#sealedSize && tryOpen(this.#keys, index, false, sealed) !== undefined)
        return PluginErrors.permanent(`truncated: no final chunk (the object ends after chunk ${index})`);
      return chunkOpenFailure(index, cause);
    }
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
