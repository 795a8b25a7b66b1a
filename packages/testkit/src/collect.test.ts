import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';

describe('collect', () => {
  it('concatenates buffer and string chunks', async () => {
    const stream = Readable.from([Buffer.from('ab'), 'cd', Buffer.from('e')]);
    expect((await collect(stream)).toString()).toBe('abcde');
  });

  it('returns an empty buffer for an empty stream', async () => {
    expect((await collect(Readable.from([]))).length).toBe(0);
  });

  it('refuses a body longer than the limit instead of buffering it', async () => {
    const stream = Readable.from([Buffer.alloc(10), Buffer.alloc(10)]);
    await expect(collect(stream, 15)).rejects.toThrow(RangeError);
    expect(stream.destroyed).toBe(true);
  });

  it('passes on the stream error', async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error('boom'));
      },
    });
    await expect(collect(stream)).rejects.toThrow('boom');
  });
});
