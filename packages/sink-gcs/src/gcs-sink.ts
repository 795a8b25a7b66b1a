import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  errAsync,
  fromStreamError,
  type ListPage,
  listPrefixProblem,
  objectKeyProblem,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type PutOptions,
  ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
} from '@cxarchive/core';
import type { Bucket, File, FileMetadata } from '@google-cloud/storage';
import { crc32cOf } from './checksums.js';
import { cancelled, mapGcsError, statusOf, unprotected } from './errors.js';
import { LIST_PAGE_SIZE, listPage } from './list.js';
import { missingProtection, protectionFields } from './retention.js';
import type { ResolvedGcsSinkOptions } from './schema.js';

type SinkSettings = Pick<
  ResolvedGcsSinkOptions,
  'bucket' | 'prefix' | 'storageClass' | 'resumableThreshold' | 'maxInFlight'
> &
  Partial<Pick<ResolvedGcsSinkOptions, 'eventBasedHold' | 'temporaryHold'>> & {
    /** The most objects in one page of `list` (default 1000): tests make it small. */
    readonly listPageSize?: number;
  };

/** Rejects with the error of `signal` as a cancellation once it aborts. */
const raceSignal = <T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(what));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });

const stringMetadata = (metadata: FileMetadata['metadata']): Record<string, string> | undefined => {
  if (metadata === undefined || metadata === null) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) if (typeof value === 'string') out[name] = value;
  return out;
};

