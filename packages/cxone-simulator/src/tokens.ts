import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context.js';
import { type JwtClaims, signJwt, verifyJwt } from './jwt.js';
import { TENANT } from './options.js';
import { signingKey, verificationKeys } from './signing-keys.js';
import { ACCESS_TOKEN_ISSUER, TENANT_HOSTS } from './tenant-hosts.js';

/** The API user behind the access key. */
export const API_USER = Object.freeze({
  userId: '5a1e0000-0000-4000-8000-00000000a91e',
  /** A string, as in the real id_token fixture (reference/cxone-fidelity.md §2.2, TEST). */
  agentId: '3100001',
  roleId: '5a1e0000-0000-4000-8000-0000000a0e1e',
  name: 'api.user@simulator.example',
  givenName: 'API',
  familyName: 'User',
});

export type TokenUse = 'access' | 'id' | 'refresh';

/**
 * Refresh tokens live two hours: `exp - iat = 7200` in the refresh token of NICE's "Using the API
 * global authentication service" sample (access and id tokens: 3600).
 */
export const REFRESH_TTL_SECONDS = 7200;

export interface IssuedTokens {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly id_token: string;
  readonly issued_token_type: 'urn:ietf:params:oauth:token-type:access_token';
}

/**
 * Signs a new set of tokens, with the claims of the real ones (NICE's sample and the TEST fixture of
 * reference/cxone-api.md §1): the access token carries the tenant and the user's role, the id_token
 * the user (and the signing key's `kid` in its header), the refresh token only who and which session.
 */
export async function issueTokens(
  ctx: SimContext,
  clientId: string,
  sessionId: string = randomUUID(),
): Promise<IssuedTokens> {
  const key = await signingKey(ctx);
  const iat = Math.floor(ctx.nowMs() / 1000);
  const ttl = ctx.options.tokenTtlSeconds;
  const person = {
    sub: `user:${API_USER.userId}`,
    name: API_USER.name,
    given_name: API_USER.givenName,
    family_name: API_USER.familyName,
    aud: clientId,
    tenantId: ctx.options.tenantId,
    tenant: TENANT.name,
    icBUId: TENANT.businessUnitId,
    icClusterId: TENANT.clusterId,
  };
  const access = {
    ...person,
    role: {
      legacyId: 'Administrator',
      id: API_USER.roleId,
      lastUpdateTime: 1_700_000_000_000,
      secondaryRoles: [],
    },
    iss: ACCESS_TOKEN_ISSUER,
    area: TENANT_HOSTS.area,
    icDomain: TENANT_HOSTS.domain,
    icAgentId: API_USER.agentId,
    userId: API_USER.userId,
    iat,
    exp: iat + ttl,
  };
  const id = {
    ...person,
    iss: ctx.url,
    area: TENANT_HOSTS.area,
    icDomain: TENANT_HOSTS.domain,
    icAgentId: API_USER.agentId,
    userId: API_USER.userId,
    iat,
    exp: iat + ttl,
  };
  const refresh = {
    aud: clientId,
    iss: ctx.url,
    id: API_USER.userId,
    sessionId,
    iat,
    exp: iat + REFRESH_TTL_SECONDS,
  };
  return {
    access_token: signJwt(access, key.privateKey),
    token_type: 'Bearer',
    expires_in: ttl,
    refresh_token: signJwt(refresh, key.privateKey),
    id_token: signJwt(id, key.privateKey, key.kid),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  };
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: JwtClaims }
  | { readonly ok: false; readonly reason: string };

/** Which token a set of claims is, by the claims only that kind carries (no invented `use` claim). */
function useOf(claims: JwtClaims): TokenUse {
  if (typeof claims.sessionId === 'string') return 'refresh';
  if (typeof claims.role === 'object' && claims.role !== null) return 'access';
  return 'id';
}

/** Verifies a token signed by this simulator, of the expected use, for this tenant. */
export function checkToken(ctx: SimContext, token: string, use: TokenUse): TokenCheck {
  const verified = verifyJwt(token, verificationKeys(ctx), ctx.nowMs());
  if (!verified.ok) {
    return { ok: false, reason: verified.reason === 'expired' ? 'Token has expired' : 'Invalid token' };
  }
  if (useOf(verified.claims) !== use) return { ok: false, reason: 'Invalid token' };
  if (use !== 'refresh' && verified.claims.tenantId !== ctx.options.tenantId) {
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
