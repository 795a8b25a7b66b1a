import { createHmac, createPublicKey, createVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwtClaims, decodeJwtHeader } from './jwt.js';
import { DEMO_CREDENTIALS } from './options.js';
import { type RunningSimulator, startSimulator } from './server.js';

const FORM = 'application/x-www-form-urlencoded';
const PASSWORD_GRANT = new URLSearchParams({
  grant_type: 'password',
  username: DEMO_CREDENTIALS.accessKeyId,
  password: DEMO_CREDENTIALS.accessKeySecret,
});
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const DEMO_BASIC = basic(DEMO_CREDENTIALS.clientId, DEMO_CREDENTIALS.clientSecret);

const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ contacts: 5, ...options });
  running.push(sim);
  return sim;
}

function postToken(s: RunningSimulator, body: URLSearchParams, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': FORM, accept: 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(`${s.url}/auth/token`, { method: 'POST', headers, body: body.toString() });
}

/** The simulator's JWKS, each key as a public KeyObject by kid. */
async function jwksKeys(s: RunningSimulator): Promise<Map<string, KeyObject>> {
  const response = await fetch(`${s.url}/auth/jwks`);
  expect(response.status).toBe(200);
  const { keys } = (await response.json()) as { keys: Record<string, string>[] };
  return new Map(
    keys.map((jwk) => [jwk.kid as string, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })]),
  );
}

const signatureValid = (token: string, key: KeyObject): boolean => {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(key, Buffer.from(signature, 'base64url'));
};

