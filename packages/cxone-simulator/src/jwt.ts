import { createSign, createVerify, type KeyObject } from 'node:crypto';

export type JwtClaims = Readonly<Record<string, unknown>>;

/**
 * CXone signs its tokens with RS256: the access and refresh tokens with the header
 * `{"alg":"RS256","typ":"JWT"}`, the id_token with `{"alg":"RS256","typ":"JWT","kid":"…"}` (the token
 * samples on NICE's "Using the API global authentication service" page, as RingCentral Contact Center
 * republishes it; reference/cxone-fidelity.md §2.2 "JWS").
 */
export interface JwtHeader {
  readonly alg: 'RS256';
  readonly typ: 'JWT';
  readonly kid?: string;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs claims as a compact RS256 JWT; `kid` goes into the header when given. */
export function signJwt(claims: JwtClaims, privateKey: KeyObject, kid?: string): string {
  const header: JwtHeader =
    kid === undefined ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid };
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

export type JwtVerification =
  | { readonly ok: true; readonly header: Readonly<Record<string, unknown>>; readonly claims: JwtClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'expired' };

const B64URL = /^[A-Za-z0-9_-]+$/;

function parseObject(part: string): Record<string, unknown> | undefined {
  if (!B64URL.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks an RS256 JWT against any of `publicKeys` (the signing key and those it replaced) and its
 * `exp` claim (seconds) against `nowMs`. Any other `alg` (`none`, HS256 …) is malformed.
 */
export function verifyJwt(token: string, publicKeys: readonly KeyObject[], nowMs: number): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseObject(headerPart);
  const claims = parseObject(payloadPart);
  if (header === undefined || claims === undefined || header.alg !== 'RS256') {
    return { ok: false, reason: 'malformed' };
  }
  if (!B64URL.test(signaturePart)) return { ok: false, reason: 'signature' };
  const signature = Buffer.from(signaturePart, 'base64url');
  const input = `${headerPart}.${payloadPart}`;
  const valid = publicKeys.some((key) => createVerify('RSA-SHA256').update(input).verify(key, signature));
  if (!valid) return { ok: false, reason: 'signature' };
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, header, claims };
}

/** Decodes the header of a JWT without checking it (for tests and diagnostics). */
export function decodeJwtHeader(token: string): JwtClaims {
  const header = token.split('.')[0];
  if (header === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JwtClaims;
}

/** Decodes the claims of a JWT without checking it (for tests and diagnostics). */
export function decodeJwtClaims(token: string): JwtClaims {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
}
