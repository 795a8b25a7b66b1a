/**
 * NICE's own npm clients against the simulator: `@nice-devone/auth-sdk` and `@nice-devone/core-sdk`
 * (25.1.2, root devDependencies). They are written for browsers and a bundler. What they need in Node,
 * found by reading their code:
 * - `window`: `verifyJwt` decodes the token header with `window.atob`, the PKCE helper uses
 *   `window.crypto`, and a refresh ends with `window.dispatchEvent(new CustomEvent(...))`: here an
 *   EventTarget with Node's own `atob`, `btoa` and `crypto`;
 * - `localStorage` and `sessionStorage`: settings, tokens, the JWKS and the PKCE verifier are kept
 *   there: here a Map-backed Storage;
 * - `yup` (a root devDependency): common-sdk requires it at run time without declaring it; NICE's own
 *   sample app supplies it the same way;
 * - module resolution as a bundler does it: their ES modules import without file extensions
 *   (`./lib/cxone-auth`), and core-sdk's `HttpRequest` calls `require('node-fetch')` inside an ES
 *   module. Vitest's module runner (vite) resolves both, as a bundler would; plain Node needs a resolve
 *   hook adding `.js` and a `require` created at core-sdk (both tried: the SDK then runs unchanged).
 * HTTP goes through the SDK's own HttpClient (rxjs `fromFetch` over Node's fetch), so every request
 * below is the SDK's. The SDK has no password grant (it is a browser login SDK): the token comes from
 * the back-end password grant NICE documents, handed to the SDK as its token response, as its
 * `getAccessTokenByCode` does with the authorization code grant's.
 */
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

class MemoryStorage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  clear(): void {
    this.#items.clear();
  }
}

const SHIMS = ['window', 'localStorage', 'sessionStorage'] as const;
const installShims = () => {
  const globals = globalThis as Record<string, unknown>;
  for (const name of SHIMS) if (name in globals) throw new Error(`${name} is already defined in this Node`);
  const window = Object.assign(new EventTarget(), { atob, btoa, crypto: globalThis.crypto });
  globals.window = window;
  globals.localStorage = new MemoryStorage();
  globals.sessionStorage = new MemoryStorage();
};
const removeShims = () => {
  for (const name of SHIMS) delete (globalThis as Record<string, unknown>)[name];
};

// The SDK's types are its own; the test reads what it returns through these few shapes.
interface SdkAuthToken {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
  readonly expiresIn: number;
}
interface SdkAuth {
  init(settings: Record<string, unknown>): void;
  getOpenIDConfiguration(host: string): Promise<Record<string, unknown>>;
  getAuthorizeUrl(display: string, method: string, tenantId?: string): Promise<string>;
  verifyJwt(response: { data: Record<string, unknown> }): Promise<boolean>;
  parseAndSaveAuthToken(response: { data: Record<string, unknown> }): SdkAuthToken;
  getAuthToken(): SdkAuthToken;
  getCXoneConfiguration(host: string, tenantId: string, isUserHub: boolean): Promise<Record<string, unknown>>;
  getAcdAuthorizationTokenEndpoint(cluster: string, domain: string): string;
  getRefreshToken(): Promise<void>;
  readonly cxoneUser: { getUserInfo(): Record<string, unknown> };
  readonly onAuthStatusChange: {
    subscribe(next: (event: { status: string }) => void): { unsubscribe(): void };
  };
}

/** How far the simulator's clock runs ahead of real time (moved on instead of sleeping). */
let clockAheadMs = 0;
let sim: RunningSimulator;
let auth: SdkAuth;
let core: {
  HttpClient: { get(url: string, init: unknown): Promise<{ status: number; data: Record<string, unknown> }> };
  HttpUtilService: new () => { initHeader(token: string, contentType: string): unknown };
};
let statuses: string[];
let AuthStatus: Record<string, string>;

/** The password grant NICE documents for back-end apps (the SDK has none). */
const passwordGrant = async (): Promise<Record<string, unknown>> => {
  const { accessKeyId, accessKeySecret, clientId, clientSecret } = sim.credentials;
  const response = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'password',
      username: accessKeyId,
      password: accessKeySecret,
    }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};

beforeAll(async () => {
  sim = await startSimulator({ contacts: 6, seed: 3, now: () => new Date(Date.now() + clockAheadMs) });
  installShims();
  const sdk = (await import('@nice-devone/auth-sdk')) as unknown as {
    CXoneAuth: { instance: SdkAuth };
    AuthStatus: Record<string, string>;
  };
  AuthStatus = sdk.AuthStatus;
  core = (await import('@nice-devone/core-sdk')) as unknown as typeof core;
  auth = sdk.CXoneAuth.instance;
  auth.init({
    cxoneHostname: sim.url,
    clientId: sim.credentials.clientId,
    redirectUri: 'https://app.example/cb',
  });
  statuses = [];
  auth.onAuthStatusChange.subscribe((event) => statuses.push(event.status));
});

afterAll(async () => {
  await sim?.stop();
  removeShims();
});

