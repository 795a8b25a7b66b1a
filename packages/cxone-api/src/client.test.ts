import { Redacted, SecretScrubber } from '@cxarchive/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CxoneClientOptions, createCxoneClient } from './client.js';
import type { CxoneFamily } from './families.js';
import { basicCredentials, formEncode } from './secrets.js';

const ISSUER = 'https://cxone.test';
const API = 'https://api-na1.cxone.test';
const LISTING = `${API}/incontactapi/services/v29.0/contacts/completed?top=1`;
const SECRETS = {
  accessKeyId: 'AKID-VERY-SECRET-ID',
  accessKeySecret: 'access-key!secret value',
  clientSecret: 'client-secret-value',
};

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'HS256' })}.${b64url(claims)}.sig`;
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

interface Logged {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
}
type Handler = (req: Logged, count: number, signal: AbortSignal | undefined) => Response | Promise<Response>;

/** A scripted CXone on fake hosts: discovery and token by default, the API per test. */
const fakeCxone = (handlers: Partial<Record<'token' | 'api', Handler>> = {}) => {
  const log: Logged[] = [];
  const counts = new Map<string, number>();
  const issued: string[] = [];
  const call = (name: 'token' | 'api', req: Logged, signal: AbortSignal | undefined, fallback: Handler) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return (handlers[name] ?? fallback)(req, n, signal);
  };
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const req: Logged = {
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    log.push(req);
    const signal = init?.signal ?? undefined;
    const { pathname } = req.url;
    if (req.url.origin === ISSUER && pathname === '/.well-known/openid-configuration') {
      return json({ issuer: ISSUER, token_endpoint: `${ISSUER}/auth/token` });
    }
    if (req.url.origin === ISSUER && pathname === '/.well-known/cxone-configuration') {
      return json({ api_endpoint: API, area: 'na1', domain: 'cxone.test' });
    }
    if (pathname === '/auth/token') {
      return call('token', req, signal, () => {
        const token = jwt({ tenantId: 'tenant-1', n: issued.length + 1 });
        issued.push(token);
        return json({ access_token: token, token_type: 'Bearer', expires_in: 3600 });
      });
    }
    return call('api', req, signal, () => new Response(null, { status: 204 }));
  }) as typeof fetch;
  const requests = (pathname: string) => log.filter((r) => r.url.pathname === pathname);
  return { fetchImpl, log, issued, requests };
};

const clock = { now: new Date('2026-10-20T00:00:00Z') };
beforeEach(() => {
  clock.now = new Date('2026-10-20T00:00:00Z');
});

const client = (fetchImpl: typeof fetch, overrides: Partial<CxoneClientOptions> = {}) => {
  const scrubber = new SecretScrubber();
  const taken: CxoneFamily[] = [];
  const c = createCxoneClient({
    issuer: ISSUER,
    credentials: {
      accessKeyId: Redacted.make(SECRETS.accessKeyId),
      accessKeySecret: Redacted.make(SECRETS.accessKeySecret),
      clientId: 'client-id',
      clientSecret: Redacted.make(SECRETS.clientSecret),
      clientAuth: 'basic',
    },
    requestTimeoutMs: 5000,
    tokenRefreshSkewMs: 5 * 60_000,
    now: () => clock.now,
    scrubber,
    budget: async (family) => {
      taken.push(family);
    },
    fetchImpl,
    ...overrides,
  });
  return { client: c, scrubber, taken };
};

const live = () => new AbortController().signal;
const get = (url = LISTING) => ({ family: 'cxone-acd' as const, url, signal: live() });

const assertNoSecret = (text: string) => {
  for (const s of Object.values(SECRETS)) {
    for (const form of [s, encodeURIComponent(s), formEncode(s)]) expect(text).not.toContain(form);
  }
  expect(text).not.toContain(basicCredentials('client-id', SECRETS.clientSecret));
};

describe('auth (the cxone-auth family)', () => {
  it('uses the password grant with Basic client auth and discovers the tenant API from the token', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl);
    expect((await c.apiBase(live()))._unsafeUnwrap()).toBe(API);
    const tokenReq = fake.requests('/auth/token')[0];
    const form = new URLSearchParams(tokenReq?.body);
    expect(form.get('grant_type')).toBe('password');
    expect(form.get('username')).toBe(SECRETS.accessKeyId);
    expect(form.get('password')).toBe(SECRETS.accessKeySecret);
    expect(form.has('client_secret')).toBe(false);
    expect(tokenReq?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(tokenReq?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`client-id:${SECRETS.clientSecret}`).toString('base64')}`,
    );
    const discovery = fake.requests('/.well-known/cxone-configuration')[0];
    expect(discovery?.url.searchParams.get('tenantId')).toBe('tenant-1');
    for (const r of fake.log) expect(r.headers.get('accept')).toBe('application/json');
  });

  it('sends the client in the form with clientAuth "post"', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl, {
      credentials: {
        accessKeyId: Redacted.make(SECRETS.accessKeyId),
        accessKeySecret: Redacted.make(SECRETS.accessKeySecret),
        clientId: 'client-id',
        clientSecret: Redacted.make(SECRETS.clientSecret),
        clientAuth: 'post',
      },
    });
    await c.token(live());
    const form = new URLSearchParams(fake.requests('/auth/token')[0]?.body);
    expect(form.get('client_id')).toBe('client-id');
    expect(form.get('client_secret')).toBe(SECRETS.clientSecret);
    expect(fake.requests('/auth/token')[0]?.headers.has('authorization')).toBe(false);
  });

  it('skips tenant discovery when apiBaseUrl is set', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: 'https://api-eu1.cxone.test' });
    expect((await c.apiBase(live()))._unsafeUnwrap()).toBe('https://api-eu1.cxone.test');
    expect(fake.log).toEqual([]);
  });

  it('asks for one token when many requests need one at once', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl);
    await Promise.all([1, 2, 3, 4].map(() => c.request(get())));
    expect(fake.requests('/auth/token')).toHaveLength(1);
    expect(fake.requests('/.well-known/openid-configuration')).toHaveLength(1);
  });

  it('renews the token before it expires, by the injected clock', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl);
    await c.token(live());
    clock.now = new Date(clock.now.getTime() + 54 * 60_000);
    await c.token(live());
    expect(fake.requests('/auth/token')).toHaveLength(1);
    clock.now = new Date(clock.now.getTime() + 2 * 60_000); // 56 min: inside the 5 min skew
    await c.token(live());
    expect(fake.requests('/auth/token')).toHaveLength(2);
  });

  it('registers every token with the scrubber as soon as it is obtained', async () => {
    const fake = fakeCxone({
      api: (req) =>
        json({ internalCode: 'Echo', message: `you sent ${req.headers.get('authorization')}` }, 400),
    });
    const { client: c, scrubber } = client(fake.fetchImpl);
    const res = (await c.request({ ...get(), family: 'media-playback' }))._unsafeUnwrap();
    const error = await c.fail({ ...get(), family: 'media-playback' }, res);
    const token = fake.issued[0] as string;
    expect(scrubber.scrub(`x ${token} y`)).toBe('x [redacted] y');
    expect(error.message).toContain('you sent Bearer [redacted]');
    expect(error.message).not.toContain(token.slice(0, 12));
  });

  it('keeps secrets out of a token failure that echoes them in every encoding', async () => {
    const fake = fakeCxone({
      token: (req) =>
        json(
          {
            error: 'invalid_client',
            error_description: `unknown client ${req.headers.get('authorization')} ${req.body} ${decodeURIComponent(req.body ?? '')}`,
          },
          401,
        ),
    });
    const { client: c } = client(fake.fetchImpl);
    const error = (await c.token(live()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    assertNoSecret(error.message);
    assertNoSecret(JSON.stringify(error));
  });
});

