import { type PluginError, PluginErrors, parseRetryAfter } from '@cxarchive/core';

/** What an error from the AWS SDK (or the network under it) carries that the mapping reads. */
interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $response?: { readonly statusCode?: unknown; readonly headers?: Record<string, unknown> };
}

const AUTH = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
]);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError']);
/** The body arrived changed (its Content-MD5 or signed SHA-256 does not match): send it again. */
const CORRUPTED = new Set(['BadDigest', 'XAmzContentSHA256Mismatch']);

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The HTTP status of an SDK error, if it got a response. */
export const statusOf = (error: unknown): number | undefined => {
  const shape = (error ?? {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
};

const retryAfterOf = (error: unknown): number | undefined => {
  const headers = ((error ?? {}) as SdkErrorShape).$response?.headers ?? {};
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after');
  return parseRetryAfter(stringOf(entry?.[1]));
};

/**
 * Maps an error of the AWS SDK to the plugin error taxonomy — the one place this sink does it.
 * `what` says what was being done, naming the object by its physical key (e.g. `put of
 * archive/t/…/contact.json.cxar`); `bucket` is named where the bucket itself is the problem.
 * Messages carry the S3 error code and status, never credentials or content.
 */
export const mapS3Error = (error: unknown, what: string, bucket: string): PluginError => {
  const shape = (error ?? {}) as SdkErrorShape;
  const name = stringOf(shape.name) ?? 'Error';
  const code = stringOf(shape.code);
  const status = statusOf(error);
  const detail = status === undefined ? name : `${name}, HTTP ${status}`;
  const at = `s3 sink: ${what}`;
  if (name === 'NoSuchBucket')
    return PluginErrors.invalidInput(`${at}: the bucket "${bucket}" does not exist (${detail})`, 'bucket');
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404)
    return PluginErrors.notFound(`${at}: no such object (${detail})`);
  if (AUTH.has(name) || status === 401 || status === 403)
    return PluginErrors.auth(`${at}: the credentials were refused for bucket "${bucket}" (${detail})`);
  if (name === 'PreconditionFailed' || status === 412)
    return PluginErrors.alreadyExists(`${at}: the object already exists (${detail})`);
  if (CORRUPTED.has(name))
    return PluginErrors.transient(`${at}: the body reached the store changed; it was refused (${detail})`, {
      name,
      status,
    });
  if (THROTTLED.has(name) || status === 429 || status === 503)
    return PluginErrors.throttled(`${at}: the store asks to slow down (${detail})`, retryAfterOf(error));
  if (
    TIMEOUTS.has(name) ||
    (code !== undefined && NETWORK.has(code)) ||
    NETWORK.has(name) ||
    (status !== undefined && status >= 500)
  )
    return PluginErrors.transient(`${at}: the store or the network failed (${code ?? detail})`, {
      name,
      code,
      status,
    });
  if (status !== undefined && status >= 400)
    return PluginErrors.invalidInput(`${at}: the store refused the request (${detail})`);
  return PluginErrors.permanent(`${at}: failed (${code ?? name})`, { name, code, status });
};

/** An operation stopped because its signal aborted: not done, a later run does it. */
export const cancelled = (what: string): PluginError =>
  PluginErrors.transient(`s3 sink: ${what} was cancelled`);

/** The stored object is not what was sent (read-back differs). */
export const verificationFailed = (what: string, detail: string): PluginError =>
  PluginErrors.permanent(`s3 sink: ${what}: verification failed: ${detail}`);
