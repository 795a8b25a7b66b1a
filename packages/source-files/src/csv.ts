/**
 * A streaming RFC 4180 reader (no CSV parser is a dependency of the workspace, and this one needs
 * what general parsers do not give: the byte offset of each record, so `fetch` can read one row
 * again without reading the whole manifest). It works on bytes: every byte CSV gives meaning to
 * (`"`, `,`, CR, LF) is ASCII, and in UTF-8 no byte of a multi-byte character is ASCII, so splitting
 * bytes is exact; each field is decoded (strict UTF-8) once the record is complete.
 *
 * - Fields are separated by `,`; a field may be quoted, and `""` inside quotes is one `"`. Commas,
 *   CR and LF inside quotes are data.
 * - Records end with CRLF, LF or a lone CR (outside quotes), or at the end of the input.
 * - A UTF-8 byte order mark at the start of the input is skipped.
 * - A blank line (no byte before its line end) is no record.
 * - Syntax errors (a quote inside an unquoted field, text after a closing quote, a quote never
 *   closed, a record over `maxRecordBytes`, bytes that are not UTF-8) throw `CsvSyntaxError` with
 *   the line: after one, what follows cannot be trusted to split the same way.
 */

export interface CsvRecord {
  readonly fields: readonly string[];
  /** Physical line (1-based) the record starts on. */
  readonly line: number;
  /** Byte offset of the record's first byte. */
  readonly offset: number;
  /** The record's bytes, without its line end. */
  readonly raw: Buffer;
}

export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

export interface CsvReadOptions {
  /** Byte offset of the first byte of `chunks` (a read that starts at a record). Default 0. */
  readonly offset?: number;
  /** Line number of the first byte of `chunks`. Default 1. */
  readonly line?: number;
  readonly maxRecordBytes: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf] as const;

enum State {
  FieldStart = 0,
  Unquoted = 1,
  Quoted = 2,
  /** A quote inside a quoted field: the closing one, or the first of `""`. */
  QuoteInQuoted = 3,
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function* readCsv(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecord> {
  const max = options.maxRecordBytes;
  const raw = Buffer.allocUnsafe(max);
  const data = Buffer.allocUnsafe(max);
  let rawLength = 0;
  let dataLength = 0;
  const bounds: number[] = [];
  let fieldStart = 0;
  let state = State.FieldStart;
  let position = options.offset ?? 0;
  let line = options.line ?? 1;
  let recordLine = line;
  let recordOffset = position;
  let quotedFrom = line;
  let afterCr = false;
  let bomChecked = position !== 0;
  let bomPending: number[] = [];

  const tooLong = (): never => {
    throw new CsvSyntaxError(recordLine, `the record is longer than ${max} bytes`);
  };
  const pushRaw = (byte: number): void => {
    if (rawLength >= max) tooLong();
    raw[rawLength++] = byte;
  };
  const pushData = (byte: number): void => {
    data[dataLength++] = byte;
  };
  const endField = (): void => {
    bounds.push(fieldStart, dataLength);
    fieldStart = dataLength;
  };
  const finish = (): CsvRecord | undefined => {
    if (rawLength === 0 && bounds.length === 0) return undefined; // a blank line
    endField();
    const fields: string[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      try {
        fields.push(decoder.decode(data.subarray(bounds[i], bounds[i + 1])));
      } catch {
        throw new CsvSyntaxError(recordLine, 'the record is not valid UTF-8');
      }
    }
    return { fields, line: recordLine, offset: recordOffset, raw: Buffer.from(raw.subarray(0, rawLength)) };
  };
  const reset = (): void => {
    rawLength = 0;
    dataLength = 0;
    bounds.length = 0;
    fieldStart = 0;
    state = State.FieldStart;
    recordLine = line;
    recordOffset = position;
  };

  let quotedCr = false;
  const step = (byte: number): CsvRecord | undefined => {
    if (afterCr) {
      afterCr = false;
      if (byte === LF) {
        position++;
        recordOffset = position;
        return undefined;
      }
    }
    switch (state) {
      case State.Quoted:
        pushRaw(byte);
        position++;
        if (byte === QUOTE) state = State.QuoteInQuoted;
        else {
          pushData(byte);
          // A line end inside quotes is data, but it still starts a new physical line.
          if (byte === CR || (byte === LF && !quotedCr)) line++;
        }
        quotedCr = byte === CR;
        return undefined;
      case State.QuoteInQuoted:
        if (byte === QUOTE) {
          pushRaw(byte);
          pushData(QUOTE);
          position++;
          state = State.Quoted;
          return undefined;
        }
        if (byte !== COMMA && byte !== CR && byte !== LF)
          throw new CsvSyntaxError(line, 'text after the closing quote of a field');
        state = State.Unquoted; // ends like an unquoted field
        break;
      default:
        break;
    }
    if (byte === COMMA) {
      pushRaw(byte);
      position++;
      endField();
      state = State.FieldStart;
      return undefined;
    }
    if (byte === CR || byte === LF) {
      position++;
      line++;
      afterCr = byte === CR;
      const record = finish();
      reset();
      return record;
    }
    if (byte === QUOTE) {
      if (state !== State.FieldStart)
        throw new CsvSyntaxError(
          line,
          'a quote inside an unquoted field (quote the whole field and double each quote in it)',
        );
      pushRaw(byte);
      position++;
      quotedFrom = line;
      quotedCr = false;
      state = State.Quoted;
      return undefined;
    }
    pushRaw(byte);
    pushData(byte);
    position++;
    state = State.Unquoted;
    return undefined;
  };

  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (!bomChecked) {
      // The BOM may be split across chunks: hold its first bytes until they are all seen.
      while (start < bytes.length && bomPending.length < 3 && bytes[start] === BOM[bomPending.length]) {
        bomPending.push(bytes[start]!);
        start++;
      }
      if (bomPending.length === 3) {
        bomChecked = true;
        position += 3;
        recordOffset = position;
        bomPending = [];
      } else if (start < bytes.length) {
        bomChecked = true;
        const held = bomPending;
        bomPending = [];
        for (const byte of held) {
          const record = step(byte);
          if (record) yield record;
        }
      }
    }
    for (let i = start; i < bytes.length; i++) {
      const record = step(bytes[i]!);
      if (record) yield record;
    }
  }
  for (const byte of bomPending) {
    const record = step(byte);
    if (record) yield record;
  }
  if ((state as State) === State.Quoted)
    throw new CsvSyntaxError(quotedFrom, 'a quoted field is never closed');
  const last = finish();
  if (last) yield last;
}
