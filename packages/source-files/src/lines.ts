/**
 * Splits a byte stream into lines (JSON Lines), with each line's byte offset and number, holding
 * one line at a time. A line ends with LF (a CR before it is dropped); a UTF-8 byte order mark at
 * the start of the input is skipped. A line over `maxLineBytes` throws `LineTooLongError`: the
 * reader never holds more than that.
 */

export interface Line {
  /** The line's bytes, without its line end. */
  readonly raw: Buffer;
  /** 1-based. */
  readonly line: number;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
}

export class LineTooLongError extends Error {
  readonly line: number;
  constructor(line: number, max: number) {
    super(`line ${line}: the line is longer than ${max} bytes`);
    this.name = 'LineTooLongError';
    this.line = line;
  }
}

export interface LineReadOptions {
  readonly offset?: number;
  readonly line?: number;
  readonly maxLineBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* readLines(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: LineReadOptions,
): AsyncGenerator<Line> {
  const max = options.maxLineBytes;
  const buffer = Buffer.allocUnsafe(max + 1); // one byte of room for the CR a line may end with
  let length = 0;
  let position = options.offset ?? 0;
  let line = options.line ?? 1;
  let lineOffset = position;
  let atStart = position === 0;

  const take = (): Line => {
    const end = length > 0 && buffer[length - 1] === CR ? length - 1 : length;
    if (end > max) throw new LineTooLongError(line, max);
    let raw = Buffer.from(buffer.subarray(0, end));
    let offset = lineOffset;
    if (atStart && raw.subarray(0, 3).equals(BOM)) {
      raw = raw.subarray(3);
      offset += 3;
    }
    atStart = false;
    return { raw, line, offset };
  };

  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    while (from < bytes.length) {
      const lf = bytes.indexOf(LF, from);
      const to = lf === -1 ? bytes.length : lf;
      if (length + (to - from) > buffer.length) throw new LineTooLongError(line, max);
      Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).copy(buffer, length);
      length += to - from;
      position += to - from;
      if (lf === -1) break;
      yield take();
      position++;
      line++;
      length = 0;
      lineOffset = position;
      from = lf + 1;
    }
  }
  if (length > 0) yield take();
}
