import path from 'node:path';
import { err, ok, type PluginError, PluginErrors, Redacted, type Result } from '@cxarchive/core';

/**
 * The `bucket` option of a files source: where the files to attach are listed from when they are
 * not in a directory. The connection options mirror the names the sinks take (sink-s3, sink-gcs,
 * sink-azure) so one store's settings read the same in both places; a plugin never imports another
 * plugin (DESIGN §4), so they are declared here again, kept to what listing and reading need.
 */

type Secret = Redacted<string> | string;

export interface S3BucketOptions {
  readonly store: 's3';
  readonly bucket: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly accessKeyId?: Secret;
  readonly secretAccessKey?: Secret;
  readonly listPageSize?: number;
}

export interface GcsBucketOptions {
  readonly store: 'gcs';
  readonly bucket: string;
  readonly prefix?: string;
  readonly projectId?: string;
  readonly apiEndpoint?: string;
  readonly keyFile?: string;
  readonly credentials?: Secret;
  readonly listPageSize?: number;
}

export interface AzureBucketOptions {
  readonly store: 'azure';
  readonly container: string;
  readonly prefix?: string;
  readonly connectionString?: Secret;
  readonly accountUrl?: string;
  readonly sasToken?: Secret;
  readonly accountName?: string;
  readonly accountKey?: Secret;
  readonly listPageSize?: number;
}

export type BucketOptions = S3BucketOptions | GcsBucketOptions | AzureBucketOptions;

export type ResolvedS3Bucket = {
  readonly store: 's3';
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: {
    readonly accessKeyId: Redacted<string>;
    readonly secretAccessKey: Redacted<string>;
  };
  readonly listPageSize: number;
};

export type ResolvedGcsBucket = {
  readonly store: 'gcs';
  readonly bucket: string;
  readonly prefix: string;
  readonly projectId?: string;
  readonly apiEndpoint?: string;
  /** Absolute path of the key file. */
  readonly keyFile?: string;
  readonly credentials?: Redacted<string>;
  readonly listPageSize: number;
};

export type AzureAuth =
  | { readonly kind: 'connectionString'; readonly connectionString: Redacted<string> }
  | { readonly kind: 'sas'; readonly accountUrl: string; readonly sasToken: Redacted<string> }
  | {
      readonly kind: 'sharedKey';
      readonly accountUrl: string;
      readonly accountName: string;
      readonly accountKey: Redacted<string>;
    };

export type ResolvedAzureBucket = {
  readonly store: 'azure';
  readonly container: string;
  readonly prefix: string;
  readonly auth: AzureAuth;
  readonly listPageSize: number;
};

export type ResolvedBucket = ResolvedS3Bucket | ResolvedGcsBucket | ResolvedAzureBucket;

export const BUCKET_DEFAULTS = {
  prefix: '',
  region: 'us-east-1',
  forcePathStyle: false,
  listPageSize: 1000,
} as const;

/** `''`, or `/`-separated segments each ending with `/`, none of them `.` or `..`. */
const PREFIX = /^(?:(?!\.\.?\/)[^/\\]+\/)*$/;

const secret = (description: string) => ({
  type: 'string',
  minLength: 1,
  description,
  'x-cxarchive-secret': true,
});

const common = {
  prefix: {
    type: 'string',
    pattern: PREFIX.source,
    default: BUCKET_DEFAULTS.prefix,
    description:
      'Where the files to attach lie in the bucket, e.g. "outbox/" (segments each ending with "/"; no "." or ".." segment). Empty: the whole bucket. The manifest names each file by its key relative to this prefix.',
  },
  listPageSize: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    default: BUCKET_DEFAULTS.listPageSize,
    description:
      "Keys asked for per listing request (the store's own most is 1000 for S3 and GCS). One page is held at a time.",
  },
} as const;

const s3Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['store', 'bucket'],
  properties: {
    store: { const: 's3', description: 'An S3 bucket (AWS, or an S3-compatible store such as Ceph RGW).' },
    bucket: { type: 'string', minLength: 3, maxLength: 63, description: 'Name of the bucket.' },
    prefix: common.prefix,
    region: {
      type: 'string',
      minLength: 1,
      default: BUCKET_DEFAULTS.region,
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
      default: BUCKET_DEFAULTS.forcePathStyle,
      description:
        'Address the bucket as a path (https://host/bucket/key) instead of a host name; most S3-compatible stores need it.',
    },
    accessKeyId: secret(
      'Access key id. With secretAccessKey; omit both to use the standard AWS credential chain (environment, shared config, SSO, web identity, instance/container role).',
    ),
    secretAccessKey: secret('Secret access key that goes with accessKeyId.'),
    listPageSize: common.listPageSize,
  },
} as const;

const gcsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['store', 'bucket'],
  properties: {
    store: { const: 'gcs', description: 'A Google Cloud Storage bucket.' },
    bucket: { type: 'string', minLength: 3, description: 'Name of the bucket.' },
    prefix: common.prefix,
    projectId: {
      type: 'string',
      description: 'Google Cloud project id. Default: the one of the credentials or the environment.',
    },
    apiEndpoint: {
      type: 'string',
      pattern: '^https?://',
      description:
        'Custom endpoint, e.g. "http://127.0.0.1:9199" for an emulator or a private endpoint. Default: the public GCS endpoint.',
    },
    keyFile: {
      type: 'string',
      minLength: 1,
      description:
        'Path of a service account key file (JSON), relative to the pipeline file. Without keyFile and credentials, Application Default Credentials are used.',
    },
    credentials: secret(
      'A service account key as JSON text (e.g. from an environment variable). Takes the place of keyFile.',
    ),
    listPageSize: common.listPageSize,
  },
} as const;

const azureSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['store', 'container'],
  properties: {
    store: { const: 'azure', description: 'An Azure Storage blob container.' },
    container: {
      type: 'string',
      pattern: '^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$',
      description: 'Name of the blob container (3-63 lowercase letters, digits and single hyphens).',
    },
    prefix: common.prefix,
    connectionString: secret(
      'Storage account connection string (AccountName/AccountKey, or a SharedAccessSignature, with BlobEndpoint or EndpointSuffix). Use this, or accountUrl with sasToken or accountKey.',
    ),
    accountUrl: {
      type: 'string',
      pattern: '^https?://',
      description:
        'Blob endpoint of the account, e.g. https://myaccount.blob.core.windows.net (without a SAS query). Needs sasToken or accountKey.',
    },
    sasToken: secret('Shared access signature for accountUrl (with or without the leading "?").'),
    accountName: {
      type: 'string',
      minLength: 3,
      description:
        'Account name for accountKey. Default: the first label of the accountUrl host, or its first path segment for an IP or localhost endpoint (emulators).',
    },
    accountKey: secret('Storage account key (base64) for accountUrl: shared-key authentication.'),
    listPageSize: common.listPageSize,
  },
} as const;

export const bucketSchema = {
  description:
    'Instead of directory: the bucket prefix that holds the files to attach, read through the store\'s own SDK (listed a page at a time, each file streamed when it is sent). "store" says which kind; the other options are those of the sink for that store. Every object under the prefix needs a manifest row; one without is refused.',
  type: 'object',
  required: ['store'],
  properties: {
    store: {
      enum: ['s3', 'gcs', 'azure'],
      description: 'Which store holds the files; the options of that store (below) apply.',
    },
  },
  discriminator: { propertyName: 'store' },
  oneOf: [s3Schema, gcsSchema, azureSchema],
} as const;

const invalid = (message: string, option: string): PluginError =>
  PluginErrors.invalidInput(`files source: ${message}`, `bucket.${option}`);

const wrap = (value: Secret): Redacted<string> =>
  Redacted.is(value) ? (value as Redacted<string>) : Redacted.make(value);

/** The account name of a blob endpoint: first host label, or the first path segment on an IP/localhost (Azurite). */
export const accountNameOf = (accountUrl: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(accountUrl);
  } catch {
    return undefined;
  }
  const host = url.hostname;
  const local = host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[');
  const name = local ? url.pathname.split('/').find((part) => part !== '') : host.split('.')[0];
  return name === undefined || name === '' ? undefined : name;
};

