import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvSyntaxError, readCsv } from './csv.js';

const chunked = async function* (input: Buffer, cuts: readonly number[] = []): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= input.length) continue;
    yield input.subarray(from, cut);
    from = cut;
  }
  yield input.subarray(from);
};

const parse = async (text: string | Buffer, cuts: readonly number[] = [], maxRecordBytes = 4096) => {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const records: CsvRecord[] = [];
  for await (const record of readCsv(chunked(input, cuts), { maxRecordBytes })) records.push(record);
  return records;
};

const failure = async (text: string, maxRecordBytes = 4096): Promise<CsvSyntaxError> => {
  try {
    await parse(text, [], maxRecordBytes);
  } catch (cause) {
    expect(cause).toBeInstanceOf(CsvSyntaxError);
    return cause as CsvSyntaxError;
  }
  throw new Error('no syntax error');
};

describe('readCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line ends inside', async () => {
    const records = await parse(
      'a,b,c\r\n"x, y","say ""hi""","line 1\r\nline 2\nline 3"\r\nplain,,"" \n'.replace(' \n', '\n'),
    );
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'line 1\r\nline 2\nline 3'],
      ['plain', '', ''],
    ]);
    // The third record starts on line 5: the quoted line ends count as physical lines.
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('gives each record its byte offset and bytes, exactly, with multi-byte text, a BOM and CRLF', async () => {
    const text = '\uFEFFfile,text\r\n"é.pdf","naïve, ☃"\r\n\r\nz.png,ok';
    const input = Buffer.from(text, 'utf8');
    const records = await parse(input);
    expect(records.map((r) => r.fields)).toEqual([
      ['file', 'text'],
      ['é.pdf', 'naïve, ☃'],
      ['z.png', 'ok'],
    ]);
    for (const record of records)
      expect(input.subarray(record.offset, record.offset + record.raw.length).equals(record.raw)).toBe(true);
    expect(records[0]!.offset).toBe(3); // after the BOM
    expect(records[2]!.line).toBe(4); // a blank line is skipped but counted
    // Reading again from a record's offset and line gives the same record.
    const again: CsvRecord[] = [];
    for await (const record of readCsv(chunked(input.subarray(records[1]!.offset)), {
      offset: records[1]!.offset,
      line: records[1]!.line,
      maxRecordBytes: 4096,
    }))
      again.push(record);
    expect(again[0]).toEqual(records[1]);
  });

  it('skips a BOM split across chunks, and keeps bytes that only begin like one', async () => {
    const text = Buffer.from('\uFEFFa,b\n', 'utf8');
    expect((await parse(text, [1, 2])).map((r) => r.fields)).toEqual([['a', 'b']]);
    const notBom = Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('x', 'latin1')]);
    await expect(parse(notBom, [1])).rejects.toThrow(/not valid UTF-8/);
  });

  it('ends records at LF, CRLF (split across chunks) and a lone CR', async () => {
    const input = Buffer.from('a\r\nb\rc\nd', 'utf8');
    const records = await parse(input, [2]);
    expect(records.map((r) => r.fields[0])).toEqual(['a', 'b', 'c', 'd']);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => r.offset)).toEqual([0, 3, 5, 7]);
  });

  it('refuses broken syntax with the line', async () => {
    expect((await failure('a,b\nx"y,z\n')).message).toBe(
      'line 2: a quote inside an unquoted field (quote the whole field and double each quote in it)',
    );
    expect((await failure('a\n"x"y\n')).message).toBe('line 2: text after the closing quote of a field');
    expect((await failure('a\nb\n"open\n\n')).message).toBe('line 3: a quoted field is never closed');
    expect((await failure(`a\n${'x'.repeat(40)}\n`, 32)).message).toBe(
      'line 2: the record is longer than 32 bytes',
    );
    const bad = Buffer.concat([Buffer.from('a\n'), Buffer.from([0xff, 0x0a])]);
    await expect(parse(bad)).rejects.toThrow('line 2: the record is not valid UTF-8');
  });

  it('reads back whatever fields were written, however the bytes are cut', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'é', '☃', ',', '"', '\r\n', '\n', ' ', 'x') });
    const row = fc.array(field, { minLength: 2, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        async (rows, cuts) => {
          const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
          const text = rows.map((fields) => fields.map(quote).join(',')).join('\r\n');
          const records = await parse(text, cuts);
          expect(records.map((r) => r.fields)).toEqual(rows);
        },
      ),
      { numRuns: 200 },
    );
  });
});
