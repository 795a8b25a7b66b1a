import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import { abortedError, bodyReadError, networkError, type RequestInfo, unexpectedBody } from './errors.js';

export interface HttpRequest extends RequestInfo {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface SendOptions {
  /** Bounds the whole exchange: headers and body. */
  readonly timeoutMs: number;
  /** The caller's signal: aborting it aborts the request and any body still being read. */
  readonly signal: AbortSignal;
  readonly fetchImpl?: typeof fetch;
}

/**
 * One HTTP exchange. Never throws: a request that produces no response is a transient PluginError
 * (`aborted` when the caller's signal did it). Any status is a success here; callers map them.
 */
export const send = async (
  req: HttpRequest,
  options: SendOptions,
): Promise<Result<Response, PluginError>> => {
  if (options.signal.aborted) return err(abortedError(req));
  try {
    const res = await (options.fetchImpl ?? globalThis.fetch)(req.url, {
      method: req.method,
      ...(req.headers === undefined ? {} : { headers: req.headers }),
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    return ok(res);
  } catch (cause) {
    return err(options.signal.aborted ? abortedError(req) : networkError(req, cause, options.timeoutMs));
  }
};

/** Reads a success body as a JSON object. */
export const readJsonObject = async (
  req: RequestInfo,
  res: Response,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<Result<Record<string, unknown>, PluginError>> => {
  let value: unknown;
  try {
    value = JSON.parse(await res.text());
  } catch (cause) {
    return err(
      options.signal?.aborted === true ? abortedError(req) : bodyReadError(req, cause, options.timeoutMs),
    );
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? ok(value as Record<string, unknown>)
    : err(unexpectedBody(req, 'expected a JSON object'));
};

/** Releases a response's connection without reading it. */
export const discard = async (res: Response): Promise<void> => {
  await res.body?.cancel().catch(() => {});
};

/**
 * Waits for a shared operation (a token request several callers wait on) as one caller: the
 * caller's abort ends its wait at once, without cancelling the operation for the others.
 */
export const withSignal = <T>(
  shared: Promise<Result<T, PluginError>>,
  signal: AbortSignal,
  req: RequestInfo,
): Promise<Result<T, PluginError>> => {
  if (signal.aborted) return Promise.resolve(err(abortedError(req)));
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(err(abortedError(req)));
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (cause: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(cause); // a defect: let it surface
      },
    );
  });
};
