import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { demoToken } from './demo-token.js';
import type { FaultSpec } from './faults.js';
import type { SimulatorOptions } from './options.js';
import { type RunningSimulator, type ServerOptions, startSimulator } from './server.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const start = async (options: SimulatorOptions & ServerOptions = {}): Promise<RunningSimulator> => {
  sim = await startSimulator({ seed: 3, contacts: 14, recordingSeconds: [1, 3], ...options });
  return sim;
};

const tokenOf = demoToken;

const LISTING = '/incontactapi/services/v29.0/contacts/completed';
const listing = (s: RunningSimulator, token: string, skip: number, top: number) =>
  fetch(
    `${s.url}${LISTING}?updatedSince=2026-01-01T00:00:00Z&orderBy=lastUpdateTime%20asc&skip=${skip}&top=${top}`,
    {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    },
  );

const playback = (s: RunningSimulator, token: string | undefined) => {
  const master = [...s.dataset.recordings.keys()][0];
  return fetch(`${s.url}/media-playback/v1/contacts?acd-call-id=${master}&media-type=voice-only`, {
    headers: {
      accept: 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  });
};

interface Page {
  totalRecords: number;
  _links: { self: string; next: string | null; previous: string | null };
  completedContacts: { contactId: unknown }[];
}
const ids = (page: Page) => page.completedContacts.map((c) => String(c.contactId));

/** Every page of the listing by `_links.next` (or by skip when `bySkip`), as lists of ids. */
const allPages = async (s: RunningSimulator, token: string, top: number, bySkip = false) => {
  const pages: string[][] = [];
  let url: string | null =
    `${s.url}${LISTING}?updatedSince=2026-01-01T00:00:00Z&orderBy=lastUpdateTime%20asc&skip=0&top=${top}`;
  let skip = 0;
  while (url !== null && pages.length < 50) {
    const response: Response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (response.status === 204) break;
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    pages.push(ids(page));
    skip += top;
    url = bySkip
      ? page._links.next === null
        ? null
        : `${s.url}${LISTING}?updatedSince=2026-01-01T00:00:00Z&orderBy=lastUpdateTime%20asc&skip=${skip}&top=${top}`
      : page._links.next;
  }
  return pages;
};

describe('status faults', () => {
  it('answers a burst of 5xx in a row in the family shape, then recovers', async () => {
    const s = await start({
      faults: [{ route: 'contacts-completed', kind: 'status', status: 503, count: 3 }],
    });
    const token = await tokenOf(s);
    for (let i = 0; i < 3; i++) {
      const response = await listing(s, token, 0, 5);
      expect(response.status).toBe(503);
      // The ACD API's shape: the message in icStatusDescription, no body.
      expect(response.headers.get('icstatusdescription')).toBe('Service Unavailable');
      expect(await response.text()).toBe('');
    }
    expect((await listing(s, token, 0, 5)).status).toBe(200);
    const log = s.requestLog().filter((e) => e.route === 'contacts-completed');
    expect(log.map((e) => [e.status, e.fault])).toEqual([
      [503, 'status'],
      [503, 'status'],
      [503, 'status'],
      [200, undefined],
    ]);
    expect(s.faults.list()[0]).toMatchObject({ seen: 4, applied: 3 });
  });

  it("answers 429 in Media Playback's throttling shape, with or without Retry-After", async () => {
    const s = await start({
      faults: [
        { route: 'media-playback', kind: 'status', status: 429 },
        { route: 'media-playback', kind: 'status', status: 429, retryAfterSeconds: 7, after: 1 },
      ],
    });
    const token = await tokenOf(s);
    const bare = await playback(s, token);
    expect(bare.status).toBe(429);
    expect(bare.headers.has('retry-after')).toBe(false);
    expect(await bare.json()).toEqual({ message: 'Too Many Requests', route: '/media-playback/v1/contacts' });
    const told = await playback(s, token);
    expect(told.status).toBe(429);
    expect(told.headers.get('retry-after')).toBe('7');
    expect((await playback(s, token)).status).toBe(200);
  });

  it('lets the first `after` requests through, and `always` never stops', async () => {
    const s = await start({
      faults: [{ route: '*', kind: 'status', status: 500, after: 2, count: 'always' }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(`${s.url}/.well-known/openid-configuration`)).status);
    expect(statuses).toEqual([200, 200, 500, 500, 500]);
    const body = await (await fetch(`${s.url}/.well-known/openid-configuration`)).json();
    expect(body).toEqual({ error: 'server_error', error_description: 'Internal Server Error' });
  });
});

describe('connection faults', () => {
  it('resets the connection before any response, and logs status 0', async () => {
    const s = await start({ faults: [{ route: 'media-playback', kind: 'reset' }] });
    const token = await tokenOf(s);
    await expect(playback(s, token)).rejects.toThrow();
    expect((await playback(s, token)).status).toBe(200);
    const log = s.requestLog().filter((e) => e.route === 'media-playback');
    expect(log.map((e) => [e.status, e.fault])).toEqual([
      [0, 'reset'],
      [200, undefined],
    ]);
  });

  it('cuts a recording after some bytes, its full Content-Length announced', async () => {
    const s = await start({ faults: [{ route: 'media-file', kind: 'reset', afterBytes: 1000 }] });
    const token = await tokenOf(s);
    const described = (await (await playback(s, token)).json()) as {
      interactions: { data: { fileToPlayUrl: string } }[];
    };
    const fileUrl = described.interactions[0]?.data.fileToPlayUrl;
    if (fileUrl === undefined) throw new Error('no fileToPlayUrl');
    const response = await fetch(fileUrl);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(1000);
    await expect(response.arrayBuffer()).rejects.toThrow();
    const whole = await fetch(fileUrl);
    expect((await whole.arrayBuffer()).byteLength).toBe(Number(whole.headers.get('content-length')));
  });

  it('holds an answer back for the latency asked', async () => {
    const s = await start({ faults: [{ route: 'openid-configuration', kind: 'latency', ms: 300 }] });
    // A lower bound only (a timer never fires early): how fast anything answers is never asserted.
    const began = performance.now();
    expect((await fetch(`${s.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect(performance.now() - began).toBeGreaterThanOrEqual(290);
    await fetch(`${s.url}/.well-known/openid-configuration`);
    // The fault held back the first answer only (count 1 by default), as the log shows.
    const log = s.requestLog().filter((e) => e.route === 'openid-configuration');
    expect(log.map((e) => e.fault)).toEqual(['latency', undefined]);
    expect(s.faults.list()[0]).toMatchObject({ seen: 2, applied: 1 });
  });
});

describe('expired tokens', () => {
  it('expires the bearer mid-run: it gets 401 from then on, a fresh token works', async () => {
    const s = await start({ faults: [{ route: 'media-playback', kind: 'expire-token', after: 1 }] });
    const token = await tokenOf(s);
    expect((await playback(s, token)).status).toBe(200);
    const expired = await playback(s, token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ internalCode: 'Unauthorized', message: 'Token has expired' });
    // The same token is expired on every route now.
    const acd = await listing(s, token, 0, 5);
    expect(acd.status).toBe(401);
    expect(acd.headers.get('icstatusdescription')).toBe('Token has expired');
    const fresh = await tokenOf(s);
    expect((await playback(s, fresh)).status).toBe(200);
    expect((await listing(s, fresh, 0, 5)).status).toBe(200);
  });

  it('does not apply to a request without a bearer', async () => {
    const s = await start({ faults: [{ route: '*', kind: 'expire-token' }] });
    expect((await fetch(`${s.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect(s.faults.list()[0]).toMatchObject({ seen: 0, applied: 0 });
  });
});

describe('listing faults', () => {
  it('without faults, pages cover the listing once (the baseline the faults change)', async () => {
    const s = await start();
    const token = await tokenOf(s);
    const pages = await allPages(s, token, 4);
    expect(pages.flat()).toHaveLength(14);
    expect(new Set(pages.flat()).size).toBe(14);
  });

  it.each([false, true])(
    'shift: late contacts move the later pages; nothing is lost (paging by skip: %s)',
    async (bySkip) => {
      const s = await start({ faults: [{ route: 'contacts-completed', kind: 'shift', by: 2, after: 1 }] });
      const token = await tokenOf(s);
      const pages = await allPages(s, token, 4, bySkip);
      const flat = pages.flat();
      expect(new Set(flat).size).toBe(14);
      expect(flat).toHaveLength(16);
      // The last two contacts of the first page come again at the top of the second.
      expect(pages[1]?.slice(0, 2)).toEqual(pages[0]?.slice(2, 4));
      expect(pages.every((page) => page.length <= 4)).toBe(true);
    },
  );

  it('shift: the totals count the late contacts, and a new listing (skip 0) starts unshifted', async () => {
    const s = await start({ faults: [{ route: 'contacts-completed', kind: 'shift', by: 1, after: 1 }] });
    const token = await tokenOf(s);
    const first = (await (await listing(s, token, 0, 5)).json()) as Page;
    const second = (await (await listing(s, token, 5, 5)).json()) as Page;
    expect(first.totalRecords).toBe(14);
    expect(second.totalRecords).toBe(15);
    expect(ids(second)[0]).toBe(ids(first)[4]);
    expect(new URL(second._links.next ?? '').searchParams.get('skip')).toBe('10');
    expect(new URL(second._links.self).searchParams.get('skip')).toBe('5');
    const again = (await (await listing(s, token, 0, 5)).json()) as Page;
    expect(ids(again)).toEqual(ids(first));
    expect(ids((await (await listing(s, token, 5, 5)).json()) as Page)[0]).not.toBe(ids(first)[4]);
  });

  it.each([false, true])(
    'duplicate: one page carries the first contacts of the next; nothing is lost (paging by skip: %s)',
    async (bySkip) => {
      const s = await start({ faults: [{ route: 'contacts-completed', kind: 'duplicate', by: 1 }] });
      const token = await tokenOf(s);
      const pages = await allPages(s, token, 4, bySkip);
      const flat = pages.flat();
      expect(new Set(flat).size).toBe(14);
      expect(flat).toHaveLength(15);
      expect(pages[0]).toHaveLength(5);
      expect(pages[1]?.[0]).toBe(pages[0]?.[4]);
    },
  );

  it('refuses shift and duplicate on routes other than the listing', async () => {
    await expect(start({ faults: [{ route: 'media-playback', kind: 'shift' }] })).rejects.toThrow(
      /applies only to the contact listing/,
    );
  });
});

describe('fault validation', () => {
  it.each<[unknown, RegExp]>([
    [{ route: 'nowhere', kind: 'reset' }, /route must be \* or one of .*media-playback/],
    [{ route: 'media-file', kind: 'explode' }, /kind must be one of/],
    [{ route: 'media-file', kind: 'status' }, /status must be an HTTP status/],
    [{ route: 'media-file', kind: 'status', status: 302 }, /status must be an HTTP status/],
    [{ route: 'media-file', kind: 'latency' }, /ms must be an integer/],
    [{ route: 'media-file', kind: 'reset', ms: 5 }, /ms does not apply to kind reset/],
    [{ route: 'media-file', kind: 'reset', count: 0 }, /count must be an integer from 1/],
    [{ route: 'media-file', kind: 'reset', after: -1 }, /after must be an integer/],
  ])('refuses %j', async (fault, message) => {
    await expect(start({ faults: [fault as FaultSpec] })).rejects.toThrow(message);
  });

  it('replaces faults all or nothing', async () => {
    const s = await start({ faults: [{ route: 'media-file', kind: 'reset' }] });
    expect(() =>
      s.faults.set([
        { route: 'media-playback', kind: 'status', status: 500 },
        { route: 'nowhere', kind: 'reset' },
      ]),
    ).toThrow(/faults\[1\]/);
    expect(s.faults.list().map((f) => f.spec.route)).toEqual(['media-file']);
  });
});

describe('request log', () => {
  it('logs method, path, query, route, family, status, time, host and whether a bearer came, never the token', async () => {
    let now = Date.parse('2026-10-20T12:00:00Z');
    const s = await start({ now: () => new Date(now) });
    const token = await tokenOf(s);
    now += 250;
    await playback(s, token);
    await fetch(`${s.url}/nowhere?x=1`);
    const log = s.requestLog();
    expect(log.map((e) => e.seq)).toEqual([0, 1, 2]);
    const [tokenCall, play, nowhere] = log;
    expect(tokenCall).toMatchObject({
      method: 'POST',
      path: '/auth/token',
      route: 'token',
      family: 'cxone-auth',
    });
    expect(tokenCall?.bearer).toBe(false);
    expect(play).toMatchObject({
      method: 'GET',
      path: '/media-playback/v1/contacts',
      route: 'media-playback',
      family: 'media-playback',
      status: 200,
      at: Date.parse('2026-10-20T12:00:00.250Z'),
      bearer: true,
      host: new URL(s.url).host,
      budget: 'accepted',
    });
    expect(play?.query).toMatchObject({ 'media-type': 'voice-only' });
    expect(nowhere).toMatchObject({ status: 404, query: { x: '1' } });
    expect(nowhere?.route).toBeUndefined();
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it('redacts the signature of a media URL, and shows no bearer went to it', async () => {
    const s = await start();
    const token = await tokenOf(s);
    const described = (await (await playback(s, token)).json()) as {
      interactions: { data: { fileToPlayUrl: string } }[];
    };
    const fileUrl = described.interactions[0]?.data.fileToPlayUrl ?? '';
    await (await fetch(fileUrl)).arrayBuffer();
    const file = s.requestLog().find((e) => e.route === 'media-file');
    expect(file?.status).toBe(200);
    expect(file?.bearer).toBe(false);
    expect(file?.query.signature).toBe('[redacted]');
    expect(JSON.stringify(s.requestLog())).not.toContain(new URL(fileUrl).searchParams.get('signature'));
  });

  it('keeps only the newest entries (a ring), numbered from the start', async () => {
    const s = await start({ requestLogSize: 3 });
    for (let i = 0; i < 5; i++) await fetch(`${s.url}/.well-known/openid-configuration?n=${i}`);
    const log = s.requestLog();
    expect(log.map((e) => [e.seq, e.query.n])).toEqual([
      [2, '2'],
      [3, '3'],
      [4, '4'],
    ]);
    s.clearRequestLog();
    expect(s.requestLog()).toEqual([]);
    await fetch(`${s.url}/.well-known/openid-configuration`);
    expect(s.requestLog().map((e) => e.seq)).toEqual([5]);
    await expect(startSimulator({ requestLogSize: 0 })).rejects.toThrow(/requestLogSize/);
  });
});

describe('admin endpoint', () => {
  const ADMIN = 'a-test-admin-token-0123456789';
  const admin = (s: RunningSimulator, path: string, init: RequestInit = {}, token = ADMIN) =>
    fetch(`${s.url}/_admin/${path}`, {
      ...init,
      headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
    });

  it('is closed without the admin token, and stays out of the log', async () => {
    const s = await start({ adminToken: ADMIN });
    expect((await fetch(`${s.url}/_admin/faults`)).status).toBe(401);
    expect((await admin(s, 'faults', {}, `${ADMIN}x`)).status).toBe(401);
    expect((await admin(s, 'requests', {}, 'wrong')).status).toBe(401);
    // An access token of the tenant is not the admin token either.
    expect((await admin(s, 'faults', {}, await tokenOf(s))).status).toBe(401);
    expect(s.requestLog().map((e) => e.path)).toEqual(['/auth/token']);
  });

  it('switches faults at run time and shows their counters', async () => {
    const s = await start({ adminToken: ADMIN });
    const posted = await admin(s, 'faults', {
      method: 'POST',
      body: JSON.stringify({
        faults: [{ route: 'openid-configuration', kind: 'status', status: 502, count: 2 }],
      }),
    });
    expect(posted.status).toBe(200);
    for (const expected of [502, 502, 200])
      expect((await fetch(`${s.url}/.well-known/openid-configuration`)).status).toBe(expected);
    const listed = (await (await admin(s, 'faults')).json()) as {
      faults: { seen: number; applied: number }[];
    };
    expect(listed.faults).toEqual([
      expect.objectContaining({ seen: 3, applied: 2, spec: expect.objectContaining({ status: 502 }) }),
    ]);
    const bad = await admin(s, 'faults', {
      method: 'POST',
      body: JSON.stringify({ faults: [{ route: 'openid-configuration', kind: 'status', status: 700 }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/faults\[0\]: fault.status/);
    expect((await admin(s, 'faults', { method: 'POST', body: 'nope' })).status).toBe(400);
    expect((await admin(s, 'faults', { method: 'POST', body: JSON.stringify({ faults: [] }) })).status).toBe(
      200,
    );
    expect(s.faults.list()).toEqual([]);
  });

  it('pages through the request log and empties it', async () => {
    const s = await start({ adminToken: ADMIN, requestLogSize: 100 });
    for (let i = 0; i < 4; i++) await fetch(`${s.url}/.well-known/openid-configuration`);
    const page = (await (await admin(s, 'requests?since=1&limit=2')).json()) as {
      total: number;
      capacity: number;
      entries: { seq: number }[];
    };
    expect(page.total).toBe(4);
    expect(page.capacity).toBe(100);
    expect(page.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect((await admin(s, 'requests?limit=0')).status).toBe(400);
    expect((await admin(s, 'requests', { method: 'DELETE' })).status).toBe(204);
    expect(s.requestLog()).toEqual([]);
  });

  it('draws a random admin token when none is given, and refuses a short one', async () => {
    const s = await start();
    expect(s.adminToken).toMatch(/^[0-9a-f]{64}$/);
    expect((await admin(s, 'faults', {}, s.adminToken)).status).toBe(200);
    await expect(startSimulator({ adminToken: 'short' })).rejects.toThrow(/adminToken/);
  });
});

describe('a raw client', () => {
  it('sees a reset as a socket error (no response at all)', async () => {
    const s = await start({ faults: [{ route: 'openid-configuration', kind: 'reset' }] });
    const error = await new Promise<Error>((resolve) => {
      const req = httpRequest(`${s.url}/.well-known/openid-configuration`, (res) => {
        res.resume();
        resolve(new Error(`unexpected response ${res.statusCode}`));
      });
      req.on('error', resolve);
      req.end();
    });
    expect((error as NodeJS.ErrnoException).code).toMatch(/ECONNRESET|socket hang up/i);
  });
});
