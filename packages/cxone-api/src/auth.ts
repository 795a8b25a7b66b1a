import { err, ok, type PluginError, PluginErrors, Redacted, type Result } from '@cxarchive/core';
import type { OpenIdEndpoints } from './discovery.js';
import { unexpectedBody } from './errors.js';
import { readJsonObject, withSignal } from './http.js';
import { verifyIdToken } from './id-token.js';
import { createJwksCache, type JwksCache } from './jwks.js';
import { decodeJwtClaims } from './jwt.js';
import { basicCredentials, type CxoneCredentials } from './secrets.js';
import { failure, sendBudgeted, type Transport } from './transport.js';

/**
 * The token port (reference §1): the password grant with the API user's access key at the
 * discovered token endpoint, and a cached bearer token renewed `tokenRefreshSkew` before it
 * expires or after a 401. Every token obtained is registered with the scrubber before anything
 * else happens to it. With `verifyIdToken`, when the issuer publishes a JWKS (CXone does), no token
 * is used before the id_token that came with it verified against it (id-token.ts): an answer that
 * is not the issuer's is refused as `Auth`.
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
  /**
   * The issuer's OpenID endpoints (memoised by the caller): the token endpoint, and the issuer and
   * JWKS the id_token is verified against.
   */
  readonly tokenEndpoint: (signal: AbortSignal) => Promise<Result<OpenIdEndpoints, PluginError>>;
  /**
   * Verify each token response's id_token against the issuer's JWKS (when the issuer publishes one,
   * as CXone does) before any token is used. Default false until the client turns it on.
   */
  readonly verifyIdToken?: boolean;
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

/** Tolerance for clock differences in the id_token's `exp` and `nbf`: NICE's SDK allows 60 s. */
export const ID_TOKEN_CLOCK_SKEW_MS = 60_000;

/** The JWKS is fetched again for an unknown `kid` at most once a minute. */
const JWKS_MIN_REFETCH_MS = 60_000;

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

  let jwks: { readonly uri: string; readonly cache: JwksCache } | undefined;
  const jwksCache = (uri: string): JwksCache => {
    if (jwks?.uri !== uri) {
      jwks = { uri, cache: createJwksCache({ transport, jwksUri: uri, minRefetchMs: JWKS_MIN_REFETCH_MS }) };
    }
    return jwks.cache;
  };

  /** The id_token of a token response verified against the issuer's JWKS; the error if it is not. */
  const verifyTokenResponse = async (
    idToken: unknown,
    openId: OpenIdEndpoints,
    jwksUri: string,
  ): Promise<PluginError | undefined> => {
    if (typeof idToken !== 'string' || idToken === '') {
      return PluginErrors.auth(
        'the token endpoint answered without an id_token, so the answer cannot be verified',
      );
    }
    const keys = jwksCache(jwksUri);
    const verified = await verifyIdToken(
      idToken,
      {
        issuer: openId.issuer,
        audience: credentials.clientId,
        nowMs: nowMs(),
        clockSkewMs: ID_TOKEN_CLOCK_SKEW_MS,
      },
      (kid, refresh) => keys.key(kid, refresh, lifetime),
    );
    return verified.isErr() ? verified.error : undefined;
  };

  const requestToken = async (): Promise<Result<TokenState, PluginError>> => {
    const endpoints = await deps.tokenEndpoint(lifetime);
    if (endpoints.isErr()) return err(endpoints.error);
    const openId = endpoints.value;
    const req = { method: 'POST', url: openId.tokenEndpoint, ...passwordGrant(credentials) };
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
    if (deps.verifyIdToken === true && openId.jwksUri !== undefined) {
      const verified = await verifyTokenResponse(body.value.id_token, openId, openId.jwksUri);
      if (verified !== undefined) return err(verified);
    }
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