/** The sink over one bucket of an `@google-cloud/storage` client. */
export const createGcsSink = (bucket: Bucket, settings: SinkSettings): Sink => {
  const holds = {
    eventBasedHold: settings.eventBasedHold ?? false,
    temporaryHold: settings.temporaryHold ?? false,
  };
  const physical = (key: string) => `${settings.prefix}${key}`;
  const fail = (error: unknown, what: string): PluginError =>
    isPluginErrorLike(error) ? error : mapGcsError(error, what, settings.bucket);

  /** Runs `work`, classifying what it throws: a PluginError passes, an SDK error is mapped. */
  const attempt = <T>(what: string, work: () => Promise<T>): ResultAsync<T, PluginError> =>
    ResultAsync.fromPromise(work(), (error) => fail(error, what));

  const keyError = (key: string): PluginError | undefined => {
    const problem = objectKeyProblem(key);
    return problem === undefined
      ? undefined
      : PluginErrors.invalidInput(`gcs sink: key ${JSON.stringify(key)}: ${problem}`);
  };

  const upload = async (file: File, key: string, body: Readable, options: PutOptions): Promise<Stored> => {
    const what = `putting ${physical(key)}`;
    const resumable = options.size === undefined || options.size > settings.resumableThreshold;
    const target = file.createWriteStream({
      resumable,
      validation: false,
      contentType: options.contentType,
      metadata: {
        contentType: options.contentType,
        metadata: { ...options.metadata },
        ...(settings.storageClass === undefined ? {} : { storageClass: settings.storageClass }),
        ...protectionFields(options.retention, holds),
      },
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    let bodyError: unknown;
    body.once('error', (error) => {
      bodyError ??= error;
    });
    try {
      await pipeline(body, target, { signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw cancelled(what);
      if (bodyError !== undefined) throw fromStreamError(bodyError);
      throw mapGcsError(error, what, settings.bucket);
    }
    // The object resource GCS answered the upload with: the store's word on what it holds.
    const stored = file.metadata;
    const missing = missingProtection(stored, options.retention, holds);
    if (missing !== undefined) throw unprotected(what, missing);
    const checksum = crc32cOf(stored);
    if (checksum === undefined)
      throw PluginErrors.permanent(`gcs sink: ${what}: GCS reported no CRC32C for the stored object`);
    return {
      key: physical(key),
      size: Number(stored.size ?? 0),
      checksum,
      ...(stored.generation === undefined ? {} : { versionId: String(stored.generation) }),
    };
  };

  /** The object's metadata, or null when GCS has no such object (a missing bucket is an error). */
  const metadataOf = async (file: File, what: string, signal: AbortSignal): Promise<FileMetadata | null> => {
    try {
      const [metadata] = await raceSignal(file.getMetadata(), signal, what);
      return metadata;
    } catch (error) {
      if (isPluginErrorLike(error)) throw error;
      const mapped = mapGcsError(error, what, settings.bucket);
      if (statusOf(error) === 404 && mapped._tag === 'NotFound') return null;
      throw mapped;
    }
  };

  return {
    limits: { maxInFlight: settings.maxInFlight },
    checksums: ['crc32c', 'md5'],
    capabilities: { retention: true },
    put(key, body, options) {
      const invalid =
        keyError(key) ?? (options.signal.aborted ? cancelled(`putting ${physical(key)}`) : undefined);
      if (invalid !== undefined) {
        body.destroy();
        return errAsync(invalid);
      }
      const file = bucket.file(physical(key));
      return attempt(`putting ${physical(key)}`, () => upload(file, key, body, options)).mapErr((error) => {
        if (!body.destroyed) body.destroy();
        return error;
      });
    },
    head(key, signal) {
      const invalid = keyError(key) ?? (signal.aborted ? cancelled(`head of ${physical(key)}`) : undefined);
      if (invalid !== undefined) return errAsync(invalid);
      const what = `head of ${physical(key)}`;
      return attempt(what, async (): Promise<StoredInfo | null> => {
        const metadata = await metadataOf(bucket.file(physical(key)), what, signal);
        if (metadata === null) return null;
        const checksum = crc32cOf(metadata);
        const custom = stringMetadata(metadata.metadata);
        return {
          key: physical(key),
          size: Number(metadata.size ?? 0),
          ...(checksum === undefined ? {} : { checksum }),
          ...(metadata.generation === undefined ? {} : { versionId: String(metadata.generation) }),
          ...(custom === undefined ? {} : { metadata: custom }),
        };
      });
    },
    list(prefix, { signal, after }): ResultAsync<ListPage, PluginError> {
      const what = `listing ${physical(prefix)}`;
      const problem = listPrefixProblem(prefix);
      if (problem !== undefined)
        return errAsync(PluginErrors.invalidInput(`gcs sink: invalid list prefix: ${problem}`));
      if (signal.aborted) return errAsync(cancelled(what));
      const request = {
        sinkPrefix: settings.prefix,
        prefix,
        pageSize: settings.listPageSize ?? LIST_PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      };
      return attempt(what, () => raceSignal(listPage(bucket, request), signal, what));
    },
    get(key, signal) {
      const what = `reading ${physical(key)}`;
      const invalid = keyError(key) ?? (signal.aborted ? cancelled(what) : undefined);
      if (invalid !== undefined) return errAsync(invalid);
      return attempt(what, async (): Promise<Readable> => {
        const metadata = await metadataOf(bucket.file(physical(key)), what, signal);
        if (metadata === null) throw PluginErrors.notFound(`gcs sink: ${what}: no such object`);
        const generation =
          metadata.generation === undefined ? {} : { generation: Number(metadata.generation) };
        const source = bucket.file(physical(key), generation).createReadStream({ validation: false });
        const out = new PassThrough();
        const onAbort = () => out.destroy(new PluginFailure(cancelled(what)));
        signal.addEventListener('abort', onAbort, { once: true });
        source.on('error', (error) =>
          out.destroy(new PluginFailure(mapGcsError(error, what, settings.bucket))),
        );
        out.on('close', () => {
          signal.removeEventListener('abort', onAbort);
          source.destroy();
        });
        source.pipe(out);
        return out;
      });
    },
  };
};

const isPluginErrorLike = (value: unknown): value is PluginError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { _tag?: unknown })._tag === 'string' &&
  typeof (value as { message?: unknown }).message === 'string' &&
  !(value instanceof Error);
