import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import type { Auth } from './auth.js';
import { type ApiFamily, errorFromResponse } from './errors.js';
import { discard, send } from './http.js';

/**
 * Authorised GETs against the API families. Sends `Accept: application/json` and the bearer token;
 * a 401 renews the token once and repeats the call once; a second 401 is an Auth error.
 * Any other status is handed back for the caller to interpret (200, 204, 404 mean different things
 * per endpoint); `fail` maps the rest.
 */
export interface ApiClient {
  get(url: string, family: ApiFamily): Promise<Result<Response, PluginError>>;
  fail(family: ApiFamily, url: string, res: Response): Promise<PluginError>;
}

export interface ApiClientDeps {
  readonly auth: Auth;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly fetchImpl?: typeof fetch;
}

export const createApiClient = (deps: ApiClientDeps): ApiClient => {
  const call = (url: string, bearer: string) =>
    send(
      { method: 'GET', url, headers: { Accept: 'application/json', Authorization: `Bearer ${bearer}` } },
      deps.timeoutMs,
      deps.fetchImpl,
    );

  const fail = (family: ApiFamily, url: string, res: Response) =>
    errorFromResponse(family, { method: 'GET', url }, res, deps.now().getTime());

  const get = async (url: string, family: ApiFamily): Promise<Result<Response, PluginError>> => {
    const first = await deps.auth.token();
    if (first.isErr()) return err(first.error);
    const firstTry = await call(url, first.value);
    if (firstTry.isErr() || firstTry.value.status !== 401) return firstTry;
    await discard(firstTry.value);
    const second = await deps.auth.renew(first.value);
    if (second.isErr()) return err(second.error);
    const secondTry = await call(url, second.value);
    if (secondTry.isErr()) return secondTry;
    if (secondTry.value.status === 401) return err(await fail(family, url, secondTry.value));
    return ok(secondTry.value);
  };

  return { get, fail };
};
