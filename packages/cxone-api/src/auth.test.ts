import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { createAuth, isFresh, tokenExpiry } from './auth.js';
import {
  apiBaseFromConfiguration,
  dfoBaseFromConfiguration,
  discoverTenant,
  discoverTokenEndpoint,
} from './discovery.js';
import type { Transport } from './transport.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const NOW = Date.parse('2026-10-10T12:00:00Z');

describe('token lifetime', () => {
  it('uses expires_in', () => {
    expect(tokenExpiry({ expires_in: 3600 }, 'opaque', NOW)).toBe(NOW + 3_600_000);
    expect(tokenExpiry({ expires_in: '60' }, 'opaque', NOW)).toBe(NOW + 60_000);
  });

  it('falls back to the exp claim, then to an hour', () => {
    const token = `h.${b64url({ exp: NOW / 1000 + 120 })}.s`;
    expect(tokenExpiry({}, token, NOW)).toBe(NOW + 120_000);
    expect(tokenExpiry({ expires_in: 0 }, 'opaque', NOW)).toBe(NOW + 3_600_000);
  });

  it('renews tokenRefreshSkew before expiry', () => {
    const token = { value: 't', issuedAtMs: NOW, expiresAtMs: NOW + 3_600_000 };
    const skew = 5 * 60_000;
    expect(isFresh(token, skew, NOW + 3_600_000 - skew - 1)).toBe(true);
    expect(isFresh(token, skew, NOW + 3_600_000 - skew)).toBe(false);
    expect(isFresh(token, skew, NOW + 4_000_000)).toBe(false);
  });

  it('never renews more than half a lifetime early (short tokens, large skew)', () => {
    const token = { value: 't', issuedAtMs: NOW, expiresAtMs: NOW + 60_000 };
    expect(isFresh(token, 5 * 60_000, NOW + 29_000)).toBe(true);
    expect(isFresh(token, 5 * 60_000, NOW + 30_000)).toBe(false);
  });
});

describe('apiBaseFromConfiguration', () => {
  it('prefers api_endpoint', () => {
    expect(
      apiBaseFromConfiguration({
        api_endpoint: 'https://api-na1.niceincontact.com/',
        area: 'x',
        domain: 'y',
      }),
    ).toBe('https://api-na1.niceincontact.com');
  });

  it('builds https://api-{area}.{domain} otherwise', () => {
    expect(apiBaseFromConfiguration({ area: 'au1', domain: 'niceincontact.com' })).toBe(
      'https://api-au1.niceincontact.com',
    );
    expect(apiBaseFromConfiguration({ area: 'a/b', domain: 'x' })).toBeUndefined();
    expect(apiBaseFromConfiguration({})).toBeUndefined();
  });
});

