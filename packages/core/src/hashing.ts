import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';

/** A pass-through stream that counts and SHA-256-hashes what flows through it. */
export class HashingStream extends Transform {
  readonly #hash = createHash('sha256');
  #size = 0;
  #digest: string | undefined;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }
  get size(): number {
    return this.#size;
  }
  /** True once every byte has passed and the digest is final. */
  get complete(): boolean {
    return this.#digest !== undefined;
  }
  /** Hex SHA-256 of everything that passed; only once the stream has ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('HashingStream: digest read before the stream ended');
    return this.#digest;
  }
}

/** Reads a stream to its end and returns its size and hex SHA-256, holding one chunk at a time. */
export const sha256OfStream = async (stream: Readable): Promise<{ size: number; sha256: string }> => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
  }
  return { size, sha256: hash.digest('hex') };
};
