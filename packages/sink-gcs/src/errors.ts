import { type PluginError, PluginErrors, parseRetryAfter } from '@cxarchive/core';

/** The HTTP status of an error of the GCS SDK (ApiError `code`, or the response's status). */
export const statusOf = (error: unknown): number | undefined => {
  const e = error as {
    code?: unknown;
    status?: unknown;
    response?: { status?: unknown; statusCode?: unknown };
  };
  for (const candidate of [e?.code, e?.status, e?.response?.status, e?.response?.statusCode])
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  return undefined;
};

const header = (error: unknown, name: string): string | undefined => {
  const headers = (error as { response?: { headers?: unknown } })?.response?.headers as
    | { get?: (n: string) => string | null }
    | Record<string, unknown>
    | undefined;
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers.get === 'function')
    return (headers.get as (n: string) => string | null)(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const BUCKET_MISSING = /bucket does not exist/i;
/** GCS refuses an object's `retention` when its bucket was not created with object retention enabled. */
const RETENTION_REFUSED = /retention/i;

/**
 * Maps an error of the GCS SDK to the plugin error taxonomy — the one place this sink does it.
 * `what` says what was being done (`putting archive/t/…/contact.json.cxar`); `bucket` names the bucket.
 */
export const mapGcsError = (error: unknown, what: string, bucket: string): PluginError => {
  const status = statusOf(error);
  const detail = messageOf(error).slice(0, 300);
  const prefix = `gcs sink: ${what}`;
  if (status === undefined) return PluginErrors.transient(`${prefix}: ${detail}`, error);
  if (status === 404 && BUCKET_MISSING.test(detail))
    return PluginErrors.invalidInput(`${prefix}: the bucket "${bucket}" does not exist`, 'bucket');
  if (status === 404) return PluginErrors.notFound(`${prefix}: no such object`);
  if (status === 401 || status === 403)
    return PluginErrors.auth(`${prefix}: access to bucket "${bucket}" was refused (${status}): ${detail}`);
  if (status === 412) return PluginErrors.alreadyExists(`${prefix}: the object already exists`);
  if (status === 429)
    return PluginErrors.throttled(
      `${prefix}: throttled by GCS (429)`,
      parseRetryAfter(header(error, 'retry-after')),
    );
  if (status === 408 || status >= 500)
    return PluginErrors.transient(`${prefix}: GCS answered ${status}`, error);
  if (status === 400 && RETENTION_REFUSED.test(detail))
    return PluginErrors.invalidInput(
      `${prefix}: the bucket "${bucket}" cannot hold object retention (it must be created with object retention enabled): ${detail}`,
      'bucket',
    );
  if (status >= 400)
    return PluginErrors.invalidInput(`${prefix}: GCS refused the request (${status}): ${detail}`);
  return PluginErrors.permanent(`${prefix}: GCS answered ${status}: ${detail}`, error);
};

/** An operation stopped because its signal aborted: Transient (a later run does the work). */
export const cancelled = (what: string): PluginError =>
  PluginErrors.transient(`gcs sink: ${what} was cancelled`);

/**
 * The object was stored without the retention or hold asked for: Permanent. An archive that should
 * be locked and is not must never be reported stored; the bucket has to be fixed first.
 */
export const unprotected = (what: string, missing: string): PluginError =>
  PluginErrors.permanent(`gcs sink: ${what}: the stored object lacks ${missing}; it is not reported stored`);
