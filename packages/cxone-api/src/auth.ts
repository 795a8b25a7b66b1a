import { err, ok, type PluginError, Redacted, type Result } from '@cxarchive/core';
import { unexpectedBody } from './errors.js';
import { readJsonObject, withSignal } from './http.js';
import { decodeJwtClaims } from './jwt.js';
import { basicCredentials, type CxoneCredentials } from './secrets.js';
import { failure, sendBudgeted, type Transport } from './transport.js';

/**
 * The token port (reference §1): the password grant with the API user's access key at the
 * discovered token endpoint, and a cached bearer token renewed `tokenRefreshSkew` before it
 * expires or after a 401. Every token obtained is registered with the scrubber before anything
 * else happens to it.
 */
export interface Auth {
  /** A bearer token that is not about to expire. */
  token(signal: AbortSignal): Promise<Result<string, PluginError>>;
  /** A new token after `rejected` was answered with 401 (shared if another call already renewed it). */
  renew(rejected: string, signal: AbortSignal): Promise<Result<string, PluginError>>;
}

export interface AuthDeps {
  readonly transport: Transport;
  readonly credentials: CxoneCredentials;
  readonly tokenRefreshSkewMs: number;
  /** The token endpoint (memoised by the caller). */
  readonly tokenEndpoint: (signal: AbortSignal) => Promise<Result<string, PluginError>>;
  /**
   * The signal of shared work (a token request several callers wait on): aborted when the
   * client closes, never by one caller.
   */
  readonly lifetime: AbortSignal;
}

export interface TokenState {
  readonly value: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** Used when the token response says nothing about lifetime ("generally an hour", reference §1). */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

/** Token lifetime: `expires_in`, else the JWT `exp` claim, else an hour. */
export const tokenExpiry = (body: Record<string, unknown>, token: string, nowMs: number): number => {
  const expiresIn = Number(body.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn > 0) return nowMs + expiresIn * 1000;
  const exp = decodeJwtClaims(token)?.exp;
  if (typeof exp === 'number' && Number.isFinite(exp) && exp * 1000 > nowMs) return exp * 1000;
  return nowMs + DEFAULT_TOKEN_LIFETIME_MS;
};

/**
 * A token is renewed `skew` before it expires, but never more than half its lifetime early, so a
 * short-lived token (or a large skew) does not turn into a token request per API call.
 */
export const isFresh = (token: TokenState, skewMs: number, nowMs: number): boolean => {
  const lifetime = token.expiresAtMs - token.issuedAtMs;
  return nowMs < token.expiresAtMs - Math.min(skewMs, lifetime / 2);
};

/** The form and headers of the password grant, with the client sent as `clientAuth` says. */
export const passwordGrant = (
  credentials: CxoneCredentials,
): { readonly headers: Record<string, string>; readonly body: string } => {
  const form = new URLSearchParams({
    grant_type: 'password',
    username: Redacted.value(credentials.accessKeyId),
    password: Redacted.value(credentials.accessKeySecret),
  });
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  const clientSecret = Redacted.value(credentials.clientSecret);
  if (credentials.clientAuth === 'basic') {
    headers.Authorization = `Basic ${basicCredentials(credentials.clientId, clientSecret)}`;
  } else {
    form.set('client_id', credentials.clientId);
    form.set('client_secret', clientSecret);
  }
  return { headers, body: form.toString() };
};

export const createAuth = (deps: AuthDeps): Auth => {
  const { transport, credentials, lifetime } = deps;
  const nowMs = () => transport.now().getTime();

  const requestToken = async (): Promise<Result<TokenState, PluginError>> => {
    const endpoint = await deps.tokenEndpoint(lifetime);
    if (endpoint.isErr()) return err(endpoint.error);
    const req = { method: 'POST', url: endpoint.value, ...passwordGrant(credentials) };
    const sent = await sendBudgeted(transport, 'cxone-auth', req, lifetime);
    if (sent.isErr()) return err(sent.error);
    const res = sent.value;
    if (res.status !== 200) return err(await failure(transport, 'cxone-auth', req, res));
    const body = await readJsonObject(req, res, { timeoutMs: transport.timeoutMs, signal: lifetime });
    if (body.isErr()) return err(body.error);
    for (const key of ['access_token', 'refresh_token', 'id_token']) {
      const secret = body.value[key];
      if (typeof secret === 'string') transport.scrubber.add(secret);
    }
    const value = body.value.access_token;
    if (typeof value !== 'string' || value === '') return err(unexpectedBody(req, 'no access_token'));
    const issuedAtMs = nowMs();
    return ok({ value, issuedAtMs, expiresAtMs: tokenExpiry(body.value, value, issuedAtMs) });
  };

  let current: TokenState | undefined;
  let inflight: Promise<Result<TokenState, PluginError>> | undefined;

  const refresh = (signal: AbortSignal): Promise<Result<TokenState, PluginError>> => {
    if (inflight === undefined) {
      inflight = requestToken().then(
        (r) => {
          inflight = undefined;
          if (r.isOk()) current = r.value;
          return r;
        },
        (cause: unknown) => {
          inflight = undefined;
          throw cause;
        },
      );
    }
    return withSignal(inflight, signal, { method: 'POST', url: 'token endpoint' });
  };

  const fresh = (state: TokenState | undefined): state is TokenState =>
    state !== undefined && isFresh(state, deps.tokenRefreshSkewMs, nowMs());

  const token = async (signal: AbortSignal): Promise<Result<string, PluginError>> => {
    if (fresh(current)) return ok(current.value);
    return (await refresh(signal)).map((t) => t.value);
  };

  const renew = async (rejected: string, signal: AbortSignal): Promise<Result<string, PluginError>> => {
    if (fresh(current) && current.value !== rejected) return ok(current.value);
    if (current?.value === rejected) current = undefined;
    return (await refresh(signal)).map((t) => t.value);
  };

  return { token, renew };
};
