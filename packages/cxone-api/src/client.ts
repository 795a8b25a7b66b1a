import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { type Auth, createAuth } from './auth.js';
import { discoverTenant, discoverTokenEndpoint, type TenantConfiguration } from './discovery.js';
import { describeRequest } from './errors.js';
import type { BudgetHook, CxoneFamily } from './families.js';
import { discard, type HttpRequest, readJsonObject, withSignal } from './http.js';
import { decodeJwtClaims, stringClaim } from './jwt.js';
import { type CxoneCredentials, registerCredentials, type Scrubber } from './secrets.js';
import { streamRequest } from './stream-request.js';
import { failure, sendBudgeted, type Transport } from './transport.js';

export interface CxoneClientOptions {
  /** The OpenID issuer, without a trailing slash (e.g. `https://cxone.niceincontact.com`). */
  readonly issuer: string;
  /** The tenant's API base; when set, tenant discovery is skipped for `apiBase()`. */
  readonly apiBaseUrl?: string;
  readonly credentials: CxoneCredentials;
  /** Bounds each request (headers and body). */
  readonly requestTimeoutMs: number;
  /** The token is renewed this long before it expires (at most half its lifetime early). */
  readonly tokenRefreshSkewMs: number;
  /** The caller's clock (token expiry, `Retry-After` dates); default real time. */
  readonly now?: () => Date;
  /**
   * Receives the credentials (in every encoding they travel in) and every token obtained; error
   * details are scrubbed with it before they are cut to length.
   */
  readonly scrubber: Scrubber;
  /** Called before every request with its family; default: no budget. */
  readonly budget?: BudgetHook;
  readonly fetchImpl?: typeof fetch;
}

/** One authorised request to an API family. */
export interface ApiRequest {
  readonly family: CxoneFamily;
  /** Default `GET`. */
  readonly method?: string;
  readonly url: string;
  /** Added to `Accept: application/json` and the bearer token. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * A streamed body, sent instead of `body` (e.g. a large upload that must never sit in memory).
   * It is opened once per attempt: a 401 renews the token and opens it again. Answer `undefined`
   * when it cannot be opened again; that 401 is then a Transient error (the token is already
   * renewed, so the caller's retry succeeds).
   */
  readonly bodyStream?: () => AsyncIterable<Uint8Array> | undefined;
  /** The streamed body's length in bytes, sent as `Content-Length` when known. */
  readonly bodyLength?: number;
  /** Bounds this request (headers and body) instead of the client's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Aborts the request (and the wait for budget or a token). */
  readonly signal: AbortSignal;
}

export interface JsonRequest extends ApiRequest {
  /** Statuses that mean "nothing here" for this endpoint (e.g. 204): answered without a body. */
  readonly empty?: readonly number[];
}

export interface JsonAnswer {
  readonly status: number;
  /** The JSON object of a 200/201; absent for an `empty` status. */
  readonly body?: Record<string, unknown>;
}

export interface CxoneClient {
  /** A bearer token that is not about to expire. */
  token(signal: AbortSignal): Promise<Result<string, PluginError>>;
  /** The tenant's `cxone-configuration` (discovered once per client). */
  tenant(signal: AbortSignal): Promise<Result<TenantConfiguration, PluginError>>;
  /** The tenant's API base, without a trailing slash: `apiBaseUrl`, else discovered. */
  apiBase(signal: AbortSignal): Promise<Result<string, PluginError>>;
  /**
   * Sends an authorised request: takes one request from the family's budget, sends
   * `Accept: application/json` and the bearer token; a 401 renews the token and repeats the call
   * once (budget taken again); a second 401 is an `Auth` error. Any other status is handed back
   * for the caller to interpret (200, 204, 404 mean different things per endpoint).
   */
  request(req: ApiRequest): Promise<Result<Response, PluginError>>;
  /** `request`, then the JSON object of a 200/201, nothing for an `empty` status, `fail` for the rest. */
  requestJson(req: JsonRequest): Promise<Result<JsonAnswer, PluginError>>;
  /** The family's decoding of a response the caller does not accept. Releases the connection. */
  fail(req: ApiRequest, res: Response): Promise<PluginError>;
  /** Aborts shared work still in flight (a token request). */
  close(): void;
}

/** Memoises a successful shared result; a failure is not kept, so the next call tries again. */
const onceOk = <T>(make: () => Promise<Result<T, PluginError>>) => {
  let pending: Promise<Result<T, PluginError>> | undefined;
  return (): Promise<Result<T, PluginError>> => {
    if (pending === undefined) {
      const attempt = make();
      pending = attempt;
      const forget = () => {
        if (pending === attempt) pending = undefined;
      };
      attempt.then((r) => r.isErr() && forget(), forget);
    }
    return pending;
  };
};

const noBudget: BudgetHook = async () => {};

const httpRequest = (req: ApiRequest, bearer: string): HttpRequest => ({
  method: req.method ?? 'GET',
  url: req.url,
  headers: { ...req.headers, Accept: 'application/json', Authorization: `Bearer ${bearer}` },
  ...(req.body === undefined ? {} : { body: req.body }),
});

const info = (req: ApiRequest) => ({ method: req.method ?? 'GET', url: req.url });

