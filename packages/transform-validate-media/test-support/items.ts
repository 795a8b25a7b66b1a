import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { type Artifact, type Item, okAsync, type PluginError, type ResultAsync } from '@cxarchive/core';

/** An attach-flow item as source-files lists it: the record's target, file and message; the `file` artifact. */
export const attachItem = (
  fileName: string,
  open: (signal: AbortSignal) => ResultAsync<Readable, PluginError>,
  declaredSize?: number,
): Item => ({
  id: `attach/${fileName}`,
  occurredAt: new Date('2026-11-30T10:00:00Z'),
  record: {
    target: { contactNumber: '1000123', channelId: 'chat_9f2c' },
    file: declaredSize === undefined ? { name: fileName } : { name: fileName, size: declaredSize },
    message: { text: 'Your document', tags: ['billing'] },
  },
  artifacts: [{ name: 'file', open } satisfies Artifact],
});

/** An item whose `file` artifact reads a real file with fs streams (honouring the signal). */
export const fileItem = (path: string, fileName: string, declaredSize?: number): Item =>
  attachItem(fileName, (signal) => okAsync(createReadStream(path, { signal })), declaredSize);

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A stream of `size` bytes (`head` first, then zeros) made on demand in 64 KiB chunks, counting
 * what its consumer took: `produced()` is what was handed over, `destroyed()` whether it was ended.
 */
export const countingStream = (size: number, head: Buffer = Buffer.alloc(0)) => {
  let produced = 0;
  const chunkSize = 64 * 1024;
  const stream = new Readable({
    highWaterMark: chunkSize,
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(chunkSize, size - produced);
      const chunk = Buffer.alloc(length);
      if (produced < head.length) head.copy(chunk, 0, produced, Math.min(head.length, produced + length));
      produced += length;
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced, destroyed: () => stream.destroyed };
};
