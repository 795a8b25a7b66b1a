import { type PluginError, PluginErrors, parseRetryAfter } from '@cxarchive/core';

/** What the sink was doing, for messages: `writing t/2026/…/contact.json.cxar`, and in which container. */
export interface ErrorContext {
  readonly what: string;
  readonly container: string;
}

interface RestErrorLike {
  readonly name?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly details?: { readonly errorCode?: string };
  readonly response?: { readonly headers?: { get(name: string): string | undefined } };
}

const asRest = (error: unknown): RestErrorLike => (typeof error === 'object' && error !== null ? error : {});

/**
 * The service's error code: `RestError.code`, or for a HEAD (no body) the `x-ms-error-code` header
 * the SDK puts in `details.errorCode`.
 */
export const azureErrorCode = (error: unknown): string | undefined => {
  const rest = asRest(error);
  const code = rest.details?.errorCode ?? rest.code;
  return typeof code === 'string' ? code : undefined;
};

/** Node's and undici's codes for a connection that failed or broke: worth another try. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/**
 * The service's refusal of an immutability policy or legal hold on a container without
 * version-level immutability support: a 4xx whose error code speaks of immutability or WORM
 * (the blob-level codes `BlobImmutableDueTo…` are about an existing blob, not the container).
 * The sink asks the container first (checkVersionLevelImmutability); this covers the race.
 */
const IMMUTABILITY_REFUSED = /^(?!BlobImmutableDueTo).*(Immutab|Worm)/i;

const retryAfterOf = (error: unknown): number | undefined =>
  parseRetryAfter(asRest(error).response?.headers?.get('retry-after'));

/**
 * Maps an Azure SDK error (`RestError`, a network failure) to the plugin error taxonomy: the one
 * place this sink does it. Messages name the operation, the object and the container, with the
 * service's status and error code, never a credential or a URL (a SAS lives in URLs).
 */
export const mapAzureError = (error: unknown, { what, container }: ErrorContext): PluginError => {
  const rest = asRest(error);
  const status = typeof rest.statusCode === 'number' ? rest.statusCode : undefined;
  const code = azureErrorCode(error);
  const detail = `${status ?? 'no response'}${code === undefined ? '' : ` ${code}`}`;
  const say = (text: string) => `azure sink: ${what}: ${text} (${detail})`;
  if (code === 'ContainerNotFound')
    return PluginErrors.invalidInput(
      `azure sink: ${what}: the container "${container}" does not exist (create it, or set createContainer: true)`,
      'container',
    );
  if (code === 'ContainerBeingDeleted')
    return PluginErrors.invalidInput(
      `azure sink: ${what}: the container "${container}" is being deleted`,
      'container',
    );
  if (IMMUTABILITY_REFUSED.test(code ?? '') && status !== undefined && status >= 400 && status < 500)
    return immutabilityNotEnabled(what, container, detail);
  if (code === 'BlobNotFound' || (status === 404 && code === undefined))
    return PluginErrors.notFound(say('no such blob'));
  if (code === 'BlobAlreadyExists' || (status === 412 && code === 'ConditionNotMet'))
    return PluginErrors.alreadyExists(say('the blob already exists'));
  if (code === 'BlobArchived')
    return PluginErrors.permanent(say('the blob is in the Archive tier: rehydrate it before reading'));
  if (status === 401 || status === 403)
    return PluginErrors.auth(
      say(`access denied to container "${container}": check the credentials and their role`),
    );
  if (
    status === 429 ||
    code === 'ServerBusy' ||
    (status === 503 && code !== undefined && /Busy|Throttl/i.test(code))
  )
    return PluginErrors.throttled(say('the storage account is throttling'), retryAfterOf(error));
  if (status === 503) return PluginErrors.throttled(say('the service is unavailable'), retryAfterOf(error));
  if (code === 'Md5Mismatch') return PluginErrors.transient(say('a block was corrupted in transit'));
  if (status !== undefined && (status >= 500 || status === 408))
    return PluginErrors.transient(say('server error'));
  if (status === 409) return PluginErrors.permanent(say('conflict'));
  if (status !== undefined && status >= 400) return PluginErrors.invalidInput(say('refused'));
  const errno = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.cause?.code ?? rest.code;
  if (typeof errno === 'string' && NETWORK.has(errno))
    return PluginErrors.transient(`azure sink: ${what}: network error (${errno})`);
  if (rest.name === 'RestError' || rest.name === 'TypeError')
    return PluginErrors.transient(`azure sink: ${what}: network error (${rest.name})`);
  return PluginErrors.permanent(`azure sink: ${what}: failed (${rest.name ?? typeof error})`);
};

/** An operation stopped because its `AbortSignal` aborted. Transient: a later run does the work. */
export const cancelled = (what: string): PluginError =>
  PluginErrors.transient(`azure sink: ${what} was cancelled`);

/** The body's length differs from the `size` the caller announced: nothing is committed. */
export const sizeMismatch = (key: string, announced: number, received: number): PluginError =>
  PluginErrors.invalidInput(
    `azure sink: the body of ${key} had ${received} bytes, not the ${announced} announced; nothing stored`,
  );

/** The blob read back differs from what was sent: the store did not keep the bytes. */
export const verificationFailed = (
  key: string,
  sent: { size: number; md5: string },
  back: { size: number; md5: string },
): PluginError =>
  PluginErrors.permanent(
    `azure sink: verification failed for ${key}: sent ${sent.size} bytes (md5 ${sent.md5}), read back ${back.size} bytes (md5 ${back.md5})`,
  );

/** The container cannot hold a per-blob immutability policy or legal hold: InvalidInput naming it. */
export const immutabilityNotEnabled = (what: string, container: string, detail?: string): PluginError =>
  PluginErrors.invalidInput(
    `azure sink: ${what}: the container "${container}" does not have version-level immutability support, which a blob immutability policy or legal hold needs (enable it on the container or the account)${detail === undefined ? '' : ` (${detail})`}`,
    'container',
  );

/** The committed blob lacks the immutability policy or legal hold asked for: Permanent, never reported stored. */
export const unprotected = (key: string, missing: string): PluginError =>
  PluginErrors.permanent(`azure sink: ${key} was committed without ${missing}; it is not reported stored`);
