import {
  err,
  objectKeyProblem,
  ok,
  type PluginError,
  PluginErrors,
  Redacted,
  type Result,
} from '@cxarchive/core';

/** Storage classes S3 accepts at write time. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
  'REDUCED_REDUNDANCY',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** The `with` block of an `s3` sink, as create() receives it (secrets wrapped in `Redacted`). */
export interface S3SinkOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly accessKeyId?: Redacted<string> | string;
  readonly secretAccessKey?: Redacted<string> | string;
  readonly storageClass?: StorageClass;
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  readonly kmsKeyId?: string;
  readonly partSize?: number;
  readonly queueSize?: number;
  readonly partBuffers?: number;
  readonly maxInFlight?: number;
  readonly verify?: VerifyMode;
  readonly signPayload?: SignPayload;
}

/** How the sink proves the store holds what was sent. */
export type VerifyMode = 'etag' | 'read-back';
/** When request bodies are SHA-256-signed (SigV4) instead of sent as UNSIGNED-PAYLOAD. */
export type SignPayload = 'auto' | 'always';

/** The options the sink runs with: every default applied, secrets still wrapped. */
export interface ResolvedS3SinkOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: {
    readonly accessKeyId: Redacted<string>;
    readonly secretAccessKey: Redacted<string>;
  };
  readonly storageClass?: StorageClass;
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  readonly kmsKeyId?: string;
  readonly partSize: number;
  readonly queueSize: number;
  readonly partBuffers: number;
  readonly maxInFlight: number;
  readonly verify: VerifyMode;
  readonly signPayload: SignPayload;
}

const MiB = 1024 * 1024;

export const DEFAULTS = {
  prefix: '',
  region: 'us-east-1',
  forcePathStyle: false,
  partSize: 8 * MiB,
  queueSize: 2,
  partBuffers: 4,
  maxInFlight: 8,
  signPayload: 'auto',
} as const;

/** Classes whose objects cannot be read without a restore (so never read back). */
const COLD_CLASSES: readonly StorageClass[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** `''` or segments of the key charset, each followed by `/`. */
const PREFIX = /^(?:[A-Za-z0-9._-]+\/)*$/;

const secret = (description: string) => ({
  type: 'string',
  minLength: 1,
  description,
  'x-cxarchive-secret': true,
});

export const configSchema = {
  title: 's3 sink options',
  description:
    'Stores each object in an S3 bucket (AWS or an S3-compatible store such as Ceph RGW or MinIO): create-only (If-None-Match: *), streamed multipart upload with Content-MD5 on every part, verified by the ETag the store reports (or by reading the object back).',
  type: 'object',
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    bucket: {
      type: 'string',
      minLength: 3,
      maxLength: 63,
      description: 'Name of the bucket; it must exist.',
    },
    prefix: {
      type: 'string',
      pattern: PREFIX.source,
      default: DEFAULTS.prefix,
      description:
        'Put before every object key, e.g. "archive/" (segments of [A-Za-z0-9._-], each ending with "/"). Empty: keys at the bucket root.',
    },
    region: {
      type: 'string',
      minLength: 1,
      default: DEFAULTS.region,
      description: 'AWS region of the bucket.',
    },
    endpoint: {
      type: 'string',
      pattern: '^https?://',
      description:
        'Endpoint URL of an S3-compatible store (e.g. "http://127.0.0.1:7480" for Ceph RGW). Omit for AWS.',
    },
    forcePathStyle: {
      type: 'boolean',
      default: DEFAULTS.forcePathStyle,
      description:
        'Address buckets as a path (https://host/bucket/key) instead of a host name; most S3-compatible stores need it.',
    },
    accessKeyId: secret(
      'Access key id. With secretAccessKey; omit both to use the standard AWS credential chain (environment, shared config, SSO, web identity, instance/container role).',
    ),
    secretAccessKey: secret('Secret access key that goes with accessKeyId.'),
    storageClass: {
      type: 'string',
      enum: [...STORAGE_CLASSES],
      description:
        'Storage class of written objects. Default: the bucket’s (STANDARD). Classes that need a restore before a read (GLACIER, DEEP_ARCHIVE) are verified by ETag only (verify: "etag").',
    },
    serverSideEncryption: {
      type: 'string',
      enum: ['AES256', 'aws:kms'],
      description: 'Server-side encryption of written objects: S3-managed keys (AES256) or KMS (aws:kms).',
    },
    kmsKeyId: {
      type: 'string',
      minLength: 1,
      description:
        'KMS key id or ARN, with serverSideEncryption "aws:kms". Default: the account’s aws/s3 key.',
    },
    partSize: {
      type: 'integer',
      minimum: 5 * MiB,
      maximum: 5 * 1024 * MiB,
      default: DEFAULTS.partSize,
      description:
        'Bytes per part of a multipart upload; a body of one part or less is sent with one PutObject. Each part is held in one of the sink’s part buffers (see partBuffers) until the store has it.',
    },
    queueSize: {
      type: 'integer',
      minimum: 1,
      maximum: 16,
      default: DEFAULTS.queueSize,
      description: 'Parts of one upload sent at once.',
    },
    partBuffers: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: DEFAULTS.partBuffers,
      description:
        'Part buffers of partSize bytes that all uploads of this sink share, each made once and reused: the sink holds at most partSize × partBuffers bytes of bodies (32 MiB by default). An upload that finds none free reads no more of its body until one is. Bodies of 256 KiB or less take none; a longer body takes one even when it ends within a part, so raising this to the pipeline concurrency (e.g. 8) lets that many recordings of up to partSize upload at once (measured on 4 MiB recordings: ~15 % faster, ~20 MB more peak RSS).',
    },
    maxInFlight: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: DEFAULTS.maxInFlight,
      description: 'Most puts, heads and gets in flight at once against this sink (the runtime enforces it).',
    },
    verify: {
      type: 'string',
      enum: ['etag', 'read-back'],
      description:
        'How a put is verified. "etag": every part carries its Content-MD5 (the store refuses a part that arrived changed) and the ETag the store reports for the object (the MD5, or for a multipart object the MD5 of the part MD5s and the part count) is compared with what cxarchive computed over the bytes it sent; no read, so it works on GLACIER and DEEP_ARCHIVE. "read-back": the stored object is read back and its SHA-256 compared, at the cost of a second transfer. Default: "etag", or "read-back" with serverSideEncryption "aws:kms" (whose ETags are not MD5s).',
    },
    signPayload: {
      type: 'string',
      enum: ['auto', 'always'],
      default: DEFAULTS.signPayload,
      description:
        '"auto": bodies sent with a Content-MD5 go as UNSIGNED-PAYLOAD (not hashed again for the SigV4 signature) when the endpoint is https or loopback; the MD5 still guards them. "always": every body is SHA-256-signed.',
    },
  },
} as const;

