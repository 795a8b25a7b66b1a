import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ok } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { type IdTokenExpectations, type KeyLookup, rsaKeyFromJwk, verifyIdToken } from './id-token.js';

const key1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = Date.parse('2026-10-20T08:00:00Z');
const ISSUER = 'https://cxone.niceincontact.com';
const CLIENT = 'app@example';
const EXPECT: IdTokenExpectations = { issuer: ISSUER, audience: CLIENT, nowMs: NOW, clockSkewMs: 60_000 };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const CLAIMS = {
  iss: ISSUER,
  aud: CLIENT,
  sub: 'user:1',
  tenantId: '11eb660f-4c6d-34a0-8733-0242ac110002',
  iat: NOW / 1000,
  exp: NOW / 1000 + 3600,
};

const sign = (
  claims: Record<string, unknown> = CLAIMS,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'k1' },
  privateKey: KeyObject = key1.privateKey,
) => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
};

/** A JWKS behind a lookup: `before` until the caller asks for a refresh, `after` from then on. */
const jwks = (before: Record<string, KeyObject>, after: Record<string, KeyObject> = before) => {
  const calls: [string, boolean][] = [];
  const lookup: KeyLookup = async (kid, refresh) => {
    calls.push([kid, refresh]);
    const set = calls.some(([, r]) => r) ? after : before;
    return ok(set[kid]);
  };
  return { lookup, calls };
};

const failure = async (token: string, lookup: KeyLookup, expect_: IdTokenExpectations = EXPECT) => {
  const result = await verifyIdToken(token, expect_, lookup);
  if (result.isOk()) throw new Error('expected the id_token to be refused');
  return result.error;
};

describe('verifyIdToken', () => {
  it('accepts an RS256 token signed by the JWKS key its kid names, and gives its claims', async () => {
    const { lookup, calls } = jwks({ k1: key1.publicKey, k2: key2.publicKey });
    const result = await verifyIdToken(sign(), EXPECT, lookup);
    expect(result._unsafeUnwrap()).toEqual(CLAIMS);
    expect(calls).toEqual([['k1', false]]);
    // aud as an array holding the client, and an issuer written with a trailing slash.
    const listed = sign({ ...CLAIMS, aud: ['other', CLIENT], iss: `${ISSUER}/` });
    expect((await verifyIdToken(listed, EXPECT, lookup)).isOk()).toBe(true);
  });

  it('refuses a bad signature: a tampered payload, or another key under the same kid', async () => {
    const { lookup } = jwks({ k1: key1.publicKey });
    const [header, , signature] = sign().split('.');
    const tampered = `${header}.${b64url({ ...CLAIMS, tenantId: 'another-tenant' })}.${signature}`;
    for (const token of [tampered, sign(CLAIMS, undefined, key2.privateKey)]) {
      const error = await failure(token, lookup);
      expect(error._tag).toBe('Auth');
      expect(error.message).toBe('the id_token from the token endpoint has an invalid signature');
    }
  });

  it('looks an unknown kid up again after a refresh (key rotation), and refuses it if still unknown', async () => {
    const rotated = jwks({ k1: key1.publicKey }, { k2: key2.publicKey });
    const token = sign(CLAIMS, { alg: 'RS256', typ: 'JWT', kid: 'k2' }, key2.privateKey);
    expect((await verifyIdToken(token, EXPECT, rotated.lookup)).isOk()).toBe(true);
    expect(rotated.calls).toEqual([
      ['k2', false],
      ['k2', true],
    ]);
    const never = jwks({ k1: key1.publicKey });
    const error = await failure(sign(CLAIMS, { alg: 'RS256', kid: 'k9' }), never.lookup);
    expect(error._tag).toBe('Auth');
    expect(error.message).toMatch(/a key the issuer's JWKS does not list \(kid "k9"\)/);
    expect(never.calls).toEqual([
      ['k9', false],
      ['k9', true],
    ]);
  });

  it('refuses alg none and HS256 keyed with the public key, without looking a key up', async () => {
    const { lookup, calls } = jwks({ k1: key1.publicKey });
    const payload = b64url(CLAIMS);
    const none = `${b64url({ alg: 'none', kid: 'k1' })}.${payload}.`;
    const hsHeader = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const pem = key1.publicKey.export({ format: 'pem', type: 'spki' });
    const hs256 = `${hsHeader}.${payload}.${createHmac('sha256', pem).update(`${hsHeader}.${payload}`).digest('base64url')}`;
    const rs512 = sign(CLAIMS, { alg: 'RS512', kid: 'k1' });
    for (const [token, alg] of [
      [none, 'none'],
      [hs256, 'HS256'],
      [rs512, 'RS512'],
    ] as const) {
      const error = await failure(token, lookup);
      expect(error._tag).toBe('Auth');
      expect(error.message).toBe(`the id_token from the token endpoint is signed with "${alg}", not RS256`);
    }
    expect(calls).toEqual([]);
  });

  it('refuses an expired token, beyond the clock skew only', async () => {
    const { lookup } = jwks({ k1: key1.publicKey });
    const expired = sign({ ...CLAIMS, exp: NOW / 1000 - 61 });
    expect((await failure(expired, lookup)).message).toMatch(/has expired/);
    expect((await verifyIdToken(sign({ ...CLAIMS, exp: NOW / 1000 - 59 }), EXPECT, lookup)).isOk()).toBe(
      true,
    );
    expect((await failure(sign({ ...CLAIMS, exp: undefined }), lookup)).message).toMatch(/no expiry/);
    expect((await failure(sign({ ...CLAIMS, nbf: NOW / 1000 + 120 }), lookup)).message).toMatch(
      /not valid yet/,
    );
  });

  it('refuses another issuer, another audience, no kid and what is not a JWT', async () => {
    const { lookup } = jwks({ k1: key1.publicKey });
    const cases: [string, RegExp][] = [
      [sign({ ...CLAIMS, iss: 'https://cxone.example' }), /another issuer/],
      [sign({ ...CLAIMS, aud: 'another-app' }), /another client/],
      [sign(CLAIMS, { alg: 'RS256', typ: 'JWT' }), /names no signing key/],
      ['not-a-jwt', /is not a signed JWT/],
    ];
    for (const [token, message] of cases) {
      const error = await failure(token, lookup);
      expect(error._tag).toBe('Auth');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(token.slice(0, 20));
    }
  });
});

describe('rsaKeyFromJwk', () => {
  const jwk = key1.publicKey.export({ format: 'jwk' });

  it('takes an RSA signing key, with or without alg and use', () => {
    expect(typeof rsaKeyFromJwk({ ...jwk, kid: 'k1' })).toBe('object');
    expect(typeof rsaKeyFromJwk({ ...jwk, alg: 'RS256', use: 'sig' })).toBe('object');
  });

  const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  it.each([
    ['an EC key', { kty: 'EC', crv: 'P-256' }, /not an RSA key/],
    ['a key for HS256', { ...jwk, alg: 'HS256' }, /another algorithm/],
    ['an encryption key', { ...jwk, use: 'enc' }, /not a signing key/],
    ['a key without n', { kty: 'RSA', e: 'AQAB' }, /modulus or exponent/],
    ['a 1024-bit key', short, /too short for RS256 \(1024 bits/],
    ['a one-byte modulus', { kty: 'RSA', n: 'AQ', e: 'AQAB' }, /too short|not a valid RSA key/],
  ])('refuses %s', (_label, entry, why) => {
    expect(rsaKeyFromJwk(entry as Record<string, unknown>)).toMatch(why);
  });
});
