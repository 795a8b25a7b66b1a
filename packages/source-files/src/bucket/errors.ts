import { type PluginError, PluginErrors, PluginFailure, parseRetryAfter } from '@cxarchive/core';

/** What the SDKs' errors carry that the mapping reads (AWS, Google, Azure, and the network under them). */
interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly status?: unknown;
  readonly details?: { readonly errorCode?: unknown };
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $response?: { readonly statusCode?: unknown; readonly headers?: Record<string, unknown> };
  readonly response?: {
    readonly status?: unknown;
    readonly statusCode?: unknown;
    readonly headers?: unknown;
  };
  readonly cause?: { readonly code?: unknown };
  readonly errors?: readonly unknown[];
}

const shapeOf = (error: unknown): ErrorShape =>
  typeof error === 'object' && error !== null ? (error as ErrorShape) : {};

/** The HTTP status of an SDK error, if it got a response. */
export const statusOf = (error: unknown): number | undefined => {
  const e = shapeOf(error);
  for (const candidate of [
    e.$metadata?.httpStatusCode,
    e.$response?.statusCode,
    e.statusCode,
    e.code,
    e.status,
    e.response?.status,
    e.response?.statusCode,
  ])
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  return undefined;
};

/** The store's error code (S3's error name, Azure's x-ms-error-code) or the network's errno. */
export const codeOf = (error: unknown): string | undefined => {
  const e = shapeOf(error);
  for (const candidate of [e.details?.errorCode, e.code, e.cause?.code, shapeOf(e.errors?.[0]).code, e.name])
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  return undefined;
};

const retryAfterOf = (error: unknown): number | undefined => {
  const e = shapeOf(error);
  const headers = (e.$response?.headers ?? e.response?.headers) as
    | { get?: (name: string) => unknown }
    | Record<string, unknown>
    | undefined;
  if (headers === undefined || headers === null) return undefined;
  const value =
    typeof headers.get === 'function'
      ? (headers.get as (name: string) => unknown)('retry-after')
      : Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  return parseRetryAfter(typeof value === 'string' ? value : undefined);
};

const AUTH = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'NoAuthenticationInformation',
  'InvalidAuthenticationInfo',
]);
const BUCKET_MISSING = new Set(['NoSuchBucket', 'ContainerNotFound', 'ContainerBeingDeleted']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'ServerBusy', 'TooManyRequests']);

/**
 * Maps an error of a store's SDK to the plugin error taxonomy, the one place this source does it.
 * `what` says what was being done and where (`listing s3 bucket "b" prefix "outbox/"`). Messages
 * carry the store's error code and status only: never a credential, a signed URL or an SDK message
 * (which may quote a request).
 */
export const mapStoreError = (error: unknown, what: string, listing = false): PluginError => {
  if (error instanceof PluginFailure) return error.error;
  const status = statusOf(error);
  const code = codeOf(error);
  const detail = [code, status === undefined ? undefined : `HTTP ${status}`]
    .filter((x) => x !== undefined)
    .join(', ');
  const say = (text: string) => `files source: ${what}: ${text}${detail === '' ? '' : ` (${detail})`}`;
  if (code === 'AbortError' || code === 'ABORT_ERR')
    return PluginErrors.transient(`files source: ${what} was cancelled`);
  // A listing of a prefix finds nothing rather than fail: a 404 there is the bucket itself.
  if ((code !== undefined && BUCKET_MISSING.has(code)) || (listing && status === 404))
    return PluginErrors.invalidInput(say('the bucket or container does not exist'), 'bucket');
  if ((code !== undefined && AUTH.has(code)) || status === 401 || status === 403)
    return PluginErrors.auth(say('the credentials were refused: check them and their permissions'));
  if (status === 404) return PluginErrors.notFound(say('no such object'));
  if ((code !== undefined && THROTTLED.has(code)) || status === 429 || status === 503)
    return PluginErrors.throttled(say('the store asks to slow down'), retryAfterOf(error));
  if (status === undefined || status === 408 || status >= 500)
    return PluginErrors.transient(
      say(status === undefined ? 'the store could not be reached' : 'the store failed'),
      {
        code,
        status,
      },
    );
  return PluginErrors.invalidInput(say('the store refused the request'));
};

/** Runs a store call, throwing its error classified as a `PluginFailure`. */
export const storeCall = async <T>(what: string, run: () => Promise<T>, listing = false): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw new PluginFailure(mapStoreError(error, what, listing));
  }
};
