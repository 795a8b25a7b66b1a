import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { unexpectedBody } from './errors.js';
import { readJsonObject } from './http.js';
import { failure, sendBudgeted, type Transport } from './transport.js';
import { queryString, trimBase, urlProblem } from './urls.js';

/**
 * Discovery on the auth server (reference §1), unauthenticated, counted against the `auth` budget:
 * - `GET {issuer}/.well-known/openid-configuration` → `token_endpoint`, `issuer`, `jwks_uri`;
 * - `GET {issuer}/.well-known/cxone-configuration?tenantId=` → where the tenant lives.
 */

/** What the library reads of a tenant's `cxone-configuration` document. */
export interface TenantConfiguration {
  /** The API base without a trailing slash: `api_endpoint`, else `https://api-{area}.{domain}`. */
  readonly apiBase: string;
  readonly area?: string;
  readonly domain?: string;
  /** The ACD cluster (e.g. `B32`) and its domain: NICE's SDK builds `https://api-{cluster}.{acdDomain}`. */
  readonly cluster?: string;
  readonly acdDomain?: string;
  /** The UserHub domain: `https://{area}.{uhDomain}`. */
  readonly uhDomain?: string;
  /** The digital (DFO) API base, `https://api-de-{area}.{domain}` (see `dfoBaseFromConfiguration`). */
  readonly dfoBase?: string;
}

/** A DNS label as `area` and `cluster` are (`na1`, `B32`): nothing that could move the host elsewhere. */
const LABEL = /^[a-z0-9-]+$/i;
/** A domain as the document gives it (`niceincontact.com`). */
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;

/**
 * The DFO (digital) API base, as NICE's SDK derives it (SDK-CFG `getDfoApiBaseUri`):
 * `https://api-de-{area}.{domain}`, except FedRAMP's `na2`, whose DFO lives on `nicecxone-gov.com`.
 */
export const dfoBaseFromConfiguration = (doc: Readonly<Record<string, unknown>>): string | undefined => {
  const { area, domain } = doc;
  if (typeof area !== 'string' || !LABEL.test(area)) return undefined;
  if (area === 'na2') return 'https://api-de-na2.nicecxone-gov.com';
  return typeof domain === 'string' && DOMAIN.test(domain) ? `https://api-de-${area}.${domain}` : undefined;
};

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

/**
 * What the library reads of the issuer's OpenID configuration: where to ask for tokens, and what
 * the id_token must be checked against (its `issuer`, the keys at its `jwks_uri`).
 */
export interface OpenIdEndpoints {
  readonly tokenEndpoint: string;
  /** The `issuer` the document names: the same as the configured one (OpenID Discovery §4.3). */
  readonly issuer: string;
  /**
   * The issuer's `jwks_uri` (CXone's: `{issuer}/auth/jwks`). When it is published, every token
   * response must carry an id_token that verifies against it; an issuer that publishes none gives
   * nothing to verify with.
   */
  readonly jwksUri?: string;
}

const discoveredUrl = (
  url: string,
  doc: Readonly<Record<string, unknown>>,
  name: string,
): Result<string, PluginError> => {
  const value = doc[name];
  if (typeof value !== 'string' || value === '')
    return err(unexpectedBody({ method: 'GET', url }, `no ${name}`));
  const problem = urlProblem(value);
  return problem === undefined ? ok(value) : err(PluginErrors.permanent(`the discovered ${name} ${problem}`));
};

/**
 * The issuer's OpenID configuration: `token_endpoint` and `jwks_uri` must pass the URL rule (https,
 * or http to loopback); `issuer` must be the configured issuer, or every id_token would be refused.
 */
export const discoverTokenEndpoint = async (
  transport: Transport,
  issuer: string,
  signal: AbortSignal,
): Promise<Result<OpenIdEndpoints, PluginError>> => {
  const url = `${issuer}/.well-known/openid-configuration`;
  const doc = await getJson(transport, url, 'OpenID discovery', signal);
  if (doc.isErr()) return err(doc.error);
  const tokenEndpoint = discoveredUrl(url, doc.value, 'token_endpoint');
  if (tokenEndpoint.isErr()) return err(tokenEndpoint.error);
  const jwksUri = doc.value.jwks_uri === undefined ? undefined : discoveredUrl(url, doc.value, 'jwks_uri');
  if (jwksUri?.isErr() === true) return err(jwksUri.error);
  const named = doc.value.issuer;
  if (typeof named !== 'string' || trimBase(named) !== trimBase(issuer)) {
    return err(
      PluginErrors.permanent(
        `OpenID discovery at ${issuer} names another issuer (${typeof named === 'string' ? named : 'none'}); set issuer to the one it names`,
      ),
    );
  }
  return ok({
    tokenEndpoint: tokenEndpoint.value,
    issuer: trimBase(named),
    ...(jwksUri?.isOk() === true ? { jwksUri: jwksUri.value } : {}),
  });
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
  const fields: Record<string, string> = {};
  for (const [name, rule] of [
    ['area', LABEL],
    ['cluster', LABEL],
    ['domain', DOMAIN],
    ['acdDomain', DOMAIN],
    ['uhDomain', DOMAIN],
  ] as const) {
    const value = optionalString(doc.value[name]);
    if (value !== undefined && rule.test(value)) fields[name] = value;
  }
  const dfoBase = dfoBaseFromConfiguration(doc.value);
  return ok({ apiBase, ...fields, ...(dfoBase === undefined ? {} : { dfoBase }) });
};
