import { TENANT } from '../options.js';
import type { RouteHandler } from '../route.js';

/** GET /.well-known/openid-configuration */
export const openidConfiguration: RouteHandler = ({ reply, ctx }) => {
  reply.json(200, {
    issuer: ctx.url,
    token_endpoint: `${ctx.url}/auth/token`,
    authorization_endpoint: `${ctx.url}/auth/authorize`,
    end_session_endpoint: `${ctx.url}/auth/logout`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'tenantId',
      'tenant',
      'area',
      'icClusterId',
      'icBUId',
    ],
  });
};

/** GET /.well-known/cxone-configuration?tenantId=… (no auth) */
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
    ui_endpoint: ctx.url,
    auth_endpoint: ctx.url,
    api_endpoint: ctx.url,
    area: TENANT.area,
    domain: TENANT.domain,
    tenantId: ctx.options.tenantId,
  });
};
