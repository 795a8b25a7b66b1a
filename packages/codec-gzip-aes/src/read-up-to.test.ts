import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readUpTo } from './read-up-to.js';

const collect = async (stream: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

describe('readUpTo', () => {
  it('reads exactly n bytes and leaves the rest in the stream', async () => {
    const stream = Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')], {
      objectMode: false,
    });
    expect((await readUpTo(stream, 4)).toString()).toBe('abcd');
    expect((await readUpTo(stream, 0)).toString()).toBe('');
    expect((await readUpTo(stream, 3)).toString()).toBe('efg');
    expect((await collect(stream)).toString()).toBe('hij');
  });

  it('returns fewer bytes when the stream ends first', async () => {
    const stream = Readable.from([Buffer.from('ab')], { objectMode: false });
    expect((await readUpTo(stream, 5)).toString()).toBe('ab');
    expect((await readUpTo(stream, 5)).length).toBe(0);
  });

  it('rejects with the stream error', async () => {
    const stream = new PassThrough();
    const pending = readUpTo(stream, 10);
    stream.write('abc');
    stream.destroy(new Error('boom'));
    await expect(pending).rejects.toThrow('boom');
  });

  it('rejects a stream of non-bytes instead of throwing', async () => {
    const stream = Readable.from([{ not: 'bytes' }]);
    await expect(readUpTo(stream, 4)).rejects.toThrow();
  });
});
