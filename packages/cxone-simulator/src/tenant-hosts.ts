import { TENANT } from './options.js';

/**
 * Where the simulated tenant lives, as `cxone-configuration` and the tokens tell it. The values follow
 * the sample on NICE's "Using the API global authentication service" page (republished by RingCentral
 * Contact Center): `{area:'na1', cluster:'B32', domain:'niceincontact.com', acdDomain:'nice-incontact.com',
 * uhDomain:'nice-incontact.com', ui_endpoint:'https://na1.nice-incontact.com', …}`. Clients derive further
 * hosts from them (NICE's SDK: UserHub `https://{area}.{uhDomain}`, DFO `https://api-de-{area}.{domain}`,
 * ACD `https://api-{cluster}.{acdDomain}`; reference/cxone-fidelity.md §2.3), so none may be missing.
 */
export const TENANT_HOSTS = Object.freeze({
  area: TENANT.area,
  cluster: TENANT.clusterId,
  domain: TENANT.domain,
  acdDomain: 'nice-incontact.com',
  uhDomain: 'nice-incontact.com',
});

/**
 * The `iss` of access tokens: the same sample's access token names an auth host (`https://auth.dev.nice-incontact.com`
 * on NICE's dev platform), not the OpenID issuer its id_token and refresh token name, so a client must not
 * check an access token's `iss` against the issuer.
 */
export const ACCESS_TOKEN_ISSUER = `https://auth.${TENANT_HOSTS.uhDomain}`;
