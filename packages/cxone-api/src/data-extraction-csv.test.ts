import { PluginFailure } from '@cxarchive/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvObjects, csvRecords } from './data-extraction-csv.js';

const chunksOf = (text: string | Buffer, cuts: readonly number[] = []): Uint8Array[] => {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
};
const iterate = async function* (chunks: Uint8Array[]) {
  yield* chunks;
};
const records = async (text: string | Buffer, cuts: readonly number[] = []) => {
  const out: string[][] = [];
  for await (const r of csvRecords(iterate(chunksOf(text, cuts)), 'test')) out.push(r);
  return out;
};
const failure = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (e) {
    if (e instanceof PluginFailure) return e.error;
    throw e;
  }
  throw new Error('no failure');
};

/** RFC 4180 writing, for the property. */
const write = (rows: string[][]): string =>
  rows
    .map((r) => r.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join(','))
    .join('\r\n');

describe('csvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and skips a BOM', async () => {
    const text =
      '\uFEFFACD Call ID,Agent 1 Name,Note\r\n1,"Doe, Jane","say ""hi"""\r\n2,Smith,"two\r\nlines"\n3,,\r\n';
    expect(await records(text)).toEqual([
      ['ACD Call ID', 'Agent 1 Name', 'Note'],
      ['1', 'Doe, Jane', 'say "hi"'],
      ['2', 'Smith', 'two\r\nlines'],
      ['3', '', ''],
    ]);
    expect(await records('a,b\r\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]); // no final line break
  });

  it('gives the same records however the bytes are split into chunks (multi-byte characters included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 2, maxLength: 2 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (rows, cuts) => {
          const text = write(rows);
          expect(await records(text, cuts)).toEqual(rows);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fails Transient on a file that ends inside a quoted field (cut short)', async () => {
    const error = await failure(() => records('a,b\r\n1,"unfinished'));
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(/cut short/);
  });

  it('fails Permanent on malformed CSV and on bytes that are not UTF-8', async () => {
    expect((await failure(() => records('a,"b"x\r\n')))._tag).toBe('Permanent');
    expect((await failure(() => records('a,b"c\r\n'))).message).toMatch(/quote inside an unquoted field/);
    expect((await failure(() => records(Buffer.from([0x61, 0x2c, 0xff, 0x0d, 0x0a])))).message).toMatch(
      /not UTF-8/,
    );
  });
});

describe('csvObjects', () => {
  it('keys each record by the header, and refuses a record of another width', async () => {
    const out: Readonly<Record<string, string>>[] = [];
    for await (const o of csvObjects(iterate(chunksOf('x,y\r\n1,2\r\n')), 'test')) out.push(o);
    expect(out).toEqual([{ x: '1', y: '2' }]);
    const error = await failure(async () => {
      for await (const _ of csvObjects(iterate(chunksOf('x,y\r\n1,2\r\n3\r\n')), 'test')) {
        // drain
      }
    });
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/record 3 has 1 fields, the header 2/);
  });
});
