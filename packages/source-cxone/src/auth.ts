import {
  err,
  ok,
  type PluginError,
  PluginErrors,
  Redacted,
  type Result,
  type SecretScrubber,
} from '@cxarchive/core';
import { errorFromResponse, unexpectedBody } from './errors.js';
import { readJsonObject, send } from './http.js';
import { decodeJwtClaims, stringClaim } from './jwt.js';
import type { Settings } from './settings.js';
import { queryString, trimBase, urlProblem } from './urls.js';

/**
 * The auth port (reference §1): OpenID discovery → password grant with the access key →
 * cached bearer token, renewed `tokenRefreshSkew` before expiry or after a 401; and the tenant's
 * API base from the token's `tenantId` claim and `.well-known/cxone-configuration`.
 */
export interface Auth {
  /** A bearer token that is not about to expire. */
  token(): Promise<Result<string, PluginError>>;
  /** A new token after `rejected` was answered with 401 (shared if another call already renewed it). */
  renew(rejected: string): Promise<Result<string, PluginError>>;
  /** The tenant's API base URL, without a trailing slash. */
  apiBase(): Promise<Result<string, PluginError>>;
}

export interface AuthDeps {
  readonly settings: Settings;
  readonly now: () => Date;
  /** Every token obtained is registered here, so no message can ever carry it. */
  readonly scrubber: SecretScrubber;
  readonly fetchImpl?: typeof fetch;
}

interface TokenState {
  readonly value: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** Used when the token response says nothing about lifetime ("generally an hour", reference §1). */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
const JSON_ACCEPT = { Accept: 'application/json' } as const;

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

/** The API base from a cxone-configuration document: `api_endpoint`, else `https://api-{area}.{domain}`. */
export const apiBaseFromConfiguration = (doc: Record<string, unknown>): string | undefined => {
  if (typeof doc.api_endpoint === 'string' && doc.api_endpoint !== '') return trimBase(doc.api_endpoint);
  const { area, domain } = doc;
  if (typeof area === 'string' && typeof domain === 'string' && /^[a-z0-9-]+$/i.test(area) && domain !== '') {
    return `https://api-${area}.${domain}`;
  }
  return undefined;
};

/** Memoises a successful async result; a failure is not kept, so the next call tries again. */
const onceOk = <T>(make: () => Promise<Result<T, PluginError>>) => {
  let pending: Promise<Result<T, PluginError>> | undefined;
  return (): Promise<Result<T, PluginError>> => {
    if (pending === undefined) {
      const attempt = make();
      pending = attempt;
      void attempt.then((r) => {
        if (r.isErr() && pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
};

export const createAuth = (deps: AuthDeps): Auth => {
  const { settings, scrubber } = deps;
  const timeout = settings.requestTimeoutMs;
  const nowMs = () => deps.now().getTime();

  const getJson = async (
    url: string,
    label: string,
  ): Promise<Result<Record<string, unknown>, PluginError>> => {
    const req = { method: 'GET', url, headers: JSON_ACCEPT };
    const sent = await send(req, timeout, deps.fetchImpl);
    if (sent.isErr()) return err(sent.error);
    const res = sent.value;
    if (res.status !== 200) {
      const e = await errorFromResponse('other', req, res, nowMs());
      return err({ ...e, message: `${label}: ${e.message}` });
    }
    return readJsonObject(req, res, timeout);
  };

  const tokenEndpoint = onceOk(async (): Promise<Result<string, PluginError>> => {
    const url = `${settings.issuer}/.well-known/openid-configuration`;
    const doc = await getJson(url, 'OpenID discovery');
    if (doc.isErr()) return err(doc.error);
    const endpoint = doc.value.token_endpoint;
    if (typeof endpoint !== 'string') {
      return err(unexpectedBody({ method: 'GET', url }, 'no token_endpoint'));
    }
    const problem = urlProblem(endpoint);
    if (problem !== undefined) return err(PluginErrors.permanent(`the discovered token_endpoint ${problem}`));
    return ok(endpoint);
  });

  const requestToken = async (): Promise<Result<TokenState, PluginError>> => {
    const endpoint = await tokenEndpoint();
    if (endpoint.isErr()) return err(endpoint.error);
    const form = new URLSearchParams({
      grant_type: 'password',
      username: Redacted.value(settings.accessKeyId),
      password: Redacted.value(settings.accessKeySecret),
    });
    const headers: Record<string, string> = {
      ...JSON_ACCEPT,
      'Content-Type': 'application/x-www-form-urlencoded',
    };
    if (settings.clientAuth === 'basic') {
      const pair = `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(Redacted.value(settings.clientSecret))}`;
      headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', settings.clientId);
      form.set('client_secret', Redacted.value(settings.clientSecret));
    }
    const req = { method: 'POST', url: endpoint.value, headers, body: form.toString() };
    const sent = await send(req, timeout, deps.fetchImpl);
    if (sent.isErr()) return err(sent.error);
    const res = sent.value;
    if (res.status !== 200) return err(await errorFromResponse('token', req, res, nowMs()));
    const body = await readJsonObject(req, res, timeout);
    if (body.isErr()) return err(body.error);
    const value = body.value.access_token;
    if (typeof value !== 'string' || value === '') return err(unexpectedBody(req, 'no access_token'));
    scrubber.add(value);
    const issuedAtMs = nowMs();
    return ok({ value, issuedAtMs, expiresAtMs: tokenExpiry(body.value, value, issuedAtMs) });
  };

  let current: TokenState | undefined;
  let inflight: Promise<Result<TokenState, PluginError>> | undefined;

  const refresh = (): Promise<Result<TokenState, PluginError>> => {
    if (inflight === undefined) {
      inflight = requestToken().then((r) => {
        inflight = undefined;
        if (r.isOk()) current = r.value;
        return r;
      });
    }
    return inflight;
  };

  const token = async (): Promise<Result<string, PluginError>> => {
    if (current !== undefined && isFresh(current, settings.tokenRefreshSkewMs, nowMs()))
      return ok(current.value);
    return (await refresh()).map((t) => t.value);
  };

  const renew = async (rejected: string): Promise<Result<string, PluginError>> => {
    if (
      current !== undefined &&
      current.value !== rejected &&
      isFresh(current, settings.tokenRefreshSkewMs, nowMs())
    ) {
      return ok(current.value);
    }
    if (current?.value === rejected) current = undefined;
    return (await refresh()).map((t) => t.value);
  };

  const discoveredBase = onceOk(async (): Promise<Result<string, PluginError>> => {
    const bearer = await token();
    if (bearer.isErr()) return err(bearer.error);
    const tenantId = stringClaim(decodeJwtClaims(bearer.value), 'tenantId');
    if (tenantId === undefined) {
      return err(
        PluginErrors.permanent(
          'the access token has no tenantId claim; set apiBaseUrl to skip tenant discovery',
        ),
      );
    }
    const url = `${settings.issuer}/.well-known/cxone-configuration?${queryString({ tenantId })}`;
    const doc = await getJson(url, 'tenant discovery');
    if (doc.isErr()) return err(doc.error);
    const base = apiBaseFromConfiguration(doc.value);
    if (base === undefined) return err(unexpectedBody({ method: 'GET', url }, 'no api_endpoint'));
    const problem = urlProblem(base);
    if (problem !== undefined) return err(PluginErrors.permanent(`the discovered api_endpoint ${problem}`));
    return ok(base);
  });

  const apiBase = async (): Promise<Result<string, PluginError>> =>
    settings.apiBaseUrl !== undefined ? ok(settings.apiBaseUrl) : discoveredBase();

  return { token, renew, apiBase };
};
