import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { RefusedAddressError } from './guarded-lookup.js';
import { parseRetryAfter } from './retry-after.js';
import type { Target } from './target.js';

/** What one request came to. */
export type Attempt =
  | { readonly kind: 'delivered'; readonly status: number }
  /** Worth another try: 408, 429, 5xx, a timeout, a connection error. */
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  /** Another try would fail the same way: a 4xx, a redirect, a refused address, a certificate. */
  | { readonly kind: 'fatal'; readonly reason: string };

export interface PostRequest {
  readonly target: Target;
  readonly agent: http.Agent;
  readonly policy: AddressPolicy;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly now: () => number;
}

const TLS_CODES = /^(CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

/** A status line as a message tells it; for a redirect, where to (its origin only). */
const describeStatus = (response: http.IncomingMessage): string => {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    let where = '';
    try {
      const location = response.headers.location;
      if (location) where = ` to ${new URL(location).origin}`;
    } catch {
      where = '';
    }
    return `the receiver answered ${status} (a redirect${where}); redirects are never followed: set url to the final address`;
  }
  return `the receiver answered ${status}`;
};

export const classifyResponse = (response: http.IncomingMessage, now: number): Attempt => {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const reason = describeStatus(response);
  if (status === 408 || status === 429 || status >= 500) {
    const header = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  return { kind: 'fatal', reason };
};

export const classifyError = (error: unknown): Attempt => {
  if (error instanceof RefusedAddressError) return { kind: 'fatal', reason: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TLS_CODES.test(code))
    return { kind: 'fatal', reason: `TLS: ${message} (${code})` };
  return { kind: 'retry', reason: typeof code === 'string' ? `${message} (${code})` : message };
};

/**
 * Sends one POST and reads the answer (its body is drained, not kept). Never follows a redirect.
 * The socket's peer address is checked again once connected (the lookup already checked it).
 */
export const postOnce = (request: PostRequest): Promise<Attempt> =>
  new Promise<Attempt>((resolve) => {
    const { target, signal } = request;
    let settled = false;
    const settle = (attempt: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(attempt);
    };
    const send = target.url.protocol === 'https:' ? https.request : http.request;
    const req = send(target.url, {
      method: 'POST',
      agent: request.agent,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    });
    const timer = setTimeout(() => {
      settle({ kind: 'retry', reason: `no answer within ${request.timeoutMs} ms (timeout)` });
      req.destroy();
    }, request.timeoutMs);
    const onAbort = (): void => {
      settle({ kind: 'fatal', reason: 'cancelled' });
      req.destroy();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket: Socket) => {
      const check = (): void => {
        const refusal = socket.remoteAddress ? request.policy.refusal(socket.remoteAddress) : undefined;
        if (refusal) {
          settle({ kind: 'fatal', reason: `the connection reached ${refusal}` });
          req.destroy();
        }
      };
      if (socket.remoteAddress) check();
      else socket.once('connect', check);
    });
    req.on('error', (error) => settle(classifyError(error)));
    req.on('response', (response) => {
      const attempt = classifyResponse(response, request.now());
      response.on('error', () => undefined);
      response.on('end', () => settle(attempt));
      response.on('close', () => settle(attempt));
      response.resume();
    });
    req.end(request.body);
  });