describe("NICE's auth-sdk and core-sdk against the simulator", () => {
  it('OpenID discovery: the SDK reads the token endpoint, the JWKS and builds a login URL', async () => {
    const oidc = await auth.getOpenIDConfiguration(sim.url);
    expect(oidc).toMatchObject({
      tokenEndpoint: `${sim.url}/auth/token`,
      authorizationEndpoint: `${sim.url}/auth/authorize`,
      endSessionEndpoint: `${sim.url}/auth/authorize/logout`,
      jwksURI: `${sim.url}/auth/jwks`,
      displayValuesSupported: ['page', 'popup'],
      codeChallengeMethods: ['S256'],
    });
    // getAuthorizeUrl refuses an issuer without display values or S256 (it did against the old simulator).
    const login = new URL(await auth.getAuthorizeUrl('page', 'S256', sim.tenantId));
    expect(`${login.origin}${login.pathname}`).toBe(`${sim.url}/auth/authorize`);
    expect(login.searchParams.get('client_id')).toBe(sim.credentials.clientId);
    expect(login.searchParams.get('code_challenge_method')).toBe('S256');
    expect(login.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('token and id_token: the SDK verifies the id_token against the JWKS, and refuses a forged one', async () => {
    const tokens = await passwordGrant();
    expect(await auth.verifyJwt({ data: tokens })).toBe(true);
    const [header, payload, signature] = (tokens.id_token as string).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, tenantId: 'someone-else' })).toString('base64url');
    expect(await auth.verifyJwt({ data: { ...tokens, id_token: `${header}.${forged}.${signature}` } })).toBe(
      false,
    );
    const unknownKid = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'not-in-jwks' })).toString(
      'base64url',
    );
    expect(
      await auth.verifyJwt({ data: { ...tokens, id_token: `${unknownKid}.${payload}.${signature}` } }),
    ).toBe(false);
    const saved = auth.parseAndSaveAuthToken({ data: tokens });
    expect(saved).toMatchObject({
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      expiresIn: 3600,
    });
    expect(auth.cxoneUser.getUserInfo()).toMatchObject({
      tenantId: sim.tenantId,
      icClusterId: 'SIM1',
      icBUId: 4600001,
      icAgentId: '3100001',
    });
  });

  it('tenant discovery: every host the SDK derives is well formed', async () => {
    const config = await auth.getCXoneConfiguration(sim.url, sim.tenantId, true);
    expect(config).toMatchObject({
      acdApiBaseUri: sim.url,
      area: 'na1',
      cluster: 'SIM1',
      domain: 'niceincontact.com',
      acdDomain: 'nice-incontact.com',
      userHubDomain: 'nice-incontact.com',
      userHubBaseUrl: 'https://na1.nice-incontact.com',
      dfoApiBaseUri: 'https://api-de-na1.niceincontact.com',
      apiFacadeBaseUri: 'https://api-na1.niceincontact.com',
    });
    const whoami = auth.getAcdAuthorizationTokenEndpoint(
      config.cluster as string,
      config.acdDomain as string,
    );
    expect(whoami).toBe('https://api-SIM1.nice-incontact.com/incontactauthorizationserver/token');
    const hosts = Object.entries(config).filter(
      ([, value]) => typeof value === 'string' && value.includes('://'),
    );
    expect(hosts.length).toBeGreaterThanOrEqual(10);
    for (const [name, value] of [...hosts, ['whoami', whoami]] as [string, string][]) {
      expect(value, name).not.toMatch(/undefined|null/);
      const url = new URL(value);
      expect(['https:', 'wss:', 'http:'], name).toContain(url.protocol);
      expect(url.hostname, name).toMatch(/^(127\.0\.0\.1|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i);
    }
  });

  it("core-sdk's HttpClient calls the API with the token, its own headers and Node's fetch", async () => {
    const token = auth.getAuthToken().accessToken;
    const headers = new core.HttpUtilService().initHeader(token, 'application/json');
    const url = `${sim.url}/incontactapi/services/v33.0/contacts/completed?top=2`;
    const response = await core.HttpClient.get(url, headers);
    expect(response.status).toBe(200);
    expect(Array.isArray(response.data.completedContacts)).toBe(true);
    await expect(
      core.HttpClient.get(url, new core.HttpUtilService().initHeader('not-a-token', '')),
    ).rejects.toMatchObject({
      message: 'API Error',
    });
  });

  it('refresh: the SDK renews with its own refresh request, and the new tokens verify and work', async () => {
    const before = auth.getAuthToken();
    clockAheadMs += 1000; // the simulator's clock a second on: a new iat, so a new token
    await auth.getRefreshToken();
    expect(statuses).toContain(AuthStatus.REFRESH_TOKEN_SUCCESS);
    expect(statuses).not.toContain(AuthStatus.AUTHENTICATION_FAILED);
    const after = auth.getAuthToken();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await auth.verifyJwt({ data: { id_token: after.idToken, access_token: after.accessToken } })).toBe(
      true,
    );
    const api = await fetch(`${sim.url}/incontactapi/services/v33.0/contacts/completed?top=1`, {
      headers: { authorization: `Bearer ${after.accessToken}`, accept: 'application/json' },
    });
    expect(api.status).toBe(200);
    expect(sim.requests.filter((r) => r.path === '/auth/token').map((r) => r.status)).toEqual([200, 200]);
  });
});
