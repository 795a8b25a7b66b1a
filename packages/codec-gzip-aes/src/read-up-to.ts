import type { Readable } from 'node:stream';

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : typeof chunk === 'string'
      ? Buffer.from(chunk)
      : Buffer.from(chunk as Uint8Array);

/**
 * Reads exactly `n` bytes from a paused stream, or fewer when it ends first. Bytes read past `n`
 * are pushed back (`unshift`), so the stream can be piped on from exactly where the read stopped.
 * Rejects with the stream's error, or when it is destroyed before its end.
 */
export const readUpTo = (stream: Readable, n: number): Promise<Buffer> =>
  new Promise<Buffer>((resolve, reject) => {
    if (stream.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    if (stream.errored) {
      reject(stream.errored);
      return;
    }
    const parts: Buffer[] = [];
    let have = 0;
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const finish = (): void => {
      cleanup();
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (all.length > n) {
        stream.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      } else {
        resolve(all);
      }
    };
    function onReadable(): void {
      if (settled) return;
      try {
        while (have < n) {
          const chunk: unknown = stream.read();
          if (chunk === null) break;
          const bytes = toBuffer(chunk);
          parts.push(bytes);
          have += bytes.length;
        }
      } catch (cause) {
        // A stream of something other than bytes (object mode): reject instead of throwing into an emitter.
        onError(cause);
        return;
      }
      if (have >= n) finish();
    }
    function onEnd(): void {
      if (!settled) finish();
    }
    function onError(error: unknown): void {
      if (settled) return;
      cleanup();
      reject(error);
    }
    function onClose(): void {
      if (settled) return;
      cleanup();
      reject(stream.errored ?? new Error('the stream was closed before its end'));
    }
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (n === 0) finish();
    else onReadable();
  });
