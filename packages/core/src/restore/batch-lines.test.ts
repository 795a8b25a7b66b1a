import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchFormatError, scanBatchLines } from './batch-lines.js';

/** The lines as the batch layout writes them (process-item.ts). */
const lineOf = (id: string, record: unknown) => `${JSON.stringify({ id, record })}\n`;

/** `text` cut into pieces at `cuts` (byte offsets), as a decoder may hand it on. */
async function* pieces(text: Buffer, cuts: readonly number[]) {
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= at || cut >= text.length) continue;
    yield text.subarray(at, cut);
    at = cut;
  }
  yield text.subarray(at);
}

const scan = async (text: string | Buffer, wanted: (id: string) => boolean, cuts: number[] = []) => {
  const found: [string, string][] = [];
  const lines = await scanBatchLines(
    pieces(Buffer.isBuffer(text) ? text : Buffer.from(text), cuts),
    wanted,
    async (id, record) => {
      found.push([id, record.toString('utf8')]);
    },
  );
  return { lines, found };
};

describe('scanBatchLines', () => {
  it('gives the record of each wanted line as the per-item layout stores it, however the bytes are cut', async () => {
    const json = fc.jsonValue();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.tuple(fc.string({ minLength: 1, unit: 'binary' }), fc.dictionary(fc.string(), json)),
          {
            selector: ([id]) => id,
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.array(fc.nat(4000)),
        fc.func(fc.boolean()),
        async (entries, cuts, pick) => {
          const text = entries.map(([id, record]) => lineOf(id, record)).join('');
          const wanted = new Set(entries.filter(([id]) => pick(id)).map(([id]) => id));
          const { lines, found } = await scan(text, (id) => wanted.has(id), cuts);
          expect(lines).toBe(entries.length);
          expect(found).toEqual(
            entries
              .filter(([id]) => wanted.has(id))
              .map(([id, record]) => [id, `${JSON.stringify(record)}\n`]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads ids with escapes and non-ASCII, cut byte by byte', async () => {
    const ids = ['a"b', 'c\\d', 'é\u2028ü', '5234001'];
    const text = ids.map((id, i) => lineOf(id, { n: i, s: `${id}\n` })).join('');
    const every = Array.from({ length: Buffer.byteLength(text) }, (_, i) => i);
    const { found } = await scan(text, (id) => id !== '5234001', every);
    expect(found).toEqual(
      ids.slice(0, 3).map((id, i) => [id, `${JSON.stringify({ n: i, s: `${id}\n` })}\n`]),
    );
  });

  it('fails on lines that are not record lines, naming the line', async () => {
    const good = lineOf('c1', { a: 1 });
    const cases: [string, RegExp][] = [
      [`${good}{"idx":"c2","record":{}}\n`, /line 2 .*does not start with/],
      [`${good}{"id":"c2","rec":{}}\n`, /line 2 .*not followed by ,"record":/],
      [`${good}{"id":"c2","record":{}\n`, /line 2 .*record is not JSON/],
      [`${good}{"id":"c2","record":{"a":1}x\n`, /line 2 .*does not end with \}/],
      [`${good}{"id":"c2","record":{ "a": 1 }}\n`, /line 2 .*not as the batch layout writes it/],
      [`${good}{"id":"c2","record":{}}`, /line 2 .*no newline/],
      [`${good}\n`, /line 2 .*empty/],
      ['{"id":"c1\n', /line 1 .*ends within its id/],
      ['{"id":"\\x","record":{}}\n', /line 1 .*not a JSON string/],
    ];
    for (const [text, reason] of cases) {
      const scanned = scan(text, () => true);
      await expect(scanned).rejects.toBeInstanceOf(BatchFormatError);
      await expect(scanned).rejects.toThrow(reason);
    }
    // A line without an id in its first 64 KiB is not held further.
    await expect(scan(`{"id":"${'x'.repeat(70_000)}`, () => true)).rejects.toThrow(/no id within/);
  });

  it('holds neither skipped lines nor more than the wanted line: a 1 MiB record of another item is passed over', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const text = lineOf('other', { big }) + lineOf('me', { small: true });
    const cuts = Array.from({ length: 300 }, (_, i) => i * 4096 + 7);
    const { found, lines } = await scan(text, (id) => id === 'me', cuts);
    expect(lines).toBe(2);
    expect(found).toEqual([['me', '{"small":true}\n']]);
  });
});
