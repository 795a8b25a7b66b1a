import {
  err,
  objectKeyProblem,
  ok,
  type PluginError,
  PluginErrors,
  Redacted,
  type Result,
} from '@cxarchive/core';

export const ACCESS_TIERS = ['Hot', 'Cool', 'Cold', 'Archive'] as const;
export type AccessTier = (typeof ACCESS_TIERS)[number];

/** The `with` block of an `azure` sink, as create() receives it (validated, secrets in `Redacted`). */
export interface AzureSinkOptions {
  readonly container: string;
  readonly prefix?: string;
  readonly connectionString?: Redacted<string>;
  readonly accountUrl?: string;
  readonly sasToken?: Redacted<string>;
  readonly accountName?: string;
  readonly accountKey?: Redacted<string>;
  readonly accessTier?: AccessTier;
  readonly createContainer?: boolean;
  readonly maxInFlight?: number;
  readonly legalHold?: boolean;
}

/** How the sink authenticates: exactly one of these. */
export type AzureAuth =
  | { readonly kind: 'connectionString'; readonly connectionString: Redacted<string> }
  | { readonly kind: 'sas'; readonly accountUrl: string; readonly sasToken: Redacted<string> }
  | {
      readonly kind: 'sharedKey';
      readonly accountUrl: string;
      readonly accountName: string;
      readonly accountKey: Redacted<string>;
    };

export interface ResolvedAzureSinkOptions {
  readonly container: string;
  readonly prefix: string;
  readonly auth: AzureAuth;
  readonly accessTier?: AccessTier;
  readonly createContainer: boolean;
  readonly maxInFlight: number;
  readonly legalHold: boolean;
}

export const DEFAULTS = { prefix: '', createContainer: false, maxInFlight: 8, legalHold: false } as const;

const CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const PREFIX = /^([A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]*$/;

const secret = (description: string) => ({
  type: 'string',
  minLength: 1,
  description,
  'x-cxarchive-secret': true,
});

export const configSchema = {
  title: 'azure sink options',
  description:
    "Writes each object as a block blob in an Azure Storage container: streamed in staged blocks, create-only (If-None-Match: *), and verified by reading the stored blob back. Honours the pipeline's retention block with a blob immutability policy (governance → Unlocked, compliance → Locked; the container needs version-level immutability support).",
  type: 'object',
  additionalProperties: false,
  required: ['container'],
  properties: {
    container: {
      type: 'string',
      pattern: CONTAINER.source,
      description:
        'Name of the blob container (3-63 lowercase letters, digits and single hyphens). It must exist unless createContainer is true.',
    },
    prefix: {
      type: 'string',
      pattern: PREFIX.source,
      default: DEFAULTS.prefix,
      description:
        'Put before every object key, as is (end it with "/" for a folder): the blob name is prefix + key. Segments use [A-Za-z0-9._-] only.',
    },
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
    accessTier: {
      type: 'string',
      enum: [...ACCESS_TIERS],
      description:
        'Access tier of each blob. Archive is set only after the blob has been read back and verified (an archived blob cannot be read). Default: the account default tier.',
    },
    createContainer: {
      type: 'boolean',
      default: DEFAULTS.createContainer,
      description:
        'Create the container when it is missing (needs permission to create containers). Otherwise a missing container is an error naming it.',
    },
    maxInFlight: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: DEFAULTS.maxInFlight,
      description: 'Most puts, heads and gets in flight at once against this sink.',
    },
    legalHold: {
      type: 'boolean',
      default: DEFAULTS.legalHold,
      description:
        'Put a legal hold on every blob written: it cannot be deleted or overwritten until the hold is cleared. Needs a container with version-level immutability support; the put fails unless the service reports the hold on the committed blob.',
    },
  },
} as const;

const invalid = (message: string, path: string): PluginError =>
  PluginErrors.invalidInput(`azure sink: ${message}`, path);

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

const resolveAuth = (options: AzureSinkOptions): Result<AzureAuth, PluginError> => {
  const { connectionString, accountUrl, sasToken, accountKey, accountName } = options;
  if (connectionString !== undefined) {
    if (accountUrl !== undefined || sasToken !== undefined || accountKey !== undefined)
      return err(
        invalid(
          'give either connectionString or accountUrl (with sasToken or accountKey), not both',
          'connectionString',
        ),
      );
    return ok({ kind: 'connectionString', connectionString });
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
  if (sasToken !== undefined) return ok({ kind: 'sas', accountUrl, sasToken });
  const name = accountName ?? accountNameOf(accountUrl);
  if (name === undefined)
    return err(invalid('cannot tell the account name from accountUrl: set accountName', 'accountName'));
  return ok({ kind: 'sharedKey', accountUrl, accountName: name, accountKey: accountKey as Redacted<string> });
};

/** Checks what the schema cannot (which credentials go together) and applies the defaults. */
export const resolveOptions = (options: AzureSinkOptions): Result<ResolvedAzureSinkOptions, PluginError> => {
  if (typeof options.container !== 'string' || !CONTAINER.test(options.container))
    return err(invalid(`"${String(options.container)}" is not a valid container name`, 'container'));
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (!PREFIX.test(prefix) || objectKeyProblem(`${prefix}x`) !== undefined)
    return err(
      invalid(`prefix "${prefix}" has characters outside [A-Za-z0-9._-/] or empty segments`, 'prefix'),
    );
  for (const name of ['connectionString', 'sasToken', 'accountKey'] as const) {
    const value = options[name];
    if (value !== undefined && !Redacted.is(value))
      return err(invalid(`${name} is a secret and must arrive wrapped in Redacted (a defect)`, name));
  }
  return resolveAuth(options).map((auth) => ({
    container: options.container,
    prefix,
    auth,
    ...(options.accessTier === undefined ? {} : { accessTier: options.accessTier }),
    createContainer: options.createContainer ?? DEFAULTS.createContainer,
    maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
    legalHold: options.legalHold ?? DEFAULTS.legalHold,
  }));
};
