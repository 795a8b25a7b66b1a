import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import { bodyReadError, networkError, type RequestInfo, unexpectedBody } from './errors.js';

export interface HttpRequest extends RequestInfo {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * One HTTP exchange, bounded by `timeoutMs` (headers and body). Never throws: a request that
 * produces no response is a transient PluginError. Any status is a success here; callers map them.
 */
export const send = async (
  req: HttpRequest,
  timeoutMs: number,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<Result<Response, PluginError>> => {
  try {
    const res = await fetchImpl(req.url, {
      method: req.method,
      ...(req.headers === undefined ? {} : { headers: req.headers }),
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return ok(res);
  } catch (cause) {
    return err(networkError(req, cause, timeoutMs));
  }
};

/** Reads a success body as a JSON object. */
export const readJsonObject = async (
  req: RequestInfo,
  res: Response,
  timeoutMs: number,
): Promise<Result<Record<string, unknown>, PluginError>> => {
  let value: unknown;
  try {
    value = JSON.parse(await res.text());
  } catch (cause) {
    return err(bodyReadError(req, cause, timeoutMs));
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? ok(value as Record<string, unknown>)
    : err(unexpectedBody(req, 'expected a JSON object'));
};

/** Releases a response's connection without reading it. */
export const discard = async (res: Response): Promise<void> => {
  await res.body?.cancel().catch(() => {});
};
