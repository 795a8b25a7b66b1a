import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context.js';
import { type JwtClaims, signJwt, verifyJwt } from './jwt.js';
import { TENANT } from './options.js';

/** The API user behind the demo access key. */
export const API_USER = Object.freeze({
  userId: '5a1e0000-0000-4000-8000-00000000a91e',
  agentId: 3_100_001,
});

export type TokenUse = 'access' | 'id' | 'refresh';

/** Refresh tokens live a day, as long as a run could sensibly last. */
const REFRESH_TTL_SECONDS = 24 * 3600;

export interface IssuedTokens {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly id_token: string;
  readonly issued_token_type: 'urn:ietf:params:oauth:token-type:access_token';
}

export function issueTokens(ctx: SimContext, clientId: string): IssuedTokens {
  const iat = Math.floor(ctx.nowMs() / 1000);
  const ttl = ctx.options.tokenTtlSeconds;
  const base = {
    tenantId: ctx.options.tenantId,
    tenant: TENANT.name,
    area: TENANT.area,
    icClusterId: TENANT.clusterId,
    icBUId: TENANT.businessUnitId,
    icDomain: TENANT.domain,
    icAgentId: API_USER.agentId,
    userId: API_USER.userId,
    iss: ctx.url,
    aud: clientId,
    sub: `user:${API_USER.userId}`,
    iat,
  };
  const sign = (use: TokenUse, exp: number): string =>
    signJwt({ ...base, exp, jti: randomUUID(), token_use: use }, ctx.secret);
  return {
    access_token: sign('access', iat + ttl),
    token_type: 'Bearer',
    expires_in: ttl,
    refresh_token: sign('refresh', iat + REFRESH_TTL_SECONDS),
    id_token: sign('id', iat + ttl),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  };
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: JwtClaims }
  | { readonly ok: false; readonly reason: string };

/** Verifies a token issued by this simulator for this tenant, of the expected use. */
export function checkToken(ctx: SimContext, token: string, use: TokenUse): TokenCheck {
  const verified = verifyJwt(token, ctx.secret, ctx.nowMs());
  if (!verified.ok) {
    return { ok: false, reason: verified.reason === 'expired' ? 'Token has expired' : 'Invalid token' };
  }
  if (verified.claims.token_use !== use || verified.claims.tenantId !== ctx.options.tenantId) {
    return { ok: false, reason: 'Invalid token' };
  }
  return { ok: true, claims: verified.claims };
}

/** Checks the `Authorization: Bearer …` header of an API request. */
export function checkBearer(ctx: SimContext, req: IncomingMessage): TokenCheck {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) return { ok: false, reason: 'Missing bearer token' };
  return checkToken(ctx, match[1] as string, 'access');
}
