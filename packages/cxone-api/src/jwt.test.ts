import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, stringClaim } from './jwt.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: unknown) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;

describe('decodeJwtClaims', () => {
  it('reads the tenantId and other claims without checking the signature', () => {
    const claims = decodeJwtClaims(
      jwt({ tenantId: '11111111-2222-4333-8444-555555555555', area: 'na1', icBUId: 4600001, exp: 1 }),
    );
    expect(stringClaim(claims, 'tenantId')).toBe('11111111-2222-4333-8444-555555555555');
    expect(claims?.icBUId).toBe(4600001);
    expect(stringClaim(claims, 'icBUId')).toBeUndefined();
  });

  it('handles base64url characters (- and _) in the payload', () => {
    const claims = { tenantId: 'a', note: '>>>???~~~' };
    const token = jwt(claims);
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(decodeJwtClaims(token)).toEqual(claims);
  });

  it.each([
    ['not a jwt', 'opaque-token'],
    ['two parts', 'a.b'],
    ['bad base64', 'a.!!!.c'],
    ['not JSON', `a.${Buffer.from('hello').toString('base64url')}.c`],
    ['a JSON array', `a.${b64url([1, 2])}.c`],
  ])('returns undefined for %s', (_label, token) => {
    expect(decodeJwtClaims(token)).toBeUndefined();
  });
});
