import {
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type ObjectLockMode,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PluginErrors, PluginFailure, type Retention } from '@cxarchive/core';
import { verificationFailed } from './errors.js';

export const lockMode = (retention: Retention): ObjectLockMode =>
  retention.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE';

/**
 * Fails `InvalidInput` unless the bucket has Object Lock enabled. Asked before any byte is sent:
 * on a bucket without it, Ceph RGW stores a multipart object and only then refuses its retention,
 * which would leave an unlocked object behind. The answer is cached by the caller.
 */
export const checkObjectLock = async (
  client: S3Client,
  bucket: string,
  signal: AbortSignal,
): Promise<void> => {
  const enabled = await client
    .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal: signal })
    .then(
      (answer) => answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
      (error: unknown) => {
        if ((error as { name?: unknown }).name === 'ObjectLockConfigurationNotFoundError') return false;
        throw error;
      },
    );
  if (!enabled)
    throw new PluginFailure(
      PluginErrors.invalidInput(
        `s3 sink: the pipeline asks for retention but the bucket "${bucket}" does not have Object Lock enabled (it can only be enabled when the bucket is created, or by AWS support)`,
        'bucket',
      ),
    );
};

/** S3 keeps retain-until dates to the second at least: compare whole seconds. */
const holds = (mode: string | undefined, until: Date | undefined, retention: Retention): boolean =>
  mode === lockMode(retention) &&
  until !== undefined &&
  Math.floor(until.getTime() / 1000) >= Math.floor(retention.until.getTime() / 1000);

const current = async (client: S3Client, bucket: string, key: string) => {
  const info = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { mode: info.ObjectLockMode, until: info.ObjectLockRetainUntilDate, versionId: info.VersionId };
};

/**
 * Makes sure the stored object is under the retention asked for. The upload already asked for it
 * (`x-amz-object-lock-*` on PutObject / CreateMultipartUpload), but Ceph RGW 16 drops it from a
 * multipart upload: when HeadObject does not show it, the sink sets it with PutObjectRetention on
 * the object's version and checks again. Still missing → `Permanent` (an archive that should be
 * locked and is not must not be reported stored). Not tied to the put's signal: the object exists.
 */
export const ensureRetention = async (
  client: S3Client,
  bucket: string,
  key: string,
  retention: Retention,
  what: string,
): Promise<void> => {
  const before = await current(client, bucket, key);
  if (holds(before.mode, before.until, retention)) return;
  await client.send(
    new PutObjectRetentionCommand({
      Bucket: bucket,
      Key: key,
      ...(before.versionId === undefined ? {} : { VersionId: before.versionId }),
      Retention: { Mode: lockMode(retention), RetainUntilDate: retention.until },
    }),
  );
  const after = await current(client, bucket, key);
  if (!holds(after.mode, after.until, retention))
    throw new PluginFailure(
      verificationFailed(
        what,
        `the store reports retention ${after.mode ?? 'none'} until ${after.until?.toISOString() ?? 'never'}, not ${lockMode(retention)} until ${retention.until.toISOString()}`,
      ),
    );
};
