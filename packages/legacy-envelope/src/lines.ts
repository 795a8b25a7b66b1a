import type { Readable } from 'node:stream';
import { LegacyEnvelopeError } from './errors.js';

/** A record line longer than this is refused rather than buffered. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface Line {
  /** 1-based line number in the plaintext. */
  readonly number: number;
  /** The line without its newline (`\n` or `\r\n`). */
  readonly text: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The non-blank lines of a JSON Lines byte stream, with their numbers, one line in memory at a
 * time. A line longer than `maxLineBytes` or not UTF-8 fails naming `where` and the line number.
 */
export async function* jsonLines(
  input: Readable,
  where: string,
  maxLineBytes: number = MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  const emit = (bytes: Buffer): Line | undefined => {
    number++;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new LegacyEnvelopeError('bad-plaintext', `${where} line ${number} is not UTF-8`);
    }
    text = text.endsWith('\r') ? text.slice(0, -1) : text;
    return text.trim() === '' ? undefined : { number, text };
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (pendingBytes + piece.length > maxLineBytes)
        throw new LegacyEnvelopeError(
          'bad-plaintext',
          `${where} line ${number + 1} is longer than ${maxLineBytes} bytes`,
        );
      if (end === -1) {
        if (piece.length > 0) {
          pending.push(piece);
          pendingBytes += piece.length;
        }
        break;
      }
      const line = emit(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      pendingBytes = 0;
      if (line) yield line;
      start = end + 1;
    }
  }
  if (pendingBytes > 0) {
    const line = emit(Buffer.concat(pending));
    if (line) yield line;
  }
}