const ISSUER = 'https://cxone.niceincontact.com';
const CLIENT_ID = 'app@example';
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rotatedKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rs256 = (claims: Record<string, unknown>, kid: string | undefined, key: KeyObject) => {
  const header = kid === undefined ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid };
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
};
const jsonResponse = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * A scripted CXone issuer: OpenID configuration, JWKS and a token endpoint whose id_token is signed
 * RS256 with the current key (as NICE's sample shows it), each answer changeable by the test.
 */
const scriptedIssuer = (verifyIdToken = true) => {
  const state = {
    key: { kid: 'default', pair: signingKey },
    openId: {
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/auth/token`,
      jwks_uri: `${ISSUER}/auth/jwks`,
    } as Record<string, unknown>,
    idToken: (claims: Record<string, unknown>) => rs256(claims, state.key.kid, state.key.pair.privateKey),
    omitIdToken: false,
    clock: NOW,
  };
  const paths: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    paths.push(url.pathname);
    if (url.pathname === '/.well-known/openid-configuration') return jsonResponse(state.openId);
    if (url.pathname === '/auth/jwks') {
      const jwk = { ...state.key.pair.publicKey.export({ format: 'jwk' }), kid: state.key.kid, use: 'sig' };
      return jsonResponse({ keys: [jwk] });
    }
    const iat = Math.floor(state.clock / 1000);
    const claims = { iss: ISSUER, aud: CLIENT_ID, tenantId: 't-1', iat, exp: iat + 3600 };
    const access = rs256(
      { ...claims, iss: 'https://auth.nice-incontact.com' },
      undefined,
      state.key.pair.privateKey,
    );
    return jsonResponse({
      access_token: access,
      token_type: 'Bearer',
      expires_in: 3600,
      ...(state.omitIdToken ? {} : { id_token: state.idToken(claims) }),
    });
  }) as typeof fetch;
  const transport: Transport = {
    timeoutMs: 5000,
    now: () => new Date(state.clock),
    scrubber: { add() {}, scrub: (text) => text },
    budget: async () => {},
    fetchImpl,
  };
  const lifetime = new AbortController().signal;
  const auth = createAuth({
    transport,
    credentials: {
      accessKeyId: Redacted.make('AKID'),
      accessKeySecret: Redacted.make('secret'),
      clientId: CLIENT_ID,
      clientSecret: Redacted.make('client-secret'),
      clientAuth: 'basic',
    },
    tokenRefreshSkewMs: 5 * 60_000,
    tokenEndpoint: (signal) => discoverTokenEndpoint(transport, ISSUER, signal),
    lifetime,
    verifyIdToken,
  });
  return { state, paths, auth, transport, signal: lifetime };
};

describe('the token port verifies the id_token against the issuer JWKS', () => {
  it('hands out the token once its id_token verified, fetching the JWKS once', async () => {
    const issuer = scriptedIssuer();
    expect((await issuer.auth.token(issuer.signal)).isOk()).toBe(true);
    issuer.state.clock += 3_600_000;
    expect((await issuer.auth.token(issuer.signal)).isOk()).toBe(true);
    expect(issuer.paths.filter((p) => p === '/auth/jwks')).toHaveLength(1);
    expect(issuer.paths.filter((p) => p === '/auth/token')).toHaveLength(2);
  });

  it('follows a key rotation: an unknown kid fetches the JWKS again', async () => {
    const issuer = scriptedIssuer();
    expect((await issuer.auth.token(issuer.signal)).isOk()).toBe(true);
    issuer.state.key = { kid: 'rotated', pair: rotatedKey };
    issuer.state.clock += 3_600_000;
    expect((await issuer.auth.token(issuer.signal)).isOk()).toBe(true);
    expect(issuer.paths.filter((p) => p === '/auth/jwks')).toHaveLength(2);
  });

  it.each([
    [
      'signed by a key the JWKS does not hold',
      (s: ReturnType<typeof scriptedIssuer>['state']) => {
        s.idToken = (claims) => rs256(claims, 'default', rotatedKey.privateKey);
      },
      /invalid signature/,
    ],
    [
      'signed with alg none',
      (s: ReturnType<typeof scriptedIssuer>['state']) => {
        s.idToken = (claims) => `${b64url({ alg: 'none', kid: 'default' })}.${b64url(claims)}.`;
      },
      /signed with "none", not RS256/,
    ],
    [
      'issued to another client',
      (s: ReturnType<typeof scriptedIssuer>['state']) => {
        s.idToken = (claims) => rs256({ ...claims, aud: 'other' }, 'default', signingKey.privateKey);
      },
      /another client/,
    ],
    [
      'expired',
      (s: ReturnType<typeof scriptedIssuer>['state']) => {
        s.idToken = (claims) =>
          rs256({ ...claims, exp: NOW / 1000 - 3600 }, 'default', signingKey.privateKey);
      },
      /has expired/,
    ],
    [
      'missing',
      (s: ReturnType<typeof scriptedIssuer>['state']) => {
        s.omitIdToken = true;
      },
      /without an id_token/,
    ],
  ])('refuses the answer as Auth when the id_token is %s', async (_label, change, message) => {
    const issuer = scriptedIssuer();
    change(issuer.state);
    const result = await issuer.auth.token(issuer.signal);
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/eyJ/);
  });

  it('refuses a discovery document naming another issuer, and takes tokens unverified from one with no JWKS', async () => {
    const foreign = scriptedIssuer();
    foreign.state.openId.issuer = 'https://cxone.example';
    const refused = (await foreign.auth.token(foreign.signal))._unsafeUnwrapErr();
    expect(refused._tag).toBe('Permanent');
    expect(refused.message).toMatch(/names another issuer \(https:\/\/cxone\.example\)/);
    const bare = scriptedIssuer();
    delete bare.state.openId.jwks_uri;
    bare.state.omitIdToken = true;
    expect((await bare.auth.token(bare.signal)).isOk()).toBe(true);
    expect(bare.paths).not.toContain('/auth/jwks');
  });

  it('checks nothing and fetches no JWKS until the client turns verification on', async () => {
    const issuer = scriptedIssuer(false);
    issuer.state.idToken = (claims) => `${b64url({ alg: 'none' })}.${b64url(claims)}.`;
    expect((await issuer.auth.token(issuer.signal)).isOk()).toBe(true);
    expect(issuer.paths).not.toContain('/auth/jwks');
  });

  it('refuses a jwks_uri that would send nothing over TLS', async () => {
    const issuer = scriptedIssuer();
    issuer.state.openId.jwks_uri = 'http://keys.example/auth/jwks';
    const error = (await issuer.auth.token(issuer.signal))._unsafeUnwrapErr();
    expect(error.message).toBe('the discovered jwks_uri must be https (plain http only to a loopback host)');
  });
});

describe('tenant discovery', () => {
  const discover = (doc: Record<string, unknown>) => {
    const transport: Transport = {
      timeoutMs: 5000,
      now: () => new Date(NOW),
      scrubber: { add() {}, scrub: (text) => text },
      budget: async () => {},
      fetchImpl: (async () => jsonResponse(doc)) as unknown as typeof fetch,
    };
    return discoverTenant(transport, ISSUER, 't-1', new AbortController().signal);
  };

  it('reads every member of the real document and derives the DFO base', async () => {
    // NICE's sample ("Using the API global authentication service").
    const tenant = await discover({
      private: false,
      area: 'na1',
      cluster: 'B32',
      domain: 'niceincontact.com',
      acdDomain: 'nice-incontact.com',
      uhDomain: 'nice-incontact.com',
      ui_endpoint: 'https://na1.nice-incontact.com',
      auth_endpoint: 'https://na1.nice-incontact.com',
      api_endpoint: 'https://api-na1.niceincontact.com',
      tenantId: '11eb660f-4c6d-34a0-8733-0242ac110002',
    });
    expect(tenant._unsafeUnwrap()).toEqual({
      apiBase: 'https://api-na1.niceincontact.com',
      area: 'na1',
      cluster: 'B32',
      domain: 'niceincontact.com',
      acdDomain: 'nice-incontact.com',
      uhDomain: 'nice-incontact.com',
      dfoBase: 'https://api-de-na1.niceincontact.com',
    });
  });

  it('keeps FedRAMP na2 DFO on its own domain and drops members that are not host parts', async () => {
    expect(dfoBaseFromConfiguration({ area: 'na2', domain: 'niceincontact.com' })).toBe(
      'https://api-de-na2.nicecxone-gov.com',
    );
    const tenant = (
      await discover({
        api_endpoint: 'https://api-x.example',
        area: 'eu1',
        cluster: 'a/b',
        domain: 'evil.example/x',
      })
    )._unsafeUnwrap();
    expect(tenant).toEqual({ apiBase: 'https://api-x.example', area: 'eu1' });
  });
});
