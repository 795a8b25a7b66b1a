import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byte-queue.js';

describe('ByteQueue', () => {
  it('hands out exactly the bytes pushed, in order, across part boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 30 }),
        (pushes, takes) => {
          const queue = new ByteQueue();
          const all = Buffer.concat(pushes.map((p) => Buffer.from(p)));
          for (const p of pushes) queue.push(Buffer.from(p));
          expect(queue.length).toBe(all.length);
          let at = 0;
          for (const n of takes) {
            if (n > queue.length) continue;
            expect(queue.take(n).equals(all.subarray(at, at + n))).toBe(true);
            at += n;
          }
          expect(queue.takeAll().equals(all.subarray(at))).toBe(true);
          expect(queue.length).toBe(0);
        },
      ),
    );
  });

  it('refuses to take more than it holds', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from('abc'));
    expect(() => queue.take(4)).toThrow(RangeError);
  });
});
