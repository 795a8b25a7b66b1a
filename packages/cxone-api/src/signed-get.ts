import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { abortedError, describeRequest, errorFromResponse, networkError } from './errors.js';
import { urlProblem } from './urls.js';

/**
 * A plain GET of a pre-signed storage URL (a Data Extraction result, a media-download archive):
 * no bearer token and no budget, the signature is the credential (reference §4; D-DX). The URL
 * must be https (or http to a loopback host). Any status is handed back; `signedFailure` decodes
 * one as the `media-file` family does (status only: a storage error body can echo the signature).
 */
export interface SignedGetOptions {
  readonly signal: AbortSignal;
  /** Until the response head arrives; the body is bounded by the caller's signal. */
  readonly timeoutMs: number;
  readonly now?: () => Date;
  readonly fetchImpl?: typeof fetch;
}

export const signedGet = async (
  url: string,
  headers: Readonly<Record<string, string>>,
  options: SignedGetOptions,
): Promise<Result<Response, PluginError>> => {
  const req = { method: 'GET', url };
  const problem = urlProblem(url);
  if (problem !== undefined)
    return err(PluginErrors.permanent(`${describeRequest(req)}: the URL ${problem}`));
  if (options.signal.aborted) return err(abortedError(req));
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('timed out', 'TimeoutError')),
    options.timeoutMs,
  );
  timer.unref();
  try {
    const res = await (options.fetchImpl ?? globalThis.fetch)(url, {
      method: 'GET',
      headers,
      signal: controller.signal,
    });
    return ok(res);
  } catch (cause) {
    if (options.signal.aborted) return err(abortedError(req));
    return err(networkError(req, controller.signal.reason ?? cause, options.timeoutMs));
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
};

export const signedFailure = (
  url: string,
  res: Response,
  now: () => Date = () => new Date(),
): Promise<PluginError> =>
  errorFromResponse('media-file', { method: 'GET', url }, res, { nowMs: now().getTime() });