describe('request()', () => {
  it('sends Accept and the bearer token, and hands back any status', async () => {
    const fake = fakeCxone({ api: () => new Response('nope', { status: 404 }) });
    const { client: c } = client(fake.fetchImpl);
    const res = (await c.request(get()))._unsafeUnwrap();
    expect(res.status).toBe(404);
    const sent = fake.log.find((r) => r.url.origin === API);
    expect(sent?.headers.get('accept')).toBe('application/json');
    expect(sent?.headers.get('authorization')).toBe(`Bearer ${fake.issued[0]}`);
  });

  it('renews the token after a 401 and repeats the call once', async () => {
    const fake = fakeCxone({
      api: (_req, n) => (n === 1 ? new Response(null, { status: 401 }) : new Response(null, { status: 204 })),
    });
    const { client: c, taken } = client(fake.fetchImpl);
    expect((await c.request(get()))._unsafeUnwrap().status).toBe(204);
    expect(fake.requests('/auth/token')).toHaveLength(2);
    const bearers = fake.log.filter((r) => r.url.origin === API).map((r) => r.headers.get('authorization'));
    expect(bearers).toEqual([`Bearer ${fake.issued[0]}`, `Bearer ${fake.issued[1]}`]);
    expect(taken.filter((f) => f === 'cxone-acd')).toHaveLength(2); // the repeat counts against the budget too
  });

  it('fails with Auth on a second 401, with the icStatusDescription', async () => {
    const fake = fakeCxone({
      api: () => new Response(null, { status: 401, headers: { icStatusDescription: 'Invalid token' } }),
    });
    const { client: c } = client(fake.fetchImpl);
    const error = (await c.request(get()))._unsafeUnwrapErr();
    expect(error).toEqual({
      _tag: 'Auth',
      message: `GET ${API}/incontactapi/services/v29.0/contacts/completed: HTTP 401 Invalid token`,
    });
    expect(fake.log.filter((r) => r.url.origin === API)).toHaveLength(2);
  });

  it('maps a network failure to Transient with its code', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) });
    }) as typeof fetch;
    const { client: c } = client(failing, { apiBaseUrl: API });
    const error = (await c.request(get()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toContain('ECONNRESET');
  });
});

