import { describe, expect, it } from 'vitest';
import { type Line, LineTooLongError, readLines } from './lines.js';

const read = async (input: Buffer, cuts: readonly number[], maxLineBytes = 64): Promise<Line[]> => {
  async function* chunks() {
    let from = 0;
    for (const cut of cuts) {
      yield input.subarray(from, cut);
      from = cut;
    }
    yield input.subarray(from);
  }
  const lines: Line[] = [];
  for await (const line of readLines(chunks(), { maxLineBytes })) lines.push(line);
  return lines;
};

describe('readLines', () => {
  it('splits on LF, drops a CR before it and a leading BOM, and keeps offsets exact', async () => {
    const input = Buffer.from('\uFEFF{"a":1}\r\n\n{"b":"é"}\n{"c":3}', 'utf8');
    const lines = await read(input, [2, 13, 14]);
    expect(lines.map((l) => l.raw.toString())).toEqual(['{"a":1}', '', '{"b":"é"}', '{"c":3}']);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    for (const line of lines)
      expect(input.subarray(line.offset, line.offset + line.raw.length).equals(line.raw)).toBe(true);
  });

  it('refuses a line over the limit with its number, whatever the chunks', async () => {
    const input = Buffer.from(`{"a":1}\n${'x'.repeat(65)}\n`, 'utf8');
    await expect(read(input, [10, 30])).rejects.toThrow(new LineTooLongError(2, 64));
    // Exactly the limit, with a CR, is fine.
    const exact = Buffer.from(`${'y'.repeat(64)}\r\n`, 'utf8');
    expect((await read(exact, [64]))[0]!.raw.length).toBe(64);
  });
});
