/**
 * A fixed set of part buffers that all uploads of one sink share. A buffer is made the first time
 * it is needed and kept for the sink's life, so a steady stream of parts allocates nothing: no
 * buffer per part, no concatenation, nothing for the allocator to keep after it is freed. With every
 * buffer taken, `acquire` waits (first come, first served); the upload meanwhile reads no more of
 * its body, so its producer is held back. What the sink holds for bodies is at most
 * `partSize × count`.
 */
export interface PartPool {
  readonly partSize: number;
  /** A free buffer of `partSize` bytes; rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<Buffer>;
  /** Gives a buffer back (to the longest waiter, or to the free list). */
  release(buffer: Buffer): void;
  /** Buffers made so far (never more than `count`). */
  readonly made: number;
}

interface Waiter {
  readonly resolve: (buffer: Buffer) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export const createPartPool = (partSize: number, count: number): PartPool => {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`a part pool needs at least one buffer, not ${count}`);
  const free: Buffer[] = [];
  const waiters: Waiter[] = [];
  let made = 0;
  const reasonOf = (signal: AbortSignal): unknown => signal.reason ?? new Error('aborted');
  return {
    partSize,
    get made() {
      return made;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(reasonOf(signal));
      const ready = free.pop();
      if (ready !== undefined) return Promise.resolve(ready);
      if (made < count) {
        made += 1;
        // Outside Node's shared slab: a buffer of its own, held for the pool's life.
        return Promise.resolve(Buffer.allocUnsafeSlow(partSize));
      }
      return new Promise<Buffer>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const at = waiters.indexOf(waiter);
            if (at >= 0) waiters.splice(at, 1);
            reject(reasonOf(signal));
          },
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    release(buffer) {
      const next = waiters.shift();
      if (next === undefined) {
        free.push(buffer);
        return;
      }
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve(buffer);
    },
  };
};
