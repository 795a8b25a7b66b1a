import { classifyHttpStatus, type PluginError, PluginErrors, parseRetryAfter } from '@cxarchive/core';
import { redactUrl } from './urls.js';

/**
 * Every CXone failure is classified here, once. CXone is several API families whose error bodies
 * differ (reference §7):
 * - `token`: the auth server, `{error, error_description}`;
 * - `acd`: incontactapi/services, the message only in the `icStatusDescription` response header;
 * - `media-playback`: `{internalCode, message}` (throttling: `{message, route}`);
 * - `other`: discovery documents and signed media file URLs: status only (a storage service's
 *   error body can echo the signed request, so it is never read).
 * Messages never carry a secret, a bearer token or a query string.
 */
export type ApiFamily = 'token' | 'acd' | 'media-playback' | 'other';

export interface RequestInfo {
  readonly method: string;
  readonly url: string;
}

/** What a response said, as far as error mapping needs it. */
export interface ResponseFacts {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

/** The token endpoint's `error` codes that mean "these credentials are wrong or not allowed". */
const TOKEN_AUTH_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'access_denied',
]);

const MAX_ERROR_BODY_BYTES = 8192;
const MAX_DETAIL_CHARS = 300;

export const describeRequest = (req: RequestInfo): string => `${req.method} ${redactUrl(req.url)}`;

/** One line, bounded, with any URL inside reduced to origin + path. */
const cleanDetail = (text: string): string => {
  const oneLine = text
    .replace(/https?:\/\/[^\s"'<>]+/g, (url) => redactUrl(url))
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > MAX_DETAIL_CHARS ? `${oneLine.slice(0, MAX_DETAIL_CHARS)}…` : oneLine;
};

const jsonObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

/** The family's own words for the failure, if it gave any. */
export const errorDetail = (family: ApiFamily, facts: ResponseFacts): string | undefined => {
  switch (family) {
    case 'token': {
      const body = jsonObject(facts.bodyText);
      const code = str(body?.error);
      const description = str(body?.error_description);
      if (code === undefined && description === undefined) return undefined;
      return [code, description].filter((x) => x !== undefined).join(': ');
    }
    case 'acd':
      return str(facts.headers.get('icStatusDescription'));
    case 'media-playback': {
      const body = jsonObject(facts.bodyText);
      const code = str(body?.internalCode);
      const message = str(body?.message);
      if (code === undefined && message === undefined) return undefined;
      return [code, message].filter((x) => x !== undefined).join(': ');
    }
    case 'other':
      return undefined;
  }
};

/** Maps a non-success response to the taxonomy. `nowMs` dates an HTTP-date `Retry-After`. */
export const classifyResponse = (
  family: ApiFamily,
  req: RequestInfo,
  facts: ResponseFacts,
  nowMs: number,
): PluginError => {
  const detail = errorDetail(family, facts);
  const message = `${describeRequest(req)}: HTTP ${facts.status}${detail === undefined ? '' : ` ${cleanDetail(detail)}`}`;
  if (family === 'token' && facts.status !== 429 && facts.status < 500) {
    const code = str(jsonObject(facts.bodyText)?.error);
    if (code !== undefined && TOKEN_AUTH_ERRORS.has(code)) return PluginErrors.auth(message);
  }
  const retryAfterMs =
    facts.status === 429 ? parseRetryAfter(facts.headers.get('retry-after'), nowMs) : undefined;
  return classifyHttpStatus(facts.status, message, retryAfterMs);
};

/** Reads at most a few KiB of an error body (never for `other`), then releases the connection. */
const readErrorBody = async (family: ApiFamily, res: Response): Promise<string> => {
  if (family === 'other' || family === 'acd' || res.body === null) {
    await res.body?.cancel().catch(() => {});
    return '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks while we read an error is just a missing detail.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
};

export const errorFromResponse = async (
  family: ApiFamily,
  req: RequestInfo,
  res: Response,
  nowMs: number,
): Promise<PluginError> => {
  const bodyText = await readErrorBody(family, res);
  return classifyResponse(family, req, { status: res.status, headers: res.headers, bodyText }, nowMs);
};

/** A request that never produced a response (connection refused/reset, DNS, TLS, timeout): transient. */
export const networkError = (req: RequestInfo, cause: unknown, timeoutMs?: number): PluginError => {
  const name = cause instanceof Error ? cause.name : undefined;
  if (name === 'TimeoutError') {
    return PluginErrors.transient(
      `${describeRequest(req)}: timed out${timeoutMs === undefined ? '' : ` after ${timeoutMs} ms`}`,
    );
  }
  if (name === 'AbortError') return PluginErrors.transient(`${describeRequest(req)}: aborted`);
  const inner = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  const code =
    typeof inner === 'object' && inner !== null && typeof (inner as { code?: unknown }).code === 'string'
      ? (inner as { code: string }).code
      : undefined;
  return PluginErrors.transient(
    `${describeRequest(req)}: network error${code === undefined ? '' : ` (${code})`}`,
  );
};

/** A success status whose body is not what the API documents. */
export const unexpectedBody = (req: RequestInfo, what: string): PluginError =>
  PluginErrors.permanent(`${describeRequest(req)}: unexpected response: ${what}`);

/** Reading a success body failed: a broken connection or timeout is transient, unparsable JSON is not. */
export const bodyReadError = (req: RequestInfo, cause: unknown, timeoutMs?: number): PluginError =>
  cause instanceof SyntaxError
    ? unexpectedBody(req, 'the body is not JSON')
    : networkError(req, cause, timeoutMs);