async function tokens(s: RunningSimulator, authorization = DEMO_BASIC): Promise<Record<string, string>> {
  const response = await postToken(s, PASSWORD_GRANT, authorization);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

describe('OpenID discovery', () => {
  it('serves every member of the real document, the simulator as issuer', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    // NICE's "Using the API global authentication service" sample, member for member.
    expect(await response.json()).toEqual({
      issuer: s.url,
      authorization_endpoint: `${s.url}/auth/authorize`,
      token_endpoint: `${s.url}/auth/token`,
      userinfo_endpoint: `${s.url}/auth/userinfo`,
      jwks_uri: `${s.url}/auth/jwks`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      end_session_endpoint: `${s.url}/auth/authorize/logout`,
      scopes_supported: ['openid'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      request_object_signing_alg_values_supported: ['none'],
      display_values_supported: ['page', 'popup'],
      claim_types_supported: ['normal'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('publishes one RSA signing key at jwks_uri, the same on every call', async () => {
    const s = await start();
    const first = (await (await fetch(`${s.url}/auth/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
    expect(Buffer.from(first.keys[0]?.n as string, 'base64url')).toHaveLength(256);
    expect(Object.keys(first.keys[0] ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(await (await fetch(`${s.url}/auth/jwks`)).json()).toEqual(first);
  });
});

describe('POST /auth/token', () => {
  it('issues RS256 tokens: the id_token with the JWKS kid, each signed by the JWKS key', async () => {
    const now = new Date('2026-10-20T08:00:00Z');
    const s = await start({ tokenTtlSeconds: 900, now: () => now });
    const response = await postToken(s, PASSWORD_GRANT, DEMO_BASIC);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    const keys = await jwksKeys(s);
    const [kid, key] = [...keys][0] as [string, KeyObject];
    // As NICE's sample: kid on the id_token only.
    expect(decodeJwtHeader(body.id_token as string)).toEqual({ alg: 'RS256', typ: 'JWT', kid });
    expect(decodeJwtHeader(body.access_token as string)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(decodeJwtHeader(body.refresh_token as string)).toEqual({ alg: 'RS256', typ: 'JWT' });
    for (const name of ['access_token', 'id_token', 'refresh_token']) {
      expect(signatureValid(body[name] as string, key)).toBe(true);
    }
    const iat = now.getTime() / 1000;
    const common = {
      tenantId: s.tenantId,
      tenant: 'simulator',
      icClusterId: 'SIM1',
      icBUId: 4600001,
      aud: DEMO_CREDENTIALS.clientId,
      sub: 'user:5a1e0000-0000-4000-8000-00000000a91e',
      area: 'na1',
      icDomain: 'niceincontact.com',
      icAgentId: '3100001',
      iat,
      exp: iat + 900,
    };
    const id = decodeJwtClaims(body.id_token as string);
    expect(id).toMatchObject({ ...common, iss: s.url });
    expect(id.role).toBeUndefined();
    // The access token names an auth host, not the issuer, and carries the user's role.
    const access = decodeJwtClaims(body.access_token as string);
    expect(access).toMatchObject({ ...common, iss: 'https://auth.nice-incontact.com' });
    expect(access.role).toMatchObject({ legacyId: 'Administrator' });
    const refresh = decodeJwtClaims(body.refresh_token as string);
    expect(refresh).toMatchObject({ aud: DEMO_CREDENTIALS.clientId, iss: s.url, iat, exp: iat + 7200 });
    expect(typeof refresh.sessionId).toBe('string');
    expect(refresh.tenantId).toBeUndefined();
  });

  it('accepts url-encoded Basic credentials', async () => {
    const s = await start();
    const encoded = basic('simulator%2Dclient%2Did', encodeURIComponent(DEMO_CREDENTIALS.clientSecret));
    expect((await postToken(s, PASSWORD_GRANT, encoded)).status).toBe(200);
  });

  it('accepts client_id/client_secret in the form (client_secret_post)', async () => {
    const s = await start();
    const body = new URLSearchParams(PASSWORD_GRANT);
    body.set('client_id', DEMO_CREDENTIALS.clientId);
    body.set('client_secret', DEMO_CREDENTIALS.clientSecret);
    const response = await postToken(s, body);
    expect(response.status).toBe(200);
    expect(decodeJwtClaims(((await response.json()) as { access_token: string }).access_token).aud).toBe(
      DEMO_CREDENTIALS.clientId,
    );
  });

  it('answers 401 invalid_client for a wrong or missing client, with WWW-Authenticate after Basic', async () => {
    const s = await start();
    const post = new URLSearchParams(PASSWORD_GRANT);
    post.set('client_id', DEMO_CREDENTIALS.clientId);
    post.set('client_secret', 'wrong-post-secret');
    const cases: [URLSearchParams, string | undefined, boolean][] = [
      [PASSWORD_GRANT, basic(DEMO_CREDENTIALS.clientId, 'wrong-basic-secret'), true],
      [PASSWORD_GRANT, basic('other-client', DEMO_CREDENTIALS.clientSecret), true],
      [PASSWORD_GRANT, 'Basic !!!', true],
      [PASSWORD_GRANT, undefined, false],
      [post, undefined, false],
    ];
    for (const [form, authorization, challenged] of cases) {
      const response = await postToken(s, form, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate') !== null).toBe(challenged);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
      expect(text).not.toMatch(/wrong|other-client/);
    }
  });

  it('answers 400 invalid_grant for a wrong access key id or secret, echoing neither', async () => {
    const s = await start();
    for (const [field, value] of [
      ['password', 'not-the-secret'],
      ['username', 'NOT-THE-KEY-ID'],
    ] as const) {
      const body = new URLSearchParams(PASSWORD_GRANT);
      body.set(field, value);
      const response = await postToken(s, body, DEMO_BASIC);
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: 'invalid_grant', error_description: 'Invalid access key' });
      expect(text).not.toContain(value);
    }
  });

  it('accepts the credentials it was started with, and no longer the demo ones', async () => {
    const credentials = {
      accessKeyId: 'TENANT-KEY-ID====',
      accessKeySecret: 'tenant key secret==',
      clientId: 'tenant-app@example',
      clientSecret: 'tenant:client/secret',
    };
    const s = await start({ credentials });
    expect((await postToken(s, PASSWORD_GRANT, DEMO_BASIC)).status).toBe(401);
    const own = basic(encodeURIComponent(credentials.clientId), encodeURIComponent(credentials.clientSecret));
    expect((await postToken(s, PASSWORD_GRANT, own)).status).toBe(400);
    const grant = new URLSearchParams({
      grant_type: 'password',
      username: credentials.accessKeyId,
      password: credentials.accessKeySecret,
    });
    const response = await postToken(s, grant, own);
    expect(response.status).toBe(200);
    const { id_token } = (await response.json()) as { id_token: string };
    expect(decodeJwtClaims(id_token).aud).toBe(credentials.clientId);
    // Only the one given replaces its demo value.
    const partial = await start({ credentials: { clientSecret: 'only-this-one' } });
    expect(
      (await postToken(partial, PASSWORD_GRANT, basic(DEMO_CREDENTIALS.clientId, 'only-this-one'))).status,
    ).toBe(200);
  });

  it('refuses credentials that are empty or hold control characters, naming the credential only', async () => {
    await expect(startSimulator({ credentials: { clientSecret: '' } })).rejects.toThrow(
      /^credentials\.clientSecret must be 1 to 512 printable characters$/,
    );
    await expect(startSimulator({ credentials: { accessKeyId: 'bad\nkey-value' } })).rejects.toThrow(
      /^credentials\.accessKeyId must/,
    );
  });

  it('rejects unsupported grants, a missing grant and a password grant not form-encoded', async () => {
    const s = await start();
    const response = await postToken(
      s,
      new URLSearchParams({ grant_type: 'client_credentials' }),
      DEMO_BASIC,
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unsupported_grant_type');
    const missing = await postToken(s, new URLSearchParams(), DEMO_BASIC);
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request');
    for (const [type, body] of [
      ['application/json', PASSWORD_GRANT.toString()],
      ['text/plain', PASSWORD_GRANT.toString()],
    ]) {
      const refused = await fetch(`${s.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': type as string, authorization: DEMO_BASIC },
        body,
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('answers 405 to GET', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/auth/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('the refresh_token grant', () => {
  const refresh = (s: RunningSimulator, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...headers },
      body: new URLSearchParams({ grant_type: 'refresh_token', ...form }).toString(),
    });

  it("renews as NICE's SDK asks (no client, a form labelled JSON), keeping the session", async () => {
    let now = new Date('2026-10-20T08:00:00Z');
    const s = await start({ now: () => now });
    const first = await tokens(s);
    now = new Date(now.getTime() + 30 * 60_000);
    const renewed = await refresh(
      s,
      { scope: 'openid', refresh_token: first.refresh_token as string },
      {
        'content-type': 'application/json',
      },
    );
    expect(renewed.status).toBe(200);
    const body = (await renewed.json()) as Record<string, string>;
    expect(decodeJwtClaims(body.access_token as string).iat).toBe(now.getTime() / 1000);
    expect(decodeJwtClaims(body.id_token as string).aud).toBe(DEMO_CREDENTIALS.clientId);
    expect(decodeJwtClaims(body.refresh_token as string).sessionId).toBe(
      decodeJwtClaims(first.refresh_token as string).sessionId,
    );
    const api = await fetch(`${s.url}/incontactapi/services/v30.0/contacts/completed`, {
      headers: { authorization: `Bearer ${body.access_token}`, accept: 'application/json' },
    });
    expect(api.status).toBe(200);
  });

  it('takes the client as the published spec sends it (client_id) and checks a client that authenticates', async () => {
    const s = await start();
    const { refresh_token } = await tokens(s);
    expect(
      (await refresh(s, { refresh_token: refresh_token as string, client_id: DEMO_CREDENTIALS.clientId }))
        .status,
    ).toBe(200);
    expect(
      (await refresh(s, { refresh_token: refresh_token as string }, { authorization: DEMO_BASIC })).status,
    ).toBe(200);
    const otherClient = await refresh(s, {
      refresh_token: refresh_token as string,
      client_id: 'another-client',
    });
    expect(otherClient.status).toBe(400);
    expect(((await otherClient.json()) as { error: string }).error).toBe('invalid_grant');
    const wrongSecret = await refresh(
      s,
      { refresh_token: refresh_token as string },
      { authorization: basic(DEMO_CREDENTIALS.clientId, 'wrong') },
    );
    expect(wrongSecret.status).toBe(401);
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses an access or id token, a forged one, and a refresh token past its two hours', async () => {
    let now = new Date('2026-10-20T08:00:00Z');
    const s = await start({ now: () => now });
    const first = await tokens(s);
    for (const token of [first.access_token, first.id_token, 'abc.def.ghi']) {
      const response = await refresh(s, { refresh_token: token as string });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    }
    now = new Date(now.getTime() + 7_200_000);
    const expired = await refresh(s, { refresh_token: first.refresh_token as string });
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('bearer tokens on the API', () => {
  const api = (s: RunningSimulator) => `${s.url}/incontactapi/services/v30.0/contacts/completed`;

  it('returns 401 with icStatusDescription and no body when the token expired', async () => {
    let now = new Date('2026-10-20T08:00:00Z');
    const s = await start({ tokenTtlSeconds: 60, now: () => now });
    const { access_token } = (await (await postToken(s, PASSWORD_GRANT, DEMO_BASIC)).json()) as {
      access_token: string;
    };
    const call = () =>
      fetch(api(s), { headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' } });
    expect((await call()).status).toBe(200);
    now = new Date(now.getTime() + 59_000);
    expect((await call()).status).toBe(200);
    now = new Date(now.getTime() + 1_000);
    const expired = await call();
    expect(expired.status).toBe(401);
    expect(expired.headers.get('icstatusdescription')).toBe('Token has expired');
    expect(await expired.text()).toBe('');
  });

  it('returns 401 for a missing, forged, foreign or id token', async () => {
    const s = await start();
    const other = await startSimulator({ contacts: 1 });
    try {
      const own = (await (await postToken(s, PASSWORD_GRANT, DEMO_BASIC)).json()) as Record<string, string>;
      const foreign = (await (await postToken(other, PASSWORD_GRANT, DEMO_BASIC)).json()) as Record<
        string,
        string
      >;
      const [, payload] = (own.access_token as string).split('.') as [string, string];
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const hsHeader = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
      const [jwk] = [...(await jwksKeys(s)).values()];
      const pem = jwk?.export({ format: 'pem', type: 'spki' }) as string;
      const mac = createHmac('sha256', pem).update(`${hsHeader}.${payload}`).digest('base64url');
      const cases: [string | undefined, string][] = [
        [undefined, 'Missing bearer token'],
        [`Bearer ${none}`, 'Invalid token'],
        [`Bearer ${hsHeader}.${payload}.${mac}`, 'Invalid token'],
        [`Bearer ${own.refresh_token}`, 'Invalid token'],
        ['Bearer abc.def.ghi', 'Invalid token'],
        [`Bearer ${foreign.access_token}`, 'Invalid token'],
        [`Bearer ${own.id_token}`, 'Invalid token'],
        [`Basic ${own.access_token}`, 'Missing bearer token'],
      ];
      for (const [authorization, description] of cases) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const response = await fetch(api(s), { headers });
        expect(response.status).toBe(401);
        expect(response.headers.get('icStatusDescription')).toBe(description);
        expect(await response.text()).toBe('');
      }
    } finally {
      await other.stop();
    }
  });
});

describe('GET /.well-known/cxone-configuration', () => {
  it('returns the endpoints of the known tenant without auth', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/.well-known/cxone-configuration?tenantId=${s.tenantId}`);
    expect(response.status).toBe(200);
    // Every member of NICE's sample (area, cluster, both domains), the endpoints on the simulator.
    expect(await response.json()).toEqual({
      private: false,
      area: 'na1',
      cluster: 'SIM1',
      domain: 'niceincontact.com',
      acdDomain: 'nice-incontact.com',
      uhDomain: 'nice-incontact.com',
      ui_endpoint: s.url,
      auth_endpoint: s.url,
      api_endpoint: s.url,
      tenantId: s.tenantId,
    });
  });

  it('honours a custom tenant id and answers 404 for another tenant and 400 without one', async () => {
    const s = await start({ tenantId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' });
    expect(s.tenantId).toBe('aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    const unknown = await fetch(
      `${s.url}/.well-known/cxone-configuration?tenantId=11111111-2222-4333-8444-555555555555`,
    );
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe('not_found');
    expect((await fetch(`${s.url}/.well-known/cxone-configuration`)).status).toBe(400);
  });
});

describe('server housekeeping', () => {
  it('logs method, path without query, status and the simulator time of arrival', async () => {
    let now = Date.parse('2026-10-20T12:00:00Z');
    const s = await start({ now: () => new Date(now) });
    await fetch(`${s.url}/.well-known/cxone-configuration?tenantId=${s.tenantId}`);
    now += 1500;
    await fetch(`${s.url}/nowhere?secret=1`);
    now += 1;
    await postToken(s, PASSWORD_GRANT, DEMO_BASIC);
    const start0 = Date.parse('2026-10-20T12:00:00Z');
    expect(s.requests).toEqual([
      { method: 'GET', path: '/.well-known/cxone-configuration', status: 200, at: start0 },
      { method: 'GET', path: '/nowhere', status: 404, at: start0 + 1500 },
      { method: 'POST', path: '/auth/token', status: 200, at: start0 + 1501 },
    ]);
  });

  it('stops promptly with a keep-alive connection open, and then refuses connections', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/.well-known/openid-configuration`, {
      headers: { connection: 'keep-alive' },
    });
    await response.text();
    await s.stop();
    await expect(fetch(`${s.url}/.well-known/openid-configuration`)).rejects.toThrow();
    await s.stop(); // idempotent
  });

  it('rejects invalid options', async () => {
    await expect(startSimulator({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(startSimulator({ contacts: -1 })).rejects.toThrow(/contacts/);
    await expect(startSimulator({ tokenTtlSeconds: 0 })).rejects.toThrow(/tokenTtlSeconds/);
    await expect(startSimulator({ tenantId: 'x y' })).rejects.toThrow(/tenantId/);
    await expect(startSimulator({ credentials: { clientId: 'x'.repeat(513) } })).rejects.toThrow(/clientId/);
  });
});