describe('budgets', () => {
  it('takes one request from the family budget before every request, auth included', async () => {
    const fake = fakeCxone();
    const { client: c, taken } = client(fake.fetchImpl);
    await c.request(get());
    await c.request({ ...get(), family: 'media-playback' });
    // openid-configuration, token, then the two API calls (no tenant discovery: request() needs none)
    expect(taken).toEqual(['cxone-auth', 'cxone-auth', 'cxone-acd', 'media-playback']);
    expect(fake.log).toHaveLength(taken.length);
    await c.apiBase(live());
    expect(taken.at(-1)).toBe('cxone-auth');
    expect(fake.log).toHaveLength(taken.length);
  });

  it('sends nothing while the budget waits, and stops waiting when the signal aborts', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl, {
      apiBaseUrl: API,
      budget: (family, signal) =>
        family === 'cxone-auth'
          ? Promise.resolve()
          : new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    await c.token(live());
    const controller = new AbortController();
    const pending = c.request({ ...get(), signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.log.filter((r) => r.url.origin === API)).toEqual([]);
    controller.abort();
    const error = (await pending)._unsafeUnwrapErr();
    expect(error).toEqual({
      _tag: 'Transient',
      message: `GET ${API}/incontactapi/services/v29.0/contacts/completed: aborted`,
    });
    expect(fake.log.filter((r) => r.url.origin === API)).toEqual([]);
  });

  it('lets a defect in the budget hook surface (an undeclared family throws)', async () => {
    const fake = fakeCxone();
    const { client: c } = client(fake.fetchImpl, {
      budget: () => {
        throw new Error('budget(acd): the plugin did not declare this family');
      },
    });
    await expect(c.token(live())).rejects.toThrow('did not declare');
  });

  it('yields Throttled with the Retry-After delay and the family on 429', async () => {
    const fake = fakeCxone({
      api: () =>
        json({ message: 'Too Many Requests', route: '/media-playback' }, 429, { 'Retry-After': '3' }),
    });
    const { client: c } = client(fake.fetchImpl);
    const error = (await c.requestJson({ ...get(), family: 'media-playback' }))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Throttled', retryAfterMs: 3000, family: 'media-playback' });
    expect(error.message).toContain('Too Many Requests');
  });
});

describe('signals', () => {
  it('aborts a request in flight', async () => {
    const fake = fakeCxone({
      api: (_req, _n, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API });
    const controller = new AbortController();
    const pending = c.request({ ...get(), signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect((await pending)._unsafeUnwrapErr().message).toMatch(/: aborted$/);
  });

  it('a caller that aborts while a token is on its way does not cancel it for the others', async () => {
    let release: (() => void) | undefined;
    const fake = fakeCxone({
      token: async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return json({ access_token: jwt({ tenantId: 't' }), expires_in: 3600 });
      },
    });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API });
    const quitter = new AbortController();
    const first = c.token(quitter.signal);
    const second = c.token(live());
    await new Promise((resolve) => setTimeout(resolve, 20));
    quitter.abort();
    expect((await first)._unsafeUnwrapErr().message).toMatch(/aborted$/);
    release?.();
    expect((await second).isOk()).toBe(true);
    expect(fake.requests('/auth/token')).toHaveLength(1);
  });

  it('close() ends the wait for a token still on its way', async () => {
    const fake = fakeCxone({
      token: (_req, _n, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API });
    const pending = c.token(live());
    await new Promise((resolve) => setTimeout(resolve, 20));
    c.close();
    expect((await pending)._unsafeUnwrapErr().message).toMatch(/aborted$/);
  });

  it('times out a request that never answers', async () => {
    const fake = fakeCxone({
      api: (_req, _n, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API, requestTimeoutMs: 50 });
    const error = (await c.request(get()))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Transient' });
    expect(error.message).toContain('timed out after 50 ms');
  });
});

describe('requestJson()', () => {
  it('reads a 200 body, answers an empty status without one, and fails the rest by family', async () => {
    const fake = fakeCxone({
      api: (req) =>
        req.url.searchParams.get('case') === 'ok'
          ? json({ completedContacts: [] })
          : req.url.searchParams.get('case') === 'empty'
            ? new Response(null, { status: 204 })
            : new Response(null, { status: 400, headers: { icStatusDescription: 'Invalid top' } }),
    });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API });
    const at = (which: string) => `${API}/x?case=${which}`;
    expect((await c.requestJson({ ...get(at('ok')), empty: [204] }))._unsafeUnwrap()).toEqual({
      status: 200,
      body: { completedContacts: [] },
    });
    expect((await c.requestJson({ ...get(at('empty')), empty: [204] }))._unsafeUnwrap()).toEqual({
      status: 204,
    });
    expect((await c.requestJson({ ...get(at('bad')), empty: [204] }))._unsafeUnwrapErr()).toEqual({
      _tag: 'InvalidInput',
      message: `GET ${API}/x: HTTP 400 Invalid top`,
    });
  });

  it('fails a 200 whose body is not a JSON object as Permanent', async () => {
    const fake = fakeCxone({ api: () => new Response('<html/>', { status: 200 }) });
    const { client: c } = client(fake.fetchImpl, { apiBaseUrl: API });
    expect((await c.requestJson(get()))._unsafeUnwrapErr()._tag).toBe('Permanent');
  });
});
