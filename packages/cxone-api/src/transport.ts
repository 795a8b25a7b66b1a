import { err, type PluginError, type Result } from '@cxarchive/core';
import { abortedError, errorFromResponse } from './errors.js';
import type { BudgetHook, CxoneFamily, ErrorFamily } from './families.js';
import { type HttpRequest, send } from './http.js';
import type { Scrubber } from './secrets.js';

/** What every request of the library shares: timeout, clock, scrubber, budget hook, fetch. */
export interface Transport {
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly scrubber: Scrubber;
  readonly budget: BudgetHook;
  readonly fetchImpl?: typeof fetch;
}

/**
 * Takes one request from `family`'s budget (waiting as long as the budget says), then sends.
 * The budget hook rejects only when `signal` aborts; anything else it throws is a defect and
 * propagates.
 */
export const sendBudgeted = async (
  transport: Transport,
  family: CxoneFamily,
  req: HttpRequest,
  signal: AbortSignal,
): Promise<Result<Response, PluginError>> => {
  if (signal.aborted) return err(abortedError(req));
  try {
    await transport.budget(family, signal);
  } catch (cause) {
    if (signal.aborted) return err(abortedError(req));
    throw cause;
  }
  return send(req, {
    timeoutMs: transport.timeoutMs,
    signal,
    ...(transport.fetchImpl === undefined ? {} : { fetchImpl: transport.fetchImpl }),
  });
};

/** The family's decoding of a failed response, scrubbed, dated by the transport's clock. */
export const failure = (
  transport: Transport,
  family: ErrorFamily,
  req: HttpRequest,
  res: Response,
): Promise<PluginError> =>
  errorFromResponse(family, req, res, { nowMs: transport.now().getTime(), scrubber: transport.scrubber });
