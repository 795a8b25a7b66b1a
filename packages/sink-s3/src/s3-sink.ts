import type { Readable } from 'node:stream';
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
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
  type ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
  tryAsync,
} from '@cxarchive/core';
import { cancelled, mapS3Error, statusOf, verificationFailed } from './errors.js';
import { checksumFromEtag } from './etag.js';
import { LIST_PAGE_SIZE, listPage } from './list.js';
import { createPartPool } from './part-pool.js';
import { readBack } from './read-back.js';
import { checkObjectLock, ensureRetention, lockMode } from './retention.js';
import { objectRequests } from './s3-requests.js';
import type { ResolvedS3SinkOptions } from './schema.js';
import { BodyFailed, streamUpload, TooManyParts, type UploadResult } from './stream-upload.js';

const keyError = (key: string): PluginError | undefined => {
  const problem = objectKeyProblem(key);
  return problem === undefined ? undefined : PluginErrors.invalidInput(`s3 sink: key ${problem}`);
};

/** Knobs tests turn that are no pipeline option. */
export interface S3SinkTuning {
  /** The most objects in one page of `list` (default 1000). */
  readonly listPageSize?: number;
}

export const createS3Sink = (
  client: S3Client,
  options: ResolvedS3SinkOptions,
  tuning: S3SinkTuning = {},
): Sink => {
  const { bucket, prefix } = options;
  const physical = (key: string) => `${prefix}${key}`;
  // Every upload of this sink fills its parts from these buffers (made once, reused).
  const pool = createPartPool(options.partSize, options.partBuffers);
  const classify = (what: string, signal: AbortSignal) => (error: unknown) =>
    signal.aborted ? cancelled(what) : mapS3Error(error, what, bucket);

  // A HEAD answer has no body: a 404 does not say whether the key or the bucket is missing. The
  // first 404 asks HeadBucket once; a missing bucket fails like the other operations do.
  let bucketSeen = false;
  const bucketExists = async (signal: AbortSignal): Promise<void> => {
    if (bucketSeen) return;
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
    } catch (error) {
      if (statusOf(error) === 404)
        throw new PluginFailure(
          PluginErrors.invalidInput(`s3 sink: the bucket "${bucket}" does not exist`, 'bucket'),
        );
      throw error;
    }
    bucketSeen = true;
  };

  let objectLockSeen = false;

  // Whether the bucket keeps versions (asked once): there a single PutObject is checked first.
  // Unknown (no s3:GetBucketVersioning) counts as versioned: one HEAD more, never a second version.
  let versioning: Promise<boolean> | undefined;
  const versioned = (signal: AbortSignal): Promise<boolean> => {
    versioning ??= client
      .send(new GetBucketVersioningCommand({ Bucket: bucket }), { abortSignal: signal })
      .then(
        (answer) => answer.Status === 'Enabled' || answer.Status === 'Suspended',
        (error: unknown) => {
          versioning = statusOf(error) === 403 ? Promise.resolve(true) : undefined;
          if (statusOf(error) === 403) return true;
          throw error;
        },
      );
    return versioning;
  };

  const upload = async (key: string, body: Readable, put: PutOptions): Promise<Stored> => {
    const what = `put of ${key}`;
    if (put.retention !== undefined && !objectLockSeen) {
      await checkObjectLock(client, bucket, put.signal).catch((error: unknown) => {
        body.destroy();
        throw error;
      });
      objectLockSeen = true;
    }
    const onAbort = () => body.destroy(new PluginFailure(cancelled(what)));
    put.signal.addEventListener('abort', onAbort, { once: true });
    const params: Omit<PutObjectCommandInput, 'Body'> = {
      Bucket: bucket,
      Key: key,
      ContentType: put.contentType,
      Metadata: { ...put.metadata },
      IfNoneMatch: '*',
      ...(options.storageClass === undefined ? {} : { StorageClass: options.storageClass }),
      ...(options.serverSideEncryption === undefined
        ? {}
        : { ServerSideEncryption: options.serverSideEncryption }),
      ...(options.kmsKeyId === undefined ? {} : { SSEKMSKeyId: options.kmsKeyId }),
      ...(put.retention === undefined
        ? {}
        : {
            ObjectLockMode: lockMode(put.retention),
            ObjectLockRetainUntilDate: put.retention.until,
          }),
    };
    let uploaded: UploadResult;
    try {
      const requests = objectRequests({
        client,
        params,
        signal: put.signal,
        what,
        versioned: await versioned(put.signal),
      });
      uploaded = await streamUpload(body, {
        pool,
        queueSize: options.queueSize,
        md5: options.verify === 'etag',
        signal: put.signal,
        requests,
        ...(put.partDigest === undefined ? {} : { partDigest: put.partDigest }),
      });
    } catch (error) {
      if (put.signal.aborted) throw new PluginFailure(cancelled(what));
      if (error instanceof BodyFailed) throw new PluginFailure(fromStreamError(error.cause));
      if (error instanceof TooManyParts)
        throw new PluginFailure(PluginErrors.invalidInput(`s3 sink: ${what}: ${error.message}`, 'partSize'));
      throw error;
    } finally {
      put.signal.removeEventListener('abort', onAbort);
      if (!body.destroyed) body.destroy();
    }
    if (put.retention !== undefined) await ensureRetention(client, bucket, key, put.retention, what);
    const back =
      options.verify === 'etag'
        ? ((put.retention === undefined ? answered(uploaded) : undefined) ??
          (await storedEtag(key, put.signal, what)))
        : await readBackChecksum(key, put.signal);
    if (put.size !== undefined && back.size !== put.size)
      throw new PluginFailure(
        verificationFailed(what, `the store holds ${back.size} bytes, ${put.size} were announced`),
      );
    return { key, ...back };
  };

  /**
   * What the store said in its answer to the request that made the object, when that answer carries
   * an MD5 ETag (PutObject's always does; CompleteMultipartUpload's does on AWS, not on RGW 16): the
   * ETag is the store's own MD5 of what it stored, and the version id is the stored version's. The
   * size is the bytes the store accepted in those requests, each of which carried that many bytes
   * (Content-Length) and their Content-MD5, which the store checked: an object of another size would
   * not have the MD5 the runtime verifies. So a HEAD would tell nothing more, and is not sent.
   */
  const answered = (uploaded: UploadResult): Omit<Stored, 'key'> | undefined => {
    const checksum = checksumFromEtag(uploaded.answer.etag);
    if (checksum === undefined) return undefined;
    const { versionId } = uploaded.answer;
    return { size: uploaded.size, checksum, ...(versionId === undefined ? {} : { versionId }) };
  };

  /** What the store says it holds: size, the checksum its ETag states, version. No body is read. */
  const storedEtag = async (key: string, signal: AbortSignal, what: string): Promise<Omit<Stored, 'key'>> => {
    const info = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    });
    const checksum = checksumFromEtag(info.ETag);
    if (checksum === undefined)
      throw new PluginFailure(
        verificationFailed(
          what,
          `the store reports an ETag that is not an MD5 (${JSON.stringify(info.ETag ?? null)}); verify with "read-back" on this store`,
        ),
      );
    return {
      size: info.ContentLength ?? 0,
      checksum,
      ...(info.VersionId === undefined ? {} : { versionId: info.VersionId }),
    };
  };

  const readBackChecksum = async (key: string, signal: AbortSignal): Promise<Omit<Stored, 'key'>> => {
    const back = await readBack(client, bucket, key, signal);
    return {
      size: back.size,
      checksum: { algorithm: 'sha256', value: back.sha256 },
      ...(back.versionId === undefined ? {} : { versionId: back.versionId }),
    };
  };

  return {
    limits: { maxInFlight: options.maxInFlight },
    ...(options.verify === 'etag'
      ? { checksums: ['md5'], checksumPartSize: options.partSize }
      : { checksums: ['sha256'] }),
    capabilities: { retention: true },
    put(key, body, put): ResultAsync<Stored, PluginError> {
      const invalid = keyError(key);
      const refused = invalid ?? (put.signal.aborted ? cancelled(`put of ${key}`) : undefined);
      if (refused !== undefined) {
        body.destroy();
        return errAsync(refused);
      }
      const target = physical(key);
      return tryAsync(() => upload(target, body, put), classify(`put of ${target}`, put.signal));
    },
    head(key, signal): ResultAsync<StoredInfo | null, PluginError> {
      const invalid = keyError(key) ?? (signal.aborted ? cancelled(`head of ${key}`) : undefined);
      if (invalid !== undefined) return errAsync(invalid);
      const target = physical(key);
      return tryAsync(
        async () => {
          try {
            const info = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: target }), {
              abortSignal: signal,
            });
            const checksum = options.verify === 'etag' ? checksumFromEtag(info.ETag) : undefined;
            return {
              key: target,
              size: info.ContentLength ?? 0,
              ...(checksum === undefined ? {} : { checksum }),
              metadata: { ...(info.Metadata ?? {}) },
              ...(info.VersionId === undefined ? {} : { versionId: info.VersionId }),
            };
          } catch (error) {
            if (signal.aborted || statusOf(error) !== 404) throw error;
            await bucketExists(signal);
            return null;
          }
        },
        classify(`head of ${target}`, signal),
      );
    },
    get(key, signal): ResultAsync<Readable, PluginError> {
      const invalid = keyError(key) ?? (signal.aborted ? cancelled(`get of ${key}`) : undefined);
      if (invalid !== undefined) return errAsync(invalid);
      const target = physical(key);
      return tryAsync(
        async () => {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: target }), {
            abortSignal: signal,
          });
          const body = response.Body as Readable;
          const onAbort = () => body.destroy(new PluginFailure(cancelled(`reading ${target}`)));
          signal.addEventListener('abort', onAbort, { once: true });
          body.once('close', () => signal.removeEventListener('abort', onAbort));
          body.on('error', () => {});
          return body;
        },
        classify(`get of ${target}`, signal),
      );
    },
    list(listPrefix, listOptions): ResultAsync<ListPage, PluginError> {
      const { signal, after } = listOptions;
      const what = `list of ${physical(listPrefix)}`;
      const problem = listPrefixProblem(listPrefix);
      const invalid =
        (problem === undefined
          ? undefined
          : PluginErrors.invalidInput(`s3 sink: invalid list prefix: ${problem}`)) ??
        (signal.aborted ? cancelled(what) : undefined);
      if (invalid !== undefined) return errAsync(invalid);
      return tryAsync(
        () =>
          listPage(client, {
            bucket,
            sinkPrefix: prefix,
            prefix: listPrefix,
            pageSize: tuning.listPageSize ?? LIST_PAGE_SIZE,
            signal,
            ...(after === undefined ? {} : { after }),
          }),
        classify(what, signal),
      );
    },
    close: async () => client.destroy(),
  };
};
