import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { unexpectedBody } from './errors.js';
import { readJsonObject } from './http.js';
import { failure, sendBudgeted, type Transport } from './transport.js';
import { queryString, trimBase, urlProblem } from './urls.js';

/**
 * Discovery on the auth server (reference §1), unauthenticated, counted against the `auth` budget:
 * - `GET {issuer}/.well-known/openid-configuration` → `token_endpoint`;
 * - `GET {issuer}/.well-known/cxone-configuration?tenantId=` → where the tenant lives.
 */

/** What the library reads of a tenant's `cxone-configuration` document. */
export interface TenantConfiguration {
  /** The API base without a trailing slash: `api_endpoint`, else `https://api-{area}.{domain}`. */
  readonly apiBase: string;
  readonly area?: string;
  readonly domain?: string;
}

const JSON_ACCEPT = { Accept: 'application/json' } as const;

/** The API base from a cxone-configuration document: `api_endpoint`, else `https://api-{area}.{domain}`. */
export const apiBaseFromConfiguration = (doc: Readonly<Record<string, unknown>>): string | undefined => {
  if (typeof doc.api_endpoint === 'string' && doc.api_endpoint !== '') return trimBase(doc.api_endpoint);
  const { area, domain } = doc;
  if (typeof area === 'string' && typeof domain === 'string' && /^[a-z0-9-]+$/i.test(area) && domain !== '') {
    return `https://api-${area}.${domain}`;
  }
  return undefined;
};

const getJson = async (
  transport: Transport,
  url: string,
  label: string,
  signal: AbortSignal,
): Promise<Result<Record<string, unknown>, PluginError>> => {
  const req = { method: 'GET', url, headers: JSON_ACCEPT };
  const sent = await sendBudgeted(transport, 'cxone-auth', req, signal);
  if (sent.isErr()) return err(sent.error);
  const res = sent.value;
  if (res.status !== 200) {
    const e = await failure(transport, 'cxone-auth', req, res);
    return err({ ...e, message: `${label}: ${e.message}` });
  }
  return readJsonObject(req, res, { timeoutMs: transport.timeoutMs, signal });
};

/** The token endpoint the issuer publishes; it must pass the URL rule (https, or http to loopback). */
export const discoverTokenEndpoint = async (
  transport: Transport,
  issuer: string,
  signal: AbortSignal,
): Promise<Result<string, PluginError>> => {
  const url = `${issuer}/.well-known/openid-configuration`;
  const doc = await getJson(transport, url, 'OpenID discovery', signal);
  if (doc.isErr()) return err(doc.error);
  const endpoint = doc.value.token_endpoint;
  if (typeof endpoint !== 'string') return err(unexpectedBody({ method: 'GET', url }, 'no token_endpoint'));
  const problem = urlProblem(endpoint);
  if (problem !== undefined) return err(PluginErrors.permanent(`the discovered token_endpoint ${problem}`));
  return ok(endpoint);
};

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Where the tenant lives, from its id (the access token's `tenantId` claim). */
export const discoverTenant = async (
  transport: Transport,
  issuer: string,
  tenantId: string,
  signal: AbortSignal,
): Promise<Result<TenantConfiguration, PluginError>> => {
  const url = `${issuer}/.well-known/cxone-configuration?${queryString({ tenantId })}`;
  const doc = await getJson(transport, url, 'tenant discovery', signal);
  if (doc.isErr()) return err(doc.error);
  const apiBase = apiBaseFromConfiguration(doc.value);
  if (apiBase === undefined) return err(unexpectedBody({ method: 'GET', url }, 'no api_endpoint'));
  const problem = urlProblem(apiBase);
  if (problem !== undefined) return err(PluginErrors.permanent(`the discovered api_endpoint ${problem}`));
  const area = optionalString(doc.value.area);
  const domain = optionalString(doc.value.domain);
  return ok({
    apiBase,
    ...(area === undefined ? {} : { area }),
    ...(domain === undefined ? {} : { domain }),
  });
};
