import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashingStream, UnexpectedBytesError } from './hashing.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const through = async (text: string, stream: HashingStream) => {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))]),
    stream,
    async (s) => {
      for await (const chunk of s) out.push(chunk as Buffer);
    },
  );
  return Buffer.concat(out).toString();
};

describe('HashingStream', () => {
  it('passes the bytes on, counted and hashed', async () => {
    const stream = new HashingStream();
    expect(await through('hello world', stream)).toBe('hello world');
    expect({ size: stream.size, sha256: stream.sha256 }).toEqual({ size: 11, sha256: sha('hello world') });
  });

  it('told what to expect, passes exactly those bytes', async () => {
    const stream = new HashingStream({ expected: { size: 11, sha256: sha('hello world') } });
    expect(await through('hello world', stream)).toBe('hello world');
  });

  it('fails as soon as more bytes pass than expected, and at the end when other bytes passed', async () => {
    await expect(
      through('hello world!', new HashingStream({ expected: { size: 5, sha256: sha('hello') } })),
    ).rejects.toMatchObject({ name: 'UnexpectedBytesError', found: 'longer' });
    const other = new HashingStream({ expected: { size: 11, sha256: sha('hello world') } });
    await expect(through('HELLO WORLD', other)).rejects.toBeInstanceOf(UnexpectedBytesError);
    expect((other.errored as UnexpectedBytesError).found).toBe('different');
    await expect(
      through('hello', new HashingStream({ expected: { size: 11, sha256: sha('hello world') } })),
    ).rejects.toMatchObject({ found: 'different' });
  });
});
