import { Buffer } from 'node:buffer';
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ConfigError } from './config-error.js';
import { decodePipelineText } from './decode-text.js';

/** A pipeline file is a few kilobytes; anything over this is not one. */
export const MAX_PIPELINE_FILE_BYTES = 1024 * 1024;
const LIMIT = '1 MiB';

const refuse = (file: string, message: string, hint: string, code: string): ConfigError =>
  new ConfigError([{ file, path: '', message, hint, code }]);

const kindOf = (info: Stats): string => {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
};

const notRegular = (file: string, info: Stats): ConfigError =>
  refuse(
    file,
    `is ${kindOf(info)}, not a pipeline file`,
    'give the path of the pipeline YAML file; only regular files are read (no devices, pipes, sockets or directories)',
    'file.not-regular',
  );

const tooLarge = (file: string, size: string): ConfigError =>
  refuse(
    file,
    `is ${size}, over the ${LIMIT} limit for a pipeline file`,
    'a pipeline file is a few kilobytes: check that this is the right file',
    'file.too-large',
  );

const mebibytes = (bytes: number): string => `${(bytes / MAX_PIPELINE_FILE_BYTES).toFixed(1)} MiB`;

const unreadable = (file: string, error: unknown): ConfigError => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return refuse(
      file,
      'no such file',
      'check the path, or run from the directory that holds archive.pipeline.yaml',
      'file.not-found',
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return refuse(
      file,
      'cannot be read: permission denied',
      'give the user running cxarchive read access to it',
      'file.unreadable',
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return refuse(
    file,
    `cannot be read: ${reason}`,
    'check that the path names a readable pipeline file',
    'file.unreadable',
  );
};

/**
 * Reads a pipeline file as text, refusing what cannot be one before reading a byte: anything but
 * a regular file (`/dev/zero` would be read until memory runs out, a FIFO would block forever) and
 * anything over 1 MiB. The read itself is bounded too, for a file that changes after the check.
 * The text must be UTF-8 (see decodePipelineText).
 */
export const readPipelineFile = async (file: string): Promise<string> => {
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  if (!info.isFile()) throw notRegular(file, info);
  if (info.size > MAX_PIPELINE_FILE_BYTES) throw tooLarge(file, mebibytes(info.size));
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // Non-blocking: a file swapped for a FIFO after the check must not hang the open.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(file, opened);
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) {
        const decoded = decodePipelineText(file, Buffer.concat(chunks, total));
        if (decoded.issue) throw new ConfigError([decoded.issue]);
        return decoded.text;
      }
      total += bytesRead;
      // It grew since the check.
      if (total > MAX_PIPELINE_FILE_BYTES) throw tooLarge(file, `over ${LIMIT}`);
      chunks.push(Buffer.from(chunk.subarray(0, bytesRead)));
    }
  } finally {
    await handle.close();
  }
};
