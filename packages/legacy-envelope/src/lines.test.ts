import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLines, type Line } from './lines.js';

const collect = async (chunks: (string | Buffer)[], max?: number): Promise<Line[]> => {
  const out: Line[] = [];
  for await (const line of jsonLines(Readable.from(chunks.map((c) => Buffer.from(c))), 'x.json', max))
    out.push(line);
  return out;
};

describe('jsonLines', () => {
  it('numbers lines as in the file, skipping blank ones, with or without a final newline', async () => {
    expect(await collect(['a\n\n  \nb\r\nc'])).toEqual([
      { number: 1, text: 'a' },
      { number: 4, text: 'b' },
      { number: 5, text: 'c' },
    ]);
  });

  it('joins lines split across chunks, byte by byte and inside a UTF-8 character', async () => {
    const text = '{"n": "Jörg"}\n{"n": "Chloé"}\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect((await collect(chunks)).map((l) => l.text)).toEqual(['{"n": "Jörg"}', '{"n": "Chloé"}']);
  });

  it('refuses a line longer than the cap, naming its number', async () => {
    await expect(collect(['ok\n', 'x'.repeat(30), 'y'.repeat(30), '\n'], 50)).rejects.toThrow(
      'x.json line 2 is longer than 50 bytes',
    );
  });

  it('refuses a line that is not UTF-8', async () => {
    await expect(collect([Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a])])).rejects.toThrow(
      'x.json line 2 is not UTF-8',
    );
  });
});
