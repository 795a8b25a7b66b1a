import { PluginErrors, PluginFailure } from '@cxarchive/core';

/**
 * A streaming CSV reader (RFC 4180): fields separated by commas, records by CRLF (a bare LF is
 * accepted too), a field in double quotes may hold commas, quotes (doubled) and line breaks. A
 * UTF-8 byte-order mark at the start is skipped. Memory holds one record at a time, whatever the
 * file's size. A quoted field still open at the end of the input means the file was cut short: the
 * reader throws a `PluginFailure` (Transient) rather than return a partial record.
 */
export async function* csvRecords(chunks: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let record: string[] = [];
  let field = '';
  /** 'start' (nothing read), 'plain', 'quoted', 'quote' (a quote inside a quoted field), 'closed'. */
  let state = 'start' as 'start' | 'plain' | 'quoted' | 'quote' | 'closed';
  let first = true;
  let pendingCr = false;
  const malformed = (why: string) =>
    new PluginFailure(PluginErrors.permanent(`${what}: malformed CSV: ${why}`));
  const endField = () => {
    record.push(field);
    field = '';
    state = 'start';
  };
  function* feed(text: string): Generator<string[]> {
    for (const c of text) {
      if (first) {
        first = false;
        if (c === '\uFEFF') continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue; // the LF of a CRLF: the CR ended the record
      }
      if (state === 'quoted') {
        if (c === '"') state = 'quote';
        else field += c;
        continue;
      }
      if (state === 'quote') {
        if (c === '"') {
          field += '"';
          state = 'quoted';
          continue;
        }
        state = 'closed';
      }
      if (c === ',') {
        endField();
        continue;
      }
      if (c === '\r' || c === '\n') {
        pendingCr = c === '\r';
        const blank = record.length === 0 && state === 'start';
        endField();
        const done = record;
        record = [];
        if (!blank) yield done; // blank lines are skipped
        continue;
      }
      if (state === 'closed') throw malformed('text after a closing quote');
      if (c === '"') {
        if (state === 'plain') throw malformed('a quote inside an unquoted field');
        state = 'quoted';
        continue;
      }
      state = 'plain';
      field += c;
    }
  }
  try {
    for await (const chunk of chunks) yield* feed(decoder.decode(chunk, { stream: true }));
    yield* feed(decoder.decode());
  } catch (cause) {
    if (cause instanceof TypeError) throw malformed('not UTF-8');
    throw cause;
  }
  if (state === 'quoted') {
    throw new PluginFailure(
      PluginErrors.transient(`${what}: the CSV ends inside a quoted field (cut short)`),
    );
  }
  if (state !== 'start' || record.length > 0) {
    endField();
    yield record;
  }
}

/**
 * Records as objects keyed by the header's column names. A record whose field count differs from
 * the header's is malformed (Permanent).
 */
export async function* csvObjects(
  chunks: AsyncIterable<Uint8Array>,
  what: string,
): AsyncGenerator<Readonly<Record<string, string>>> {
  let header: string[] | undefined;
  let line = 1;
  for await (const record of csvRecords(chunks, what)) {
    if (header === undefined) {
      header = record;
      continue;
    }
    line += 1;
    if (record.length !== header.length) {
      throw new PluginFailure(
        PluginErrors.permanent(
          `${what}: record ${line} has ${record.length} fields, the header ${header.length}`,
        ),
      );
    }
    const out: Record<string, string> = {};
    for (const [index, name] of header.entries()) out[name] = record[index] as string;
    yield out;
  }
}
