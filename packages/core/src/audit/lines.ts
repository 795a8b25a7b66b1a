import { createReadStream } from 'node:fs';
import { MAX_LINE_BYTES } from './format.js';

export interface LogLine {
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset of its first byte in the file. */
  readonly offset: number;
  /** Its bytes, without the end of line; empty when `overlong`. */
  readonly bytes: Buffer;
  /** Its length in bytes, without the end of line. */
  readonly length: number;
  /** Ends with an end of line (only the last line of a file may not). */
  readonly terminated: boolean;
  /** Longer than MAX_LINE_BYTES: not kept in memory, so not an entry. */
  readonly overlong: boolean;
}

/**
 * The lines of a file, read as a stream (64 KiB at a time): memory stays bounded by the longest
 * line kept (MAX_LINE_BYTES), whatever the size of the file. Bytes are kept as they are (a line's
 * hash is over its bytes).
 */
export async function* readLines(file: string): AsyncGenerator<LogLine> {
  let carry: Buffer[] = [];
  let carried = 0;
  let overlong = false;
  let number = 0;
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      const piece = chunk.subarray(from, nl);
      const length = carried + piece.length;
      const tooLong = overlong || length > MAX_LINE_BYTES;
      const bytes = tooLong ? Buffer.alloc(0) : carried === 0 ? piece : Buffer.concat([...carry, piece]);
      number++;
      yield { number, offset, bytes, length, terminated: true, overlong: tooLong };
      offset += length + 1;
      carry = [];
      carried = 0;
      overlong = false;
      from = nl + 1;
    }
    const rest = chunk.subarray(from);
    if (rest.length > 0) {
      carried += rest.length;
      if (overlong || carried > MAX_LINE_BYTES) {
        overlong = true;
        carry = [];
      } else carry.push(Buffer.from(rest));
    }
  }
  if (carried > 0) {
    number++;
    yield {
      number,
      offset,
      bytes: overlong ? Buffer.alloc(0) : Buffer.concat(carry),
      length: carried,
      terminated: false,
      overlong,
    };
  }
}
