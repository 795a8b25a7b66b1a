import { Transform, type TransformCallback } from 'node:stream';

/** What the compressor is given at a time: small writes cost a threadpool round trip each. */
export const COALESCE_BYTES = 64 * 1024;

/**
 * Joins small writes into pieces of at least `size` bytes (the last may be shorter) and passes
 * large ones through without copying. zlib runs one threadpool job per write it is given, so a
 * writer that sends one JSON line at a time (about 1.4 KB) would otherwise pay a round trip to
 * the threadpool, and its fixed costs, per line. Holds less than `size` bytes of its own.
 */
export class Coalesce extends Transform {
  readonly #size: number;
  #parts: Buffer[] = [];
  #length = 0;

  constructor(size: number = COALESCE_BYTES) {
    super({ writableHighWaterMark: size, readableHighWaterMark: size });
    this.#size = size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#length === 0 && chunk.length >= this.#size) {
      callback(null, chunk);
      return;
    }
    this.#parts.push(chunk);
    this.#length += chunk.length;
    if (this.#length >= this.#size) this.#emit();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#length > 0) this.#emit();
    callback();
  }

  #emit(): void {
    const joined = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    this.push(joined);
  }
}
