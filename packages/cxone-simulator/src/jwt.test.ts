import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, decodeJwtHeader, signJwt, verifyJwt } from './jwt.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = Date.UTC(2026, 9, 20);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('RS256 JWT', () => {
  const claims = { sub: 'x', exp: now / 1000 + 60 };
  const token = signJwt(claims, privateKey, 'key-1');

  it('verifies its own tokens, with the kid in the header only when given', () => {
    expect(decodeJwtHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    expect(decodeJwtHeader(signJwt(claims, privateKey))).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(verifyJwt(token, [publicKey], now)).toEqual({
      ok: true,
      header: { alg: 'RS256', typ: 'JWT', kid: 'key-1' },
      claims,
    });
    expect(decodeJwtClaims(token).sub).toBe('x');
  });

  it('accepts any of the keys it is given, and refuses a token of another key', () => {
    expect(verifyJwt(token, [other.publicKey, publicKey], now).ok).toBe(true);
    expect(verifyJwt(token, [other.publicKey], now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyJwt(token, [], now)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a tampered payload and garbage', () => {
    const [header, , signature] = token.split('.');
    const forged = b64url({ sub: 'admin', exp: now / 1000 + 60 });
    expect(verifyJwt(`${header}.${forged}.${signature}`, [publicKey], now)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyJwt('not-a-token', [publicKey], now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses alg none and an HS256 token keyed with the public key', () => {
    const payload = b64url(claims);
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect(verifyJwt(none, [publicKey], now)).toEqual({ ok: false, reason: 'malformed' });
    const hsHeader = b64url({ alg: 'HS256', typ: 'JWT' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', pem).update(`${hsHeader}.${payload}`).digest('base64url');
    expect(verifyJwt(`${hsHeader}.${payload}.${mac}`, [publicKey], now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a token at and after its exp', () => {
    expect(verifyJwt(token, [publicKey], now + 59_999).ok).toBe(true);
    expect(verifyJwt(token, [publicKey], now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });
});
