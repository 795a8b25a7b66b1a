import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { type FileTypeResult, fileTypeFromStream } from 'file-type';

/**
 * Most bytes file-type may look at (and the largest single read it may ask for). Every format of the
 * catalog is recognised well within it; a docx whose [Content_Types].xml comes later is recognised
 * by its word/ entries.
 */
export const SNIFF_BYTES = 1024 * 1024;

/** What one pass over the bytes found. */
export type MediaRead =
  | {
      readonly kind: 'read';
      readonly size: number;
      readonly sha256: string;
      /** What file-type made of the first bytes; undefined when it knows no type for them. */
      readonly detected: FileTypeResult | undefined;
      /** Whether every byte was UTF-8 without NUL (only when asked with `checkText`). */
      readonly text?: boolean;
    }
  /** Stopped at the cap: `read` bytes were taken from the stream, at most one chunk past the cap. */
  | { readonly kind: 'tooLarge'; readonly read: number };

export interface ReadMediaOptions {
  readonly maxBytes: number;
  /** Also check that every byte is UTF-8 text without NUL (a file named as text). */
  readonly checkText: boolean;
  readonly signal: AbortSignal;
  /** Bytes given to file-type at most (default SNIFF_BYTES). */
  readonly sniffBytes?: number;
}

/** A UTF-8 check over a stream of chunks: holds no more than a partial character between chunks. */
const textChecker = () => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let ok = true;
  return {
    push(chunk: Uint8Array) {
      if (!ok) return;
      if (chunk.includes(0)) ok = false;
      else
        try {
          decoder.decode(chunk, { stream: true });
        } catch {
          ok = false;
        }
    },
    end(): boolean {
      if (ok)
        try {
          decoder.decode();
        } catch {
          ok = false;
        }
      return ok;
    },
  };
};

const asBytes = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : typeof chunk === 'string'
      ? Buffer.from(chunk)
      : Buffer.from(chunk as Uint8Array);

/**
 * One pass over `stream`: counts and SHA-256-hashes every byte, feeds file-type the first bytes it
 * asks for (a web stream pulled on demand, never more than `sniffBytes`), and stops reading as soon
 * as the size passes `maxBytes` (the stream is then destroyed). Memory: one chunk, plus what
 * file-type holds of the first `sniffBytes`. A stream that fails rejects with its error.
 */
export const readMedia = async (stream: Readable, options: ReadMediaOptions): Promise<MediaRead> => {
  const { maxBytes, signal } = options;
  const sniffBytes = options.sniffBytes ?? SNIFF_BYTES;
  const hash = createHash('sha256');
  const text = options.checkText ? textChecker() : undefined;
  const chunks = stream[Symbol.asyncIterator]();
  let size = 0;
  let read = 0;
  let over = false;
  let ended = false;
  let failed = false;

  /** The next chunk, hashed and counted; undefined at the end or once past the cap. */
  const next = async (): Promise<Buffer | undefined> => {
    if (over || ended) return undefined;
    signal.throwIfAborted();
    let result: IteratorResult<unknown>;
    try {
      result = await chunks.next();
    } catch (error) {
      failed = true;
      throw error;
    }
    if (result.done) {
      ended = true;
      return undefined;
    }
    const chunk = asBytes(result.value);
    read += chunk.length;
    if (size + chunk.length > maxBytes) {
      over = true;
      return undefined;
    }
    size += chunk.length;
    hash.update(chunk);
    text?.push(chunk);
    return chunk;
  };

  // A stream that stalls is ended by an abort too (not only at the next chunk).
  const onAbort = () => stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    let sniffed = 0;
    const sample = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const chunk = sniffed < sniffBytes ? await next() : undefined;
          if (chunk === undefined) controller.close();
          else {
            sniffed += chunk.length;
            controller.enqueue(chunk);
          }
        },
      },
      { highWaterMark: 0 },
    );
    let detected: FileTypeResult | undefined;
    try {
      detected = await fileTypeFromStream(sample, { signal, maxBufferSize: sniffBytes });
    } catch (error) {
      // The stream's own failure or an abort goes on; file-type giving up on odd bytes (a read
      // larger than it may make) only means it knows no type for them.
      if (failed || signal.aborted) throw error;
      detected = undefined;
    }
    while ((await next()) !== undefined) {}
    if (over) return { kind: 'tooLarge', read };
    return {
      kind: 'read',
      size,
      sha256: hash.digest('hex'),
      detected,
      ...(text === undefined ? {} : { text: text.end() }),
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Ends the stream when it was not read to its end (past the cap, a failure, an abort).
    if (!ended) await chunks.return?.();
  }
};
