import type { KeyObject } from 'node:crypto';
import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import { unexpectedBody } from './errors.js';
import { readJsonObject } from './http.js';
import { rsaKeyFromJwk } from './id-token.js';
import { failure, sendBudgeted, type Transport } from './transport.js';

/**
 * The issuer's signing keys, from its `jwks_uri` (`GET /auth/jwks` → `{keys:[{kty,kid,n,e,…}]}`,
 * GEN-AUTH), fetched on first use and again when a token names a `kid` the cached set lacks (key
 * rotation). A refetch happens at most once per `minRefetchMs`, so tokens naming unknown keys cannot
 * turn into a JWKS request each. Entries that are not RSA signing keys are skipped.
 */
export interface JwksCache {
  /** The key named `kid`; with `refresh`, the JWKS is fetched again first (unless it just was). */
  key(
    kid: string,
    refresh: boolean,
    signal: AbortSignal,
  ): Promise<Result<KeyObject | undefined, PluginError>>;
}

export interface JwksDeps {
  readonly transport: Transport;
  readonly jwksUri: string;
  readonly minRefetchMs: number;
}

const fetchKeys = async (
  deps: JwksDeps,
  signal: AbortSignal,
): Promise<Result<ReadonlyMap<string, KeyObject>, PluginError>> => {
  const req = { method: 'GET', url: deps.jwksUri, headers: { Accept: 'application/json' } };
  const sent = await sendBudgeted(deps.transport, 'cxone-auth', req, signal);
  if (sent.isErr()) return err(sent.error);
  if (sent.value.status !== 200) {
    const e = await failure(deps.transport, 'cxone-auth', req, sent.value);
    return err({ ...e, message: `JWKS: ${e.message}` });
  }
  const body = await readJsonObject(req, sent.value, { timeoutMs: deps.transport.timeoutMs, signal });
  if (body.isErr()) return err(body.error);
  if (!Array.isArray(body.value.keys)) return err(unexpectedBody(req, 'no keys array'));
  const keys = new Map<string, KeyObject>();
  for (const entry of body.value.keys as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as Record<string, unknown>;
    if (typeof jwk.kid !== 'string') continue;
    const key = rsaKeyFromJwk(jwk);
    if (typeof key !== 'string') keys.set(jwk.kid, key);
  }
  return ok(keys);
};

export const createJwksCache = (deps: JwksDeps): JwksCache => {
  let keys: ReadonlyMap<string, KeyObject> | undefined;
  let fetchedAtMs = Number.NEGATIVE_INFINITY;
  let inflight: Promise<Result<ReadonlyMap<string, KeyObject>, PluginError>> | undefined;

  const load = (signal: AbortSignal) => {
    inflight ??= fetchKeys(deps, signal).then((r) => {
      inflight = undefined;
      if (r.isOk()) {
        keys = r.value;
        fetchedAtMs = deps.transport.now().getTime();
      }
      return r;
    });
    return inflight;
  };

  return {
    async key(kid, refresh, signal) {
      const recent = deps.transport.now().getTime() - fetchedAtMs < deps.minRefetchMs;
      if (keys === undefined || (refresh && !recent)) {
        const loaded = await load(signal);
        if (loaded.isErr()) return err(loaded.error);
      }
      return ok(keys?.get(kid));
    },
  };
};
