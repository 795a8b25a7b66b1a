import type { Readable } from 'node:stream';

export const DEFAULT_COLLECT_LIMIT = 16 * 1024 * 1024;

/**
 * Reads a small stream into one Buffer. Meant for small test bodies only: it fails with a
 * RangeError past `maxBytes` (16 MiB by default) instead of buffering a large body.
 */
export const collect = async (stream: Readable, maxBytes = DEFAULT_COLLECT_LIMIT): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new RangeError(`collect: the stream is longer than ${maxBytes} bytes; hash it instead`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
};