const azureAuth = (options: AzureBucketOptions): Result<AzureAuth, PluginError> => {
  const { connectionString, accountUrl, sasToken, accountKey, accountName } = options;
  if (connectionString !== undefined) {
    if (accountUrl !== undefined || sasToken !== undefined || accountKey !== undefined)
      return err(
        invalid(
          'give either connectionString or accountUrl (with sasToken or accountKey), not both',
          'connectionString',
        ),
      );
    return ok({ kind: 'connectionString', connectionString: wrap(connectionString) });
  }
  if (accountUrl === undefined)
    return err(
      invalid(
        'no credentials: give connectionString, or accountUrl with sasToken or accountKey',
        'accountUrl',
      ),
    );
  let url: URL;
  try {
    url = new URL(accountUrl);
  } catch {
    return err(invalid('accountUrl is not a URL', 'accountUrl'));
  }
  if (url.search !== '')
    return err(invalid('accountUrl must not carry a query (put the SAS in sasToken)', 'accountUrl'));
  if ((sasToken === undefined) === (accountKey === undefined))
    return err(invalid('with accountUrl give exactly one of sasToken and accountKey', 'accountUrl'));
  if (sasToken !== undefined) return ok({ kind: 'sas', accountUrl, sasToken: wrap(sasToken) });
  const name = accountName ?? accountNameOf(accountUrl);
  if (name === undefined)
    return err(invalid('cannot tell the account name from accountUrl: set accountName', 'accountName'));
  return ok({ kind: 'sharedKey', accountUrl, accountName: name, accountKey: wrap(accountKey as Secret) });
};

const pageSizeOf = (value: number | undefined): Result<number, PluginError> => {
  const size = value ?? BUCKET_DEFAULTS.listPageSize;
  return Number.isSafeInteger(size) && size >= 1 && size <= 1000
    ? ok(size)
    : err(invalid('listPageSize must be an integer from 1 to 1000', 'listPageSize'));
};

/** Applies defaults and checks what the schema cannot (which credentials go together). */
export const resolveBucket = (
  options: BucketOptions,
  baseDir: string,
): Result<ResolvedBucket, PluginError> => {
  if (typeof options !== 'object' || options === null)
    return err(invalid('bucket must be an object with a store (s3, gcs or azure)', 'store'));
  const prefix = options.prefix ?? BUCKET_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    return err(
      invalid(
        `prefix "${String(prefix)}" must be empty or segments each ending with "/" (e.g. "outbox/"), with no "." or ".." segment and no leading "/"`,
        'prefix',
      ),
    );
  const listPageSize = pageSizeOf(options.listPageSize);
  if (listPageSize.isErr()) return err(listPageSize.error);
  switch (options.store) {
    case 's3': {
      if (typeof options.bucket !== 'string' || options.bucket.length === 0)
        return err(invalid('an s3 bucket needs its name in bucket', 'bucket'));
      if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined))
        return err(
          invalid(
            'give accessKeyId and secretAccessKey together, or neither (the AWS credential chain)',
            options.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey',
          ),
        );
      return ok({
        store: 's3',
        bucket: options.bucket,
        prefix,
        region: options.region ?? BUCKET_DEFAULTS.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        forcePathStyle: options.forcePathStyle ?? BUCKET_DEFAULTS.forcePathStyle,
        ...(options.accessKeyId === undefined || options.secretAccessKey === undefined
          ? {}
          : {
              credentials: {
                accessKeyId: wrap(options.accessKeyId),
                secretAccessKey: wrap(options.secretAccessKey),
              },
            }),
        listPageSize: listPageSize.value,
      });
    }
    case 'gcs':
      if (typeof options.bucket !== 'string' || options.bucket.length === 0)
        return err(invalid('a gcs bucket needs its name in bucket', 'bucket'));
      if (options.keyFile !== undefined && options.credentials !== undefined)
        return err(invalid('give keyFile or credentials, not both', 'credentials'));
      return ok({
        store: 'gcs',
        bucket: options.bucket,
        prefix,
        ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
        ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
        ...(options.keyFile === undefined ? {} : { keyFile: path.resolve(baseDir, options.keyFile) }),
        ...(options.credentials === undefined ? {} : { credentials: wrap(options.credentials) }),
        listPageSize: listPageSize.value,
      });
    case 'azure': {
      if (typeof options.container !== 'string' || options.container.length === 0)
        return err(invalid('an azure bucket needs its container', 'container'));
      const auth = azureAuth(options);
      if (auth.isErr()) return err(auth.error);
      return ok({
        store: 'azure',
        container: options.container,
        prefix,
        auth: auth.value,
        listPageSize: listPageSize.value,
      });
    }
    default:
      return err(
        invalid(
          `store "${String((options as { store?: unknown }).store)}" is none of s3, gcs, azure`,
          'store',
        ),
      );
  }
};

/** Names the bucket prefix in messages (never a credential): `s3 bucket "b" prefix "outbox/"`. */
export const bucketLabel = (bucket: ResolvedBucket): string => {
  const name =
    bucket.store === 'azure'
      ? `azure container "${bucket.container}"`
      : `${bucket.store} bucket "${bucket.bucket}"`;
  return bucket.prefix === '' ? name : `${name} prefix "${bucket.prefix}"`;
};
