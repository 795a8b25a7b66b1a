import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlockBlobClient } from '@azure/storage-blob';
import { fromStreamError, PluginFailure } from '@cxarchive/core';

/** Bytes per staged block: 4 MiB, so a put holds at most one block in memory (50 000 blocks ≈ 195 GiB). */
export const BLOCK_SIZE = 4 * 1024 * 1024;

export interface StagedBody {
  readonly blockIds: readonly string[];
  readonly size: number;
  /** MD5 of the bytes staged, as the sink streamed them. */
  readonly md5: Buffer;
}

/**
 * Reads `body` and stages it as blocks of `BLOCK_SIZE`, one block in flight, each sent with its
 * MD5 as `Content-MD5`, which the service checks for that block. Nothing is visible under the
 * blob's name until `commitBlockList`. Body failures are rethrown as `PluginFailure` (classified
 * like any stream error); SDK failures are rethrown as they are, for the caller to map.
 */
export const stageBody = async (
  blob: BlockBlobClient,
  body: Readable,
  signal: AbortSignal,
  blockSize: number = BLOCK_SIZE,
): Promise<StagedBody> => {
  // Block ids of one blob must all have the same length; a fresh upload id per put keeps two puts
  // of the same key (a race) from mixing their blocks.
  const uploadId = randomUUID().replaceAll('-', '');
  const blockIds: string[] = [];
  const whole = createHash('md5');
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const stage = async (block: Buffer) => {
    const id = Buffer.from(`${uploadId}-${String(blockIds.length).padStart(6, '0')}`).toString('base64');
    const md5 = createHash('md5').update(block).digest();
    await blob.stageBlock(id, block, block.length, { transactionalContentMD5: md5, abortSignal: signal });
    blockIds.push(id);
  };
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<unknown>;
    try {
      step = await iterator.next();
    } catch (cause) {
      throw new PluginFailure(fromStreamError(cause));
    }
    if (step.done) break;
    const chunk = Buffer.isBuffer(step.value) ? step.value : Buffer.from(step.value as Uint8Array);
    whole.update(chunk);
    size += chunk.length;
    let rest = chunk;
    while (pendingBytes + rest.length >= blockSize) {
      const take = blockSize - pendingBytes;
      pending.push(rest.subarray(0, take));
      rest = rest.subarray(take);
      const block = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      await stage(block);
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0) await stage(Buffer.concat(pending));
  return { blockIds, size, md5: whole.digest() };
};