const wrap = (value: Redacted<string> | string): Redacted<string> =>
  Redacted.is(value) ? (value as Redacted<string>) : Redacted.make(value);

/** Applies defaults and checks what the schema cannot (pairs of options). */
export const resolveOptions = (options: S3SinkOptions): Result<ResolvedS3SinkOptions, PluginError> => {
  if (typeof options.bucket !== 'string' || options.bucket.length === 0)
    return err(PluginErrors.invalidInput('the s3 sink needs a bucket', 'bucket'));
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (!PREFIX.test(prefix) || (prefix !== '' && objectKeyProblem(`${prefix}x`) !== undefined))
    return err(
      PluginErrors.invalidInput(
        `prefix "${prefix}" must be key segments of [A-Za-z0-9._-] (no "." or ".."), each ending with "/"`,
        'prefix',
      ),
    );
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined))
    return err(
      PluginErrors.invalidInput(
        'give accessKeyId and secretAccessKey together, or neither (the AWS credential chain)',
        options.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey',
      ),
    );
  if (options.kmsKeyId !== undefined && options.serverSideEncryption !== 'aws:kms')
    return err(PluginErrors.invalidInput('kmsKeyId needs serverSideEncryption "aws:kms"', 'kmsKeyId'));
  const verify = options.verify ?? (options.serverSideEncryption === 'aws:kms' ? 'read-back' : 'etag');
  if (verify === 'etag' && options.serverSideEncryption === 'aws:kms')
    return err(
      PluginErrors.invalidInput(
        'with serverSideEncryption "aws:kms" the ETag is not an MD5 of the object, so it cannot verify a put; use verify: "read-back"',
        'verify',
      ),
    );
  if (
    verify === 'read-back' &&
    options.storageClass !== undefined &&
    COLD_CLASSES.includes(options.storageClass)
  )
    return err(
      PluginErrors.invalidInput(
        `storage class ${options.storageClass} cannot be read without a restore, so a put cannot be read back; use verify: "etag" (the default without KMS), or GLACIER_IR`,
        'verify',
      ),
    );
  return ok({
    bucket: options.bucket,
    prefix,
    region: options.region ?? DEFAULTS.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? DEFAULTS.forcePathStyle,
    ...(options.accessKeyId === undefined || options.secretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: wrap(options.accessKeyId),
            secretAccessKey: wrap(options.secretAccessKey),
          },
        }),
    ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
    ...(options.serverSideEncryption === undefined
      ? {}
      : { serverSideEncryption: options.serverSideEncryption }),
    ...(options.kmsKeyId === undefined ? {} : { kmsKeyId: options.kmsKeyId }),
    partSize: options.partSize ?? DEFAULTS.partSize,
    queueSize: options.queueSize ?? DEFAULTS.queueSize,
    partBuffers: options.partBuffers ?? DEFAULTS.partBuffers,
    maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
    verify,
    signPayload: options.signPayload ?? DEFAULTS.signPayload,
  });
};