/**
 * One attempt of `req` with `bearer`: a string body as is; a streamed body opened for this attempt
 * and handed to fetch as a half-duplex stream, with its length when known.
 */
const attempt = (transport: Transport, req: ApiRequest, bearer: string) => {
  const bounded = req.timeoutMs === undefined ? transport : { ...transport, timeoutMs: req.timeoutMs };
  if (req.bodyStream === undefined)
    return sendBudgeted(bounded, req.family, httpRequest(req, bearer), req.signal);
  const body = req.bodyStream();
  if (body === undefined) {
    return Promise.resolve(
      err(
        PluginErrors.transient(
          `${describeRequest(info(req))}: the token was refused after the body was sent and has been renewed; send the request again`,
        ),
      ),
    );
  }
  // An injected fetch (tests) gets the stream as a half-duplex body; otherwise node:http streams it
  // with backpressure (stream-request.ts: Node's fetch would hold the whole body in memory).
  const injected = bounded.fetchImpl;
  const streaming: Transport = {
    ...bounded,
    fetchImpl: ((url: string | URL | Request, init?: RequestInit) =>
      injected === undefined
        ? streamRequest(String(url), {
            method: init?.method ?? 'POST',
            headers: Object.fromEntries(new Headers(init?.headers).entries()),
            body,
            ...(init?.signal == null ? {} : { signal: init.signal }),
          })
        : injected(url, {
            ...init,
            body: body as unknown as RequestInit['body'],
            duplex: 'half',
          } as RequestInit)) as typeof fetch,
  };
  const plain = httpRequest(req, bearer);
  const headers =
    req.bodyLength === undefined
      ? plain.headers
      : { ...plain.headers, 'Content-Length': String(req.bodyLength) };
  return sendBudgeted(
    streaming,
    req.family,
    { ...plain, ...(headers === undefined ? {} : { headers }) },
    req.signal,
  );
};

export const createCxoneClient = (options: CxoneClientOptions): CxoneClient => {
  registerCredentials(options.scrubber, options.credentials);
  const transport: Transport = {
    timeoutMs: options.requestTimeoutMs,
    now: options.now ?? (() => new Date()),
    scrubber: options.scrubber,
    budget: options.budget ?? noBudget,
    ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
  };
  const lifetime = new AbortController();

  const tokenEndpoint = onceOk(() => discoverTokenEndpoint(transport, options.issuer, lifetime.signal));
  const auth: Auth = createAuth({
    transport,
    credentials: options.credentials,
    tokenRefreshSkewMs: options.tokenRefreshSkewMs,
    tokenEndpoint: () => tokenEndpoint(),
    lifetime: lifetime.signal,
    // No token is used before its id_token verified against the issuer's JWKS (CXone publishes one).
    verifyIdToken: true,
  });

  const discovered = onceOk(async (): Promise<Result<TenantConfiguration, PluginError>> => {
    const bearer = await auth.token(lifetime.signal);
    if (bearer.isErr()) return err(bearer.error);
    const tenantId = stringClaim(decodeJwtClaims(bearer.value), 'tenantId');
    if (tenantId === undefined) {
      return err(
        PluginErrors.permanent(
          'the access token has no tenantId claim; set the API base URL to skip tenant discovery',
        ),
      );
    }
    return discoverTenant(transport, options.issuer, tenantId, lifetime.signal);
  });

  const tenant = (signal: AbortSignal) =>
    withSignal(discovered(), signal, {
      method: 'GET',
      url: `${options.issuer}/.well-known/cxone-configuration`,
    });

  const apiBase = async (signal: AbortSignal): Promise<Result<string, PluginError>> =>
    options.apiBaseUrl !== undefined ? ok(options.apiBaseUrl) : (await tenant(signal)).map((t) => t.apiBase);

  const fail = (req: ApiRequest, res: Response) => failure(transport, req.family, info(req), res);

  const request = async (req: ApiRequest): Promise<Result<Response, PluginError>> => {
    const first = await auth.token(req.signal);
    if (first.isErr()) return err(first.error);
    const firstTry = await attempt(transport, req, first.value);
    if (firstTry.isErr() || firstTry.value.status !== 401) return firstTry;
    await discard(firstTry.value);
    const second = await auth.renew(first.value, req.signal);
    if (second.isErr()) return err(second.error);
    const secondTry = await attempt(transport, req, second.value);
    if (secondTry.isErr()) return secondTry;
    if (secondTry.value.status === 401) return err(await fail(req, secondTry.value));
    return ok(secondTry.value);
  };

  const requestJson = async (req: JsonRequest): Promise<Result<JsonAnswer, PluginError>> => {
    const sent = await request(req);
    if (sent.isErr()) return err(sent.error);
    const res = sent.value;
    if (res.status === 200 || res.status === 201) {
      const body = await readJsonObject(info(req), res, {
        timeoutMs: transport.timeoutMs,
        signal: req.signal,
      });
      return body.map((value) => ({ status: res.status, body: value }));
    }
    if (req.empty?.includes(res.status) === true) {
      await discard(res);
      return ok({ status: res.status });
    }
    return err(await fail(req, res));
  };

  return {
    token: (signal) => auth.token(signal),
    tenant,
    apiBase,
    request,
    requestJson,
    fail,
    close: () => lifetime.abort(),
  };
};
