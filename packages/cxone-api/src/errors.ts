import { classifyHttpStatus, type PluginError, PluginErrors, parseRetryAfter } from '@cxarchive/core';
import type { ErrorFamily } from './families.js';
import { type Scrubber, scrubText } from './secrets.js';
import { redactUrl } from './urls.js';

/**
 * Every CXone failure is classified here, once. CXone is several API families whose error bodies
 * differ (reference §7):
 * - `auth`: the auth server (token endpoint, discovery documents), `{error, error_description}`;
 * - `acd`: incontactapi/services, the message only in the `icStatusDescription` response header;
 * - `media-playback`: `{internalCode, message}` (throttling: `{message, route}`);
 * - `media-file`: signed media file URLs: status only (a storage service's error body can echo the
 *   signed request, so it is never read).
 * Messages never carry a secret, a bearer token or a query string: a detail is scrubbed first
 * (registered secrets, JWT-like text, query strings) and only then cut to length, so a secret the
 * cut would have split never survives in part.
 */

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

/** Scrubbed, then one line with any URL inside reduced to origin + path, then bounded. */
export const cleanDetail = (text: string, scrubber?: Scrubber): string => {
  const oneLine = scrubText(scrubber, text)
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
export const errorDetail = (family: ErrorFamily, facts: ResponseFacts): string | undefined => {
  switch (family) {
    case 'cxone-auth': {
      const body = jsonObject(facts.bodyText);
      const code = str(body?.error);
      const description = str(body?.error_description);
      if (code === undefined && description === undefined) return undefined;
      return [code, description].filter((x) => x !== undefined).join(': ');
    }
    case 'cxone-acd':
      return str(facts.headers.get('icStatusDescription'));
    case 'media-playback': {
      const body = jsonObject(facts.bodyText);
      const code = str(body?.internalCode);
      const message = str(body?.message);
      if (code === undefined && message === undefined) return undefined;
      return [code, message].filter((x) => x !== undefined).join(': ');
    }
    case 'media-download': {
      // `{code: INVALID_REQUEST|NOT_FOUND|SQS_PUBLISH_FAILED|PERSISTENCE_FAILED|INTERNAL_ERROR, message}` (GEN-MD).
      const body = jsonObject(facts.bodyText);
      const code = str(body?.code);
      const message = str(body?.message);
      if (code === undefined && message === undefined) return undefined;
      return [code, message].filter((x) => x !== undefined).join(': ');
    }
    case 'data-extraction':
    case 'business-data': {
      // No published error body for either: Business Data documents statuses only (D-BD), and the
      // Data Extraction spec names none (GEN-DX). A `message` (top level or under `error`) is read if sent.
      const body = jsonObject(facts.bodyText);
      const nested = body?.error;
      return (
        str(body?.message) ??
        (typeof nested === 'object' && nested !== null
          ? str((nested as Record<string, unknown>).message)
          : undefined)
      );
    }
    case 'dfo': {
      // `{errors: [{field?, message, parameters?, errorCode?}], uid?}` (GEN-MSG `ApiErrorCollection`).
      const errors = jsonObject(facts.bodyText)?.errors;
      if (!Array.isArray(errors)) return undefined;
      const parts = errors.flatMap((entry) => {
        if (typeof entry !== 'object' || entry === null) return [];
        const e = entry as Record<string, unknown>;
        const text = [str(e.errorCode), str(e.field), str(e.message)]
          .filter((x) => x !== undefined)
          .join(' ');
        return text === '' ? [] : [text];
      });
      return parts.length === 0 ? undefined : parts.join('; ');
    }
    case 'media-file':
      return undefined;
  }
};

export interface ClassifyOptions {
  /** Dates an HTTP-date `Retry-After` (epoch milliseconds, from the caller's clock). */
  readonly nowMs: number;
  /** Secrets and tokens to take out of a detail before it is cut to length. */
  readonly scrubber?: Scrubber;
}

/**
 * Maps a non-success response to the taxonomy. A 429 is `Throttled` with the `Retry-After` delay
 * (when given) and the family whose budget it counted against.
 */
export const classifyResponse = (
  family: ErrorFamily,
  req: RequestInfo,
  facts: ResponseFacts,
  options: ClassifyOptions,
): PluginError => {
  const detail = errorDetail(family, facts);
  const message = `${describeRequest(req)}: HTTP ${facts.status}${detail === undefined ? '' : ` ${cleanDetail(detail, options.scrubber)}`}`;
  if (family === 'cxone-auth' && facts.status !== 429 && facts.status < 500) {
    const code = str(jsonObject(facts.bodyText)?.error);
    if (code !== undefined && TOKEN_AUTH_ERRORS.has(code)) return PluginErrors.auth(message);
  }
  if (facts.status === 429) {
    const retryAfterMs = parseRetryAfter(facts.headers.get('retry-after'), options.nowMs);
    return PluginErrors.throttled(message, retryAfterMs, family === 'media-file' ? undefined : family);
  }
  return classifyHttpStatus(facts.status, message);
};

/** Reads at most a few KiB of an error body (never for `media-file` or `acd`), then releases the connection. */
const readErrorBody = async (family: ErrorFamily, res: Response): Promise<string> => {
  if (family === 'media-file' || family === 'cxone-acd' || res.body === null) {
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
  family: ErrorFamily,
  req: RequestInfo,
  res: Response,
  options: ClassifyOptions,
): Promise<PluginError> => {
  const bodyText = await readErrorBody(family, res);
  return classifyResponse(family, req, { status: res.status, headers: res.headers, bodyText }, options);
};

/** The caller's signal aborted the request (the run is stopping): nothing failed on CXone's side. */
export const abortedError = (req: RequestInfo): PluginError =>
  PluginErrors.transient(`${describeRequest(req)}: aborted`);

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
