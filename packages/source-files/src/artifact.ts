import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable, Transform } from 'node:stream';
import {
  type Artifact,
  errAsync,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
  tryAsync,
} from '@cxarchive/core';
import type { ResolvedFile } from './paths.js';

/** The name of the one artifact of an attachment item. */
export const ARTIFACT_NAME = 'file';

export const changed = (label: string, detail: string): PluginError =>
  PluginErrors.permanent(
    `${label} changed after it was fetched (${detail}): a file is attached exactly as fetched or not at all; the next run fetches it again`,
  );

/**
 * The file as a lazy artifact: nothing is opened until `open`. Each `open` starts from byte 0 and
 * checks that the file is still the one `fetch` looked at (same device and inode, size and
 * modification time; opened without following a symbolic link); the stream fails if the bytes
 * read are not exactly `size`. A changed file fails `Permanent`: the bytes validated and scanned
 * must be the bytes sent, so the item fails in this run and the next run fetches it afresh.
 */
export const fileArtifact = (file: ResolvedFile, label: string): Artifact => ({
  name: ARTIFACT_NAME,
  size: file.size,
  open: (signal: AbortSignal): ResultAsync<Readable, PluginError> => {
    if (signal.aborted) return errAsync(PluginErrors.transient(`opening ${label} was cancelled`));
    return tryAsync(
      async () => {
        const handle = await open(file.realPath, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const now = await handle.stat();
          if (now.dev !== file.dev || now.ino !== file.ino)
            throw new PluginFailure(changed(label, 'replaced'));
          if (now.size !== file.size)
            throw new PluginFailure(changed(label, `${file.size} bytes then, ${now.size} now`));
          if (now.mtime.getTime() !== file.mtime.getTime())
            throw new PluginFailure(changed(label, 'modified'));
        } catch (cause) {
          await handle.close();
          throw cause;
        }
        return countBytes(
          handle.createReadStream({ start: 0, highWaterMark: 64 * 1024 }),
          file.size,
          label,
          signal,
        );
      },
      (cause) => {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return PluginErrors.notFound(`${label} is no longer in the directory`);
        if (code === 'ELOOP') return changed(label, 'replaced by a symbolic link');
        return PluginErrors.transient(`${label} could not be opened (${code ?? String(cause)})`, cause);
      },
    );
  },
});

/** Passes the bytes through, failing the stream when they are not exactly `size`. */
export const countBytes = (source: Readable, size: number, label: string, signal: AbortSignal): Readable => {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > size) callback(new PluginFailure(changed(label, `more than ${size} bytes`)));
      else callback(null, chunk);
    },
    flush(callback) {
      if (seen !== size) callback(new PluginFailure(changed(label, `${seen} of ${size} bytes`)));
      else callback();
    },
  });
  const onAbort = (): void => {
    counter.destroy(new PluginFailure(PluginErrors.transient(`reading ${label} was cancelled`)));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  pipeline(source, counter, () => signal.removeEventListener('abort', onAbort));
  return counter;
};
