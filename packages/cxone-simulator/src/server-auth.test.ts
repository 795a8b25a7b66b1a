import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwtClaims } from './jwt.js';
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

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  sim = await startSimulator({ contacts: 5, ...options });
  return sim;
}

function postToken(s: RunningSimulator, body: URLSearchParams, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': FORM, accept: 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(`${s.url}/auth/token`, { method: 'POST', headers, body: body.toString() });
}

describe('OpenID discovery', () => {
  it('serves the issuer and the token endpoint on the same host', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(s.url);
    expect(body.token_endpoint).toBe(`${s.url}/auth/token`);
    expect(body.authorization_endpoint).toBe(`${s.url}/auth/authorize`);
    expect(body.end_session_endpoint).toBe(`${s.url}/auth/logout`);
    expect(body.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['password', 'refresh_token']));
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('POST /auth/token', () => {
  it('issues HS256 tokens for the password grant with Basic client auth', async () => {
    const now = new Date('2026-10-20T08:00:00Z');
    const s = await start({ tokenTtlSeconds: 900, now: () => now });
    const response = await postToken(s, PASSWORD_GRANT, DEMO_BASIC);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    for (const name of ['access_token', 'id_token', 'refresh_token'])
      expect(typeof body[name]).toBe('string');
    for (const name of ['access_token', 'id_token']) {
      const token = body[name] as string;
      expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toEqual({
        alg: 'HS256',
        typ: 'JWT',
      });
      const claims = decodeJwtClaims(token);
      expect(claims).toMatchObject({
        tenantId: s.tenantId,
        tenant: 'simulator',
        area: 'na1',
        icClusterId: 'SIM1',
        icBUId: 4600001,
        icDomain: 'niceincontact.com',
        iss: s.url,
        aud: DEMO_CREDENTIALS.clientId,
        iat: now.getTime() / 1000,
        exp: now.getTime() / 1000 + 900,
      });
      expect(typeof claims.sub).toBe('string');
    }
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

  it('answers 401 invalid_client for a wrong or missing client', async () => {
    const s = await start();
    for (const authorization of [basic(DEMO_CREDENTIALS.clientId, 'wrong'), basic('other', 'x'), undefined]) {
      const response = await postToken(s, PASSWORD_GRANT, authorization);
      expect(response.status).toBe(401);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.error).toBe('invalid_client');
      expect(typeof body.error_description).toBe('string');
      expect(JSON.stringify(body)).not.toContain('wrong');
    }
  });

  it('answers 400 invalid_grant for a wrong access key', async () => {
    const s = await start();
    const body = new URLSearchParams(PASSWORD_GRANT);
    body.set('password', 'not-the-secret');
    const response = await postToken(s, body, DEMO_BASIC);
    expect(response.status).toBe(400);
    const json = (await response.json()) as Record<string, unknown>;
    expect(json.error).toBe('invalid_grant');
    expect(typeof json.error_description).toBe('string');
    expect(JSON.stringify(json)).not.toContain('not-the-secret');
  });

  it('rejects unsupported grants, a missing grant and a non-form body', async () => {
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
    const json = await fetch(`${s.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEMO_BASIC },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('renews with the refresh_token grant, but not with an access token', async () => {
    const s = await start();
    const first = (await (await postToken(s, PASSWORD_GRANT, DEMO_BASIC)).json()) as Record<string, string>;
    const refreshed = await postToken(
      s,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token as string }),
      DEMO_BASIC,
    );
    expect(refreshed.status).toBe(200);
    const misuse = await postToken(
      s,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.access_token as string }),
      DEMO_BASIC,
    );
    expect(misuse.status).toBe(400);
    expect(((await misuse.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('answers 405 to GET', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/auth/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
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
      const cases: [string | undefined, string][] = [
        [undefined, 'Missing bearer token'],
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
    expect(await response.json()).toEqual({
      private: false,
      ui_endpoint: s.url,
      auth_endpoint: s.url,
      api_endpoint: s.url,
      area: 'na1',
      domain: 'niceincontact.com',
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
  });
});
