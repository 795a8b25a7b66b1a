import { err, ok, type PluginError, PluginErrors, Redacted, type Result } from '@cxarchive/core';

/** The `with` block of a `gcs` sink, as core hands it over (schema defaults applied, secrets wrapped). */
export interface GcsSinkOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly projectId?: string;
  readonly apiEndpoint?: string;
  readonly keyFile?: string;
  /** A service account key (JSON text), wrapped by core because the schema marks it secret. */
  readonly credentials?: Redacted<string> | string;
  readonly storageClass?: string;
  readonly resumableThreshold?: number;
  readonly maxInFlight?: number;
  readonly eventBasedHold?: boolean;
  readonly temporaryHold?: boolean;
}

export interface ResolvedGcsSinkOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly projectId?: string;
  readonly apiEndpoint?: string;
  readonly keyFile?: string;
  readonly credentials?: Readonly<Record<string, unknown>>;
  readonly storageClass?: string;
  readonly resumableThreshold: number;
  readonly maxInFlight: number;
  readonly eventBasedHold: boolean;
  readonly temporaryHold: boolean;
}

export const DEFAULTS = {
  prefix: '',
  resumableThreshold: 8 * 1024 * 1024,
  maxInFlight: 8,
  eventBasedHold: false,
  temporaryHold: false,
} as const;

export const STORAGE_CLASSES = ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'] as const;

export const configSchema = {
  title: 'gcs sink options',
  description:
    'Writes each object to a Google Cloud Storage bucket: create-only (ifGenerationMatch 0), checked against the CRC32C GCS computes over what it stored.',
  type: 'object',
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    bucket: { type: 'string', minLength: 3, description: 'Name of the bucket (it must exist).' },
    prefix: {
      type: 'string',
      default: DEFAULTS.prefix,
      description: 'Put before every object key, e.g. "archive/" (include the trailing slash).',
    },
    projectId: {
      type: 'string',
      description: 'Google Cloud project id. Default: the one of the credentials or the environment.',
    },
    apiEndpoint: {
      type: 'string',
      description:
        'Custom endpoint, e.g. "http://127.0.0.1:9199" for an emulator or a private endpoint. Default: the public GCS endpoint.',
    },
    keyFile: {
      type: 'string',
      description:
        'Path of a service account key file (JSON), relative to the pipeline file. Without keyFile and credentials, Application Default Credentials are used.',
    },
    credentials: {
      type: 'string',
      'x-cxarchive-secret': true,
      description:
        'A service account key as JSON text (e.g. from an environment variable). Takes the place of keyFile.',
    },
    storageClass: {
      type: 'string',
      enum: [...STORAGE_CLASSES],
      description: "Storage class of written objects. Default: the bucket's default class.",
    },
    resumableThreshold: {
      type: 'integer',
      minimum: 0,
      default: DEFAULTS.resumableThreshold,
      description:
        'Bodies of known size up to this many bytes go in one multipart request; larger bodies, and streamed bodies of unknown length, use a resumable upload.',
    },
    maxInFlight: {
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.maxInFlight,
      description: 'Most operations in flight at once against the bucket.',
    },
    eventBasedHold: {
      type: 'boolean',
      default: DEFAULTS.eventBasedHold,
      description:
        'Place an event-based hold on every object written: it cannot be deleted or replaced until the hold is released (and, on a bucket with a retention policy, its retention period starts only then). The put fails unless GCS reports the hold on the stored object.',
    },
    temporaryHold: {
      type: 'boolean',
      default: DEFAULTS.temporaryHold,
      description:
        'Place a temporary hold on every object written: it cannot be deleted or replaced until the hold is released. The put fails unless GCS reports the hold on the stored object.',
    },
  },
} as const;

/** Applies defaults and reads the credentials JSON (its text never appears in a message). */
export const resolveOptions = (options: GcsSinkOptions): Result<ResolvedGcsSinkOptions, PluginError> => {
  if (typeof options.bucket !== 'string' || options.bucket.length === 0)
    return err(PluginErrors.invalidInput('the gcs sink needs a bucket', 'bucket'));
  let credentials: Record<string, unknown> | undefined;
  if (options.credentials !== undefined) {
    const text = Redacted.is(options.credentials)
      ? Redacted.value(options.credentials as Redacted<string>)
      : options.credentials;
    try {
      const parsed: unknown = JSON.parse(String(text));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      credentials = parsed as Record<string, unknown>;
    } catch {
      return err(PluginErrors.invalidInput('gcs sink: credentials is not a JSON object', 'credentials'));
    }
  }
  return ok({
    bucket: options.bucket,
    prefix: options.prefix ?? DEFAULTS.prefix,
    resumableThreshold: options.resumableThreshold ?? DEFAULTS.resumableThreshold,
    maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
    eventBasedHold: options.eventBasedHold ?? DEFAULTS.eventBasedHold,
    temporaryHold: options.temporaryHold ?? DEFAULTS.temporaryHold,
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
  });
};
