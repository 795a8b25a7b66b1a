import { PassThrough, type Readable } from 'node:stream';
import {
  type Artifact,
  errAsync,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
  tryAsync,
} from '@cxarchive/core';
import { ARTIFACT_NAME, changed, countBytes } from '../artifact.js';
import { mapStoreError } from './errors.js';
import { Changed, type ObjectStore, type StoredObject } from './store.js';

/**
 * The body with its failures classified: a connection lost mid-body fails the stream with the
 * store error mapped (Transient), named by what was read, never with the SDK's own message.
 */
const classified = (body: Readable, what: string): Readable => {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  body.on('error', (error) => out.destroy(new PluginFailure(mapStoreError(error, what))));
  out.on('close', () => body.destroy());
  body.pipe(out);
  return out;
};

/**
 * An object as a lazy artifact: nothing is read until `open`. Each `open` GETs the object from
 * byte 0 only if it is still the version `fetch` saw (If-Match on the ETag for S3 and Azure, the
 * generation for GCS), and the stream fails if the bytes are not exactly the size seen. A changed
 * object fails `Permanent`, as a changed file does: the bytes validated and scanned must be the
 * bytes sent; the next run fetches it afresh.
 */
export const objectArtifact = (
  store: ObjectStore,
  key: string,
  seen: StoredObject,
  label: string,
  where: string,
): Artifact => ({
  name: ARTIFACT_NAME,
  size: seen.size,
  open: (signal: AbortSignal): ResultAsync<Readable, PluginError> => {
    if (signal.aborted) return errAsync(PluginErrors.transient(`opening ${label} was cancelled`));
    return tryAsync(
      async () =>
        countBytes(
          classified(await store.get(key, seen, signal), `reading ${label} from ${where}`),
          seen.size,
          label,
          signal,
        ),
      (cause) =>
        cause instanceof Changed
          ? changed(label, cause.detail)
          : cause instanceof PluginFailure
            ? cause.error
            : mapStoreError(cause, `reading ${label} from ${where}`),
    );
  },
});
