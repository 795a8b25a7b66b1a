import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PluginErrors, PluginFailure } from '@cxarchive/core';
import { statusOf } from './errors.js';
import type { StoreAnswer, UploadRequests } from './stream-upload.js';

export interface ObjectRequestsOptions {
  readonly client: S3Client;
  /** What PutObject and CreateMultipartUpload carry: bucket, key, content type, metadata, SSE, storage class, lock, If-None-Match. */
  readonly params: Omit<PutObjectCommandInput, 'Body'>;
  /** Aborts the requests that carry a body (PutObject, UploadPart) and the HEADs. */
  readonly signal: AbortSignal;
  /** Says what the put is, in errors. */
  readonly what: string;
  /** The bucket keeps versions: the key is looked up before a PutObject. */
  readonly versioned: boolean;
}

/**
 * The S3 requests of one put, create-only:
 * - PutObject and CompleteMultipartUpload carry `If-None-Match: *`, but Ceph RGW 16 ignores it on
 *   CompleteMultipartUpload (AWS S3 enforces it), and on PutObject in a versioned bucket (every
 *   Object Lock bucket is one), where it would add a version. There the key is looked up with
 *   HeadObject first: a found object fails `AlreadyExists` (and the caller aborts the upload).
 * - Bodies carry their Content-MD5 when one is given: the store refuses a body that arrived
 *   changed (BadDigest), and the ETag becomes the MD5 the runtime checks.
 * - CreateMultipartUpload, CompleteMultipartUpload and AbortMultipartUpload are not tied to the
 *   signal: an upload id is always known (so it can be aborted), and a cancelled put still aborts
 *   its multipart upload.
 */
/** The ETag and version id of an answer, where it has them (an empty ETag counts as none). */
const answerOf = (answer: { ETag?: string; VersionId?: string }): StoreAnswer => ({
  ...(answer.ETag === undefined || answer.ETag === '' ? {} : { etag: answer.ETag }),
  ...(answer.VersionId === undefined ? {} : { versionId: answer.VersionId }),
});

export const objectRequests = (options: ObjectRequestsOptions): UploadRequests => {
  const { client, params, signal, what } = options;
  const { Bucket, Key } = params;
  const refuseExisting = async () => {
    const exists = await client.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: signal }).then(
      () => true,
      (error: unknown) => {
        if (statusOf(error) === 404) return false;
        throw error;
      },
    );
    if (exists)
      throw new PluginFailure(
        PluginErrors.alreadyExists(`s3 sink: ${what}: the object already exists (found before writing)`),
      );
  };
  const md5Header = (md5: string | undefined) => (md5 === undefined ? {} : { ContentMD5: md5 });
  return {
    async single(body, md5) {
      if (options.versioned) await refuseExisting();
      const answer = await client.send(
        new PutObjectCommand({ ...params, Body: body, ContentLength: body.length, ...md5Header(md5) }),
        { abortSignal: signal },
      );
      return answerOf(answer);
    },
    async create() {
      const { IfNoneMatch: _, ...create } = params;
      const answer = await client.send(new CreateMultipartUploadCommand(create));
      if (answer.UploadId === undefined)
        throw new PluginFailure(
          PluginErrors.transient(
            `s3 sink: ${what}: the store answered CreateMultipartUpload without an upload id`,
          ),
        );
      return answer.UploadId;
    },
    async part(uploadId, partNumber, body, md5) {
      const answer = await client.send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ...md5Header(md5),
        }),
        { abortSignal: signal },
      );
      if (answer.ETag === undefined)
        throw new PluginFailure(
          PluginErrors.transient(`s3 sink: ${what}: the store answered part ${partNumber} without an ETag`),
        );
      return answer.ETag;
    },
    async complete(uploadId, parts) {
      await refuseExisting();
      const answer = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [...parts] },
        }),
      );
      return answerOf(answer);
    },
    async abort(uploadId) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }));
    },
  };
};
