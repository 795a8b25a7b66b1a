import type { Readable } from 'node:stream';
import { PluginErrors, PluginFailure, Redacted } from '@cxarchive/core';
import { type File, Storage, type StorageOptions } from '@google-cloud/storage';
import { statusOf, storeCall } from './errors.js';
import { bucketLabel, type ResolvedGcsBucket } from './options.js';
import { Changed, type ObjectStore, type StoredObject } from './store.js';

/** The service account key's JSON (its text never appears in a message). */
const credentialsOf = (options: ResolvedGcsBucket): Record<string, unknown> | undefined => {
  if (options.credentials === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Redacted.value(options.credentials));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    return parsed as Record<string, unknown>;
  } catch {
    throw new PluginFailure(
      PluginErrors.invalidInput('files source: credentials is not a JSON object', 'bucket.credentials'),
    );
  }
};

/**
 * The client, set up as sink-gcs sets up its own: the SDK's retries off (the runtime alone
 * retries); with a custom endpoint, credentials are sent only when some were configured.
 */
const storageFor = (options: ResolvedGcsBucket): Storage => {
  const credentials = credentialsOf(options);
  const explicit = options.keyFile !== undefined || credentials !== undefined;
  const config: StorageOptions = {
    retryOptions: { autoRetry: false, maxRetries: 0 },
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.apiEndpoint !== undefined && explicit ? { useAuthWithCustomEndpoint: true } : {}),
    ...(options.keyFile === undefined ? {} : { keyFilename: options.keyFile }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  return new Storage(config);
};

/**
 * The SDK's calls take no AbortSignal: this stops waiting for `work` when `signal` aborts (the
 * request itself runs on and its answer is dropped).
 */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T> => {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};

const seenOf = (file: File): StoredObject => ({
  size: Number(file.metadata.size ?? 0),
  version: String(file.metadata.generation ?? ''),
  modified: new Date(String(file.metadata.updated ?? file.metadata.timeCreated ?? 0)),
});

/**
 * A GCS bucket prefix: objects.list pages, the object's metadata, and a read of the generation
 * fetched (a replaced object has a new generation: the read is refused before any byte).
 */
export const gcsStore = (options: ResolvedGcsBucket): ObjectStore => {
  const bucket = storageFor(options).bucket(options.bucket);
  const label = bucketLabel(options);
  const list = (max: number, token?: string) =>
    storeCall(
      `listing ${label}`,
      () =>
        bucket.getFiles({
          prefix: options.prefix,
          maxResults: max,
          autoPaginate: false,
          ...(token === undefined ? {} : { pageToken: token }),
        }),
      true,
    );
  const metadata = async (key: string): Promise<StoredObject | undefined> => {
    const file = bucket.file(options.prefix + key);
    try {
      await file.getMetadata();
    } catch (error) {
      if (statusOf(error) === 404 && !/bucket/i.test(String((error as Error).message))) return undefined;
      return storeCall(`looking up "${key}" in ${label}`, () => Promise.reject(error), true);
    }
    return seenOf(file);
  };
  return {
    async probe(signal) {
      await untilAborted(list(1), signal);
    },
    async *keys(signal) {
      let token: string | undefined;
      do {
        const [files, next] = await list(options.listPageSize, token);
        for (const file of files)
          if (file.name.startsWith(options.prefix)) yield file.name.slice(options.prefix.length);
        const pageToken = (next as { pageToken?: unknown } | null | undefined)?.pageToken;
        token = typeof pageToken === 'string' && pageToken !== '' ? pageToken : undefined;
      } while (token !== undefined && !signal.aborted);
    },
    head: (key) => metadata(key),
    async get(key, seen): Promise<Readable> {
      const now = await metadata(key);
      if (now === undefined) throw new Changed('removed');
      if (now.version !== seen.version) throw new Changed('replaced: its generation differs');
      if (now.size !== seen.size) throw new Changed(`${seen.size} bytes then, ${now.size} now`);
      // That generation only: real GCS answers 404 for it once the object was replaced.
      return bucket.file(options.prefix + key, { generation: Number(seen.version) }).createReadStream();
    },
  };
};
