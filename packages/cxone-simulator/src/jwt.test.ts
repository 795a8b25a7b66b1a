import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, signJwt, verifyJwt } from './jwt.js';

const secret = Buffer.alloc(32, 7);
const now = Date.UTC(2026, 9, 20);

describe('HS256 JWT', () => {
  const token = signJwt({ sub: 'x', exp: now / 1000 + 60 }, secret);

  it('verifies its own tokens and exposes the claims', () => {
    expect(token.split('.')).toHaveLength(3);
    expect(verifyJwt(token, secret, now)).toEqual({ ok: true, claims: { sub: 'x', exp: now / 1000 + 60 } });
    expect(decodeJwtClaims(token).sub).toBe('x');
  });

  it('rejects another secret, a tampered payload and garbage', () => {
    expect(verifyJwt(token, Buffer.alloc(32, 8), now)).toEqual({ ok: false, reason: 'signature' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp: now / 1000 + 60 })).toString('base64url');
    expect(verifyJwt(`${header}.${forged}.${signature}`, secret, now)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyJwt('not-a-token', secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects a token at and after its exp', () => {
    expect(verifyJwt(token, secret, now + 59_999).ok).toBe(true);
    expect(verifyJwt(token, secret, now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });
});
