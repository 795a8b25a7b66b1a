import { Transform, type TransformCallback } from 'node:stream';
import { PluginErrors, PluginFailure } from '@cxarchive/core';
import { ByteQueue } from './byte-queue.js';
import { type ChunkKeys, sealChunkParts } from './chunk-cipher.js';
import { MAX_CHUNKS } from './constants.js';
import { sealFailure } from './errors.js';

/**
 * Plaintext in, CXAR object out: the header first, then full chunks, then one final chunk
 * (short, full, or empty for an empty payload). Holds at most one chunk plus one input buffer.
 */
export class ChunkEncryptor extends Transform {
  readonly #header: Buffer;
  readonly #keys: ChunkKeys;
  readonly #chunkSize: number;
  readonly #queue = new ByteQueue();
  #index = 0;
  #headerSent = false;

  constructor(header: Buffer, keys: ChunkKeys, chunkSize: number) {
    super();
    this.#header = header;
    this.#keys = keys;
    this.#chunkSize = chunkSize;
  }

  #sendHeader(): void {
    if (this.#headerSent) return;
    this.#headerSent = true;
    this.push(this.#header);
  }

  /** Seals one chunk and pushes its ciphertext and its tag, one after the other, uncopied. */
  #seal(plaintext: Buffer, last: boolean): void {
    if (this.#index >= MAX_CHUNKS)
      throw new PluginFailure(PluginErrors.invalidInput('the payload is too large: more than 2^32 chunks'));
    const [ciphertext, tag] = sealChunkParts(this.#keys, this.#index, last, plaintext);
    this.#index += 1;
    if (ciphertext.length > 0) this.push(ciphertext);
    this.push(tag);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#sendHeader();
      this.#queue.push(chunk);
      // A full chunk is known not to be the last only once a byte after it has arrived.
      while (this.#queue.length > this.#chunkSize) this.#seal(this.#queue.take(this.#chunkSize), false);
      callback();
    } catch (cause) {
      callback(cause instanceof PluginFailure ? cause : new PluginFailure(sealFailure(cause)));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#sendHeader();
      this.#seal(this.#queue.takeAll(), true);
      callback();
    } catch (cause) {
      callback(cause instanceof PluginFailure ? cause : new PluginFailure(sealFailure(cause)));
    }
  }
}
