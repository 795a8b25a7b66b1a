import type { RouteHandler } from '../route.js';
import { publicJwk, signingKey } from '../signing-keys.js';
import { TENANT_HOSTS } from '../tenant-hosts.js';

/**
 * GET /.well-known/openid-configuration: every member of the real document (NICE's "Using the API
 * global authentication service" sample; GEN-AUTH), with the simulator as issuer. The simulator serves
 * the token endpoint and the JWKS; `/auth/authorize`, `/auth/userinfo` and the logout endpoint are
 * advertised as the real issuer does, but answer 404 (no browser login here).
 */
export const openidConfiguration: RouteHandler = ({ reply, ctx }) => {
  const base = ctx.url;
  reply.json(200, {
    issuer: base,
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    userinfo_endpoint: `${base}/auth/userinfo`,
    jwks_uri: `${base}/auth/jwks`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    end_session_endpoint: `${base}/auth/authorize/logout`,
    scopes_supported: ['openid'],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    request_object_signing_alg_values_supported: ['none'],
    display_values_supported: ['page', 'popup'],
    claim_types_supported: ['normal'],
    code_challenge_methods_supported: ['S256'],
  });
};

/** GET /auth/jwks (the `jwks_uri`): `{keys:[{kty,use,alg,kid,n,e}]}` (GEN-AUTH), no auth. */
export const jwks: RouteHandler = async ({ reply, ctx }) => {
  reply.json(200, { keys: [publicJwk(await signingKey(ctx))] });
};

/**
 * GET /.well-known/cxone-configuration?tenantId=… (no auth): every member of the real document
 * (GEN-AUTH `getCXoneConfig`; NICE's sample; tenant-hosts.ts). `api_endpoint` and `auth_endpoint` are the
 * simulator, so a client that takes the API base from here reaches it; hosts derived from `area`,
 * `cluster` and the domains are NICE's real ones, well formed but not served here.
 */
export const cxoneConfiguration: RouteHandler = ({ url, reply, ctx }) => {
  const tenantId = url.searchParams.get('tenantId');
  if (tenantId === null || tenantId === '') {
    reply.json(400, { error: 'invalid_request', error_description: 'tenantId is required' });
    return;
  }
  if (tenantId.toLowerCase() !== ctx.options.tenantId.toLowerCase()) {
    reply.json(404, { error: 'not_found', error_description: 'Unknown tenant' });
    return;
  }
  reply.json(200, {
    private: false,
    area: TENANT_HOSTS.area,
    cluster: TENANT_HOSTS.cluster,
    domain: TENANT_HOSTS.domain,
    acdDomain: TENANT_HOSTS.acdDomain,
    uhDomain: TENANT_HOSTS.uhDomain,
    ui_endpoint: ctx.url,
    auth_endpoint: ctx.url,
    api_endpoint: ctx.url,
    tenantId: ctx.options.tenantId,
  });
};
