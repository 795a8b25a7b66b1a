import {
  type Item,
  type ItemRef,
  type Page,
  type PluginError,
  PluginFailure,
  Redacted,
  type Result,
  type Source,
  sha256OfStream,
} from '@cxarchive/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { mp4File, wavFile, wavHeader } from '../test-support/media-bodies.js';
import plugin from './index.js';
import type { CxoneSourceOptions } from './schema.js';
import { createCxoneSource } from './source.js';

const ISSUER = 'https://cxone.test';
const API = 'https://api-na1.cxone.test';
const MEDIA = 'https://media.cxone.test';
const SECRETS = {
  accessKeyId: 'AKID-VERY-SECRET-ID',
  accessKeySecret: 'access-key-secret-value',
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
type Route = 'token' | 'listing' | 'details' | 'playback' | 'file';
type Handler = (req: Logged, count: number, signal?: AbortSignal) => Response | Promise<Response>;

const DETAILS = /\/incontactapi\/services\/v\d+\.0\/contacts\/(\d+)$/;

/**
 * A scripted CXone on fake hosts: discovery and token by default, `contacts/{id}` from the
 * contacts registered in `known`, the rest per test.
 */
const fakeCxone = (handlers: Partial<Record<Route, Handler>> = {}) => {
  const log: Logged[] = [];
  const counts = new Map<string, number>();
  const known = new Map<string, Record<string, unknown>>();
  let tokens = 0;
  const call = (name: Route, req: Logged, signal: AbortSignal | undefined, fallback: Handler) => {
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
        tokens += 1;
        return json({ access_token: jwt({ tenantId: 'tenant-1', n: tokens }), expires_in: 3600 });
      });
    }
    if (pathname.endsWith('/contacts/completed')) {
      return call('listing', req, signal, () => new Response(null, { status: 204 }));
    }
    const details = DETAILS.exec(pathname);
    if (details !== null) {
      return call('details', req, signal, () => {
        const record = known.get(details[1] as string);
        return record === undefined
          ? new Response(null, { status: 404, headers: { icStatusDescription: 'Contact not found' } })
          : json({ businessUnitId: 4600001, lastPollTime: '2026-10-20T00:00:00Z', contactId: record });
      });
    }
    if (pathname === '/media-playback/v1/contacts') {
      return call('playback', req, signal, () => json({ internalCode: 'NotFound', message: 'none' }, 404));
    }
    if (req.url.origin === MEDIA) return call('file', req, signal, () => new Response('nf', { status: 404 }));
    return new Response('unexpected', { status: 500 });
  }) as typeof fetch;
  const requests = (test: (r: Logged) => boolean) => log.filter(test);
  return { fetchImpl, log, known, requests };
};

const isListing = (r: Logged) => r.url.pathname.endsWith('/contacts/completed');
const isDetails = (r: Logged) => DETAILS.test(r.url.pathname);
const isPlayback = (r: Logged) => r.url.pathname === '/media-playback/v1/contacts';
/** The source's ranged probe of a recording's first bytes (media-link.ts) versus its download. */
const isProbe = (r: Logged) => r.headers.get('range') === 'bytes=0-15';
const isDownload = (r: Logged) => r.url.origin === MEDIA && !isProbe(r);

/**
 * A media server for one recording, as CXone's answers a probe (206 with `Content-Range`) and a
 * whole GET (200 with `Content-Length`); `download` replaces the whole-GET answer.
 */
const mediaFile =
  (body: Buffer, headers: Record<string, string> = {}, download?: Handler): Handler =>
  (req, n, signal) => {
    if (isProbe(req)) {
      return new Response(body.subarray(0, 16), {
        status: 206,
        headers: { ...headers, 'content-range': `bytes 0-15/${body.length}` },
      });
    }
    if (download !== undefined) return download(req, n, signal);
    return new Response(body, { headers: { ...headers, 'content-length': String(body.length) } });
  };

const options = (overrides: Partial<Record<keyof CxoneSourceOptions, unknown>> = {}): CxoneSourceOptions =>
  ({
    issuer: ISSUER,
    accessKeyId: Redacted.make(SECRETS.accessKeyId),
    accessKeySecret: Redacted.make(SECRETS.accessKeySecret),
    clientId: 'client-id',
    clientSecret: Redacted.make(SECRETS.clientSecret),
    clientAuth: 'basic',
    since: '2026-10-01T00:00:00Z',
    settleLag: '30m',
    overlap: '15m',
    recordingLag: '30m',
    media: ['voice'],
    apiVersion: 'v29.0',
    pageSize: 3,
    requestTimeout: '5s',
    tokenRefreshSkew: '5m',
    ...overrides,
  }) as CxoneSourceOptions;

const START = new Date('2026-10-20T00:00:00Z');
const clock = { now: START };
beforeEach(() => {
  clock.now = START;
});
const context = () => testContext(() => clock.now);

const create = (fetchImpl: typeof fetch, overrides: Parameters<typeof options>[0] = {}, ctx = context()) =>
  createCxoneSource(options(overrides), ctx, fetchImpl)._unsafeUnwrap();

const collect = async (source: Source, checkpoint?: { updatedSince: string }, signal = live()) => {
  const out: Result<Page, PluginError>[] = [];
  for await (const page of source.pages(checkpoint, signal)) out.push(page);
  return out;
};

const contact = (id: number, updated: string, extra: Record<string, unknown> = {}) => ({
  contactId: id,
  masterContactId: id,
  contactStartDate: '2026-10-02T09:00:00Z',
  totalDurationSeconds: 300,
  lastUpdateTime: updated,
  mediaTypeId: 4,
  mediaTypeName: 'Call',
  firstName: 'Ada',
  lastName: 'Lovelace',
  fromAddress: '+15550000000',
  toAddress: 'customer@example.com',
  ...extra,
});

const assertNoSecret = (text: string) => {
  for (const s of Object.values(SECRETS)) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(encodeURIComponent(s));
  }
};

describe('plugin definition', () => {
  it('is an API v2 source named cxone with a closed schema that documents every option', () => {
    expect(plugin.kind).toBe('source');
    expect(plugin.name).toBe('cxone');
    expect(plugin.apiVersion).toBe(2);
    const schema = plugin.configSchema as {
      additionalProperties: boolean;
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.additionalProperties).toBe(false);
    for (const [name, prop] of Object.entries(schema.properties)) {
      expect(typeof prop.description, name).toBe('string');
    }
    const secrets = Object.entries(schema.properties)
      .filter(([, p]) => p['x-cxarchive-secret'] === true)
      .map(([n]) => n)
      .sort();
    expect(secrets).toEqual(['accessKeyId', 'accessKeySecret', 'clientSecret']);
  });

  it('declares the budgets of the API families it calls, Media Playback at the documented 150 / 5 min', () => {
    expect(plugin.budgets?.map(({ family, requests, per }) => ({ family, requests, per }))).toEqual([
      { family: 'media-playback', requests: 150, per: '5m' },
      { family: 'cxone-acd', requests: 300, per: '1m' },
      { family: 'cxone-auth', requests: 20, per: '1m' },
      { family: 'business-data', requests: 1, per: '30s' },
      { family: 'data-extraction', requests: 1, per: '30s' },
      { family: 'media-download', requests: 60, per: '1m' },
    ]);
    for (const budget of plugin.budgets ?? []) expect(budget.description).toBeTruthy();
  });
});

describe('create()', () => {
  it.each([
    ['issuer', 'http://cxone.niceincontact.com'],
    ['apiBaseUrl', 'http://api-na1.niceincontact.com'],
    ['apiBaseUrl', 'ftp://127.0.0.1'],
    ['issuer', 'https://cxone.niceincontact.com/?tenant=x'],
  ])('refuses %s %s as InvalidInput', async (field, value) => {
    const result = await plugin.create(options({ [field]: value }), context());
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error).toMatchObject({ path: field });
  });

  it('accepts http to a loopback host', async () => {
    const result = await plugin.create(
      options({ issuer: 'http://127.0.0.1:9', apiBaseUrl: 'http://localhost:9' }),
      context(),
    );
    expect(result.isOk()).toBe(true);
  });

  it('refuses an unparsable since and duration', async () => {
    expect((await plugin.create(options({ since: 'last week' }), context()))._unsafeUnwrapErr()._tag).toBe(
      'InvalidInput',
    );
    for (const field of ['overlap', 'recordingLag', 'recordingHorizon']) {
      const error = (await plugin.create(options({ [field]: 'a while' }), context()))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: field });
    }
  });

  it('lists voice, chat and email as media and documents the recording horizon (default 24h)', () => {
    const props = (plugin.configSchema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.media?.items).toEqual({ type: 'string', enum: ['voice', 'chat', 'email'] });
    expect(props.recordingHorizon).toMatchObject({ type: 'string', default: '24h' });
  });

  it('refuses an unknown media kind, naming the known ones', async () => {
    const error = (await plugin.create(options({ media: ['video'] }), context()))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'media' });
    expect(error.message).toContain('"voice", "chat", "email"');
  });

  it('declares its limits and record name', () => {
    const source = create(fakeCxone().fetchImpl);
    expect(source.limits).toEqual({ maxInFlight: 4 });
    expect(source.recordName).toBe('contact');
  });
});

describe('auth through the plugin', () => {
  it('lists from the API base discovered from the token, with the bearer token', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl));
    const listing = fake.requests(isListing)[0];
    expect(listing?.url.origin).toBe(API);
    expect(listing?.headers.get('authorization')).toMatch(/^Bearer /);
  });

  it('keeps secrets out of the message of a token failure that echoes them', async () => {
    const fake = fakeCxone({
      token: (req) =>
        json(
          {
            error: 'invalid_client',
            error_description: `unknown client ${req.headers.get('authorization')} ${req.body}`,
          },
          401,
        ),
    });
    const pages = await collect(create(fake.fetchImpl));
    const error = pages[0]?._unsafeUnwrapErr();
    expect(error?._tag).toBe('Auth');
    assertNoSecret(error?.message ?? '');
    assertNoSecret(JSON.stringify(error));
  });
});

describe('budgets', () => {
  it('takes one request from the family budget before every request it sends', async () => {
    const fake = fakeCxone({
      listing: () =>
        json({ completedContacts: [contact(1, '2026-10-02T10:00:00Z')], _links: { next: null } }),
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(wavFile(100), { 'content-type': 'audio/wav' }),
    });
    const ctx = context();
    const source = create(fake.fetchImpl, {}, ctx);
    const refs = (await collect(source)).flatMap((p) => p._unsafeUnwrap().items);
    const item = (await source.fetch(refs[0] as ItemRef, live()))._unsafeUnwrap();
    await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
    const familyOf = (r: Logged) =>
      r.url.origin === ISSUER
        ? 'cxone-auth'
        : isPlayback(r)
          ? 'media-playback'
          : r.url.origin === API
            ? 'cxone-acd'
            : 'none';
    const budgeted = fake.log.map(familyOf).filter((f) => f !== 'none');
    expect(ctx.taken).toEqual(budgeted);
    expect(ctx.taken).toEqual(['cxone-auth', 'cxone-auth', 'cxone-auth', 'cxone-acd', 'media-playback']);
  });

  it('reports a 429 from Media Playback as Throttled with the family and the Retry-After delay', async () => {
    const fake = fakeCxone({
      playback: () =>
        json({ message: 'Too Many Requests', route: '/media-playback' }, 429, { 'Retry-After': '30' }),
    });
    const error = await fetchError(create(fake.fetchImpl), fake, contact(7, '2026-10-02T10:00:00Z'));
    expect(error).toMatchObject({ _tag: 'Throttled', retryAfterMs: 30_000, family: 'media-playback' });
  });

  it('reports a 429 without Retry-After from the listing as Throttled with its family and no delay', async () => {
    const fake = fakeCxone({ listing: () => new Response(null, { status: 429 }) });
    const pages = await collect(create(fake.fetchImpl));
    expect(pages).toHaveLength(1);
    const error = pages[0]?._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Throttled', family: 'cxone-acd' });
    expect(error).not.toHaveProperty('retryAfterMs');
  });
});

describe('pages()', () => {
  it('pages by skip when there are no links, drops duplicates and never lowers the checkpoint', async () => {
    const all = [
      contact(1, '2026-10-02T10:00:00Z'),
      contact(2, '2026-10-02T11:00:00Z'),
      contact(3, '2026-10-02T12:00:00Z'),
      contact(4, '2026-10-02T13:00:00Z'),
      contact(5, '2026-10-02T14:00:00Z'),
    ];
    const fake = fakeCxone({
      listing: (req) => {
        const skip = Number(req.url.searchParams.get('skip'));
        const top = Number(req.url.searchParams.get('top'));
        // A shifted second page: it repeats the last contact of the first.
        const from = skip === 0 ? 0 : skip - 1;
        const slice = all.slice(from, from + top);
        return slice.length === 0 ? new Response(null, { status: 204 }) : json({ completedContacts: slice });
      },
    });
    const pages = (await collect(create(fake.fetchImpl))).map((p) => p._unsafeUnwrap());
    const ids = pages.flatMap((p) => p.items.map((i) => i.id));
    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    const checkpoints = pages.map((p) => Date.parse(String(p.checkpoint.updatedSince)));
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => a - b));
    expect(pages.at(-1)?.checkpoint).toEqual({ updatedSince: '2026-10-02T14:00:00.000Z' });
    const first = fake.requests(isListing)[0];
    expect(first?.url.pathname).toBe('/incontactapi/services/v29.0/contacts/completed');
    expect(first?.url.search).toBe(
      '?updatedSince=2026-10-01T00%3A00%3A00Z&orderBy=lastUpdateTime%20asc&skip=0&top=3',
    );
  });

  it('follows _links.next on the API origin and stops at next: null', async () => {
    const fake = fakeCxone({
      listing: (req) =>
        req.url.searchParams.get('page') === '2'
          ? json({ completedContacts: [contact(2, '2026-10-02T11:00:00Z')], _links: { next: null } })
          : json({
              completedContacts: [contact(1, '2026-10-02T10:00:00Z')],
              _links: { next: `${API}/incontactapi/services/v29.0/contacts/completed?page=2` },
            }),
    });
    const pages = (await collect(create(fake.fetchImpl))).map((p) => p._unsafeUnwrap());
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(['1', '2']);
    expect(fake.requests(isListing)).toHaveLength(2);
  });

  it('refuses a _links.next on another origin (it would receive the bearer token)', async () => {
    const fake = fakeCxone({
      listing: () =>
        json({
          completedContacts: [contact(1, '2026-10-02T10:00:00Z')],
          _links: { next: 'https://evil.example/steal?token=1' },
        }),
    });
    const pages = await collect(create(fake.fetchImpl));
    expect(pages[0]?.isOk()).toBe(true);
    const error = pages[1]?._unsafeUnwrapErr();
    expect(error?._tag).toBe('Permanent');
    expect(error?.message).not.toContain('token=1');
    expect(fake.log.some((r) => r.url.origin === 'https://evil.example')).toBe(false);
  });

  it('leaves contacts past now − settleLag for a later run', async () => {
    clock.now = new Date('2026-10-02T12:20:00Z'); // cutoff 11:50
    const fake = fakeCxone({
      listing: () =>
        json({
          completedContacts: [
            contact(1, '2026-10-02T11:00:00Z'),
            contact(2, '2026-10-02T11:50:00Z'),
            contact(3, '2026-10-02T11:50:01Z'),
          ],
        }),
    });
    const pages = (await collect(create(fake.fetchImpl))).map((p) => p._unsafeUnwrap());
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(['1', '2']);
    expect(pages.at(-1)?.checkpoint).toEqual({ updatedSince: '2026-10-02T11:50:00.000Z' });
    expect(fake.requests(isListing)).toHaveLength(1);
  });

  it('re-queries from checkpoint − overlap', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl), { updatedSince: '2026-10-05T10:00:00.000Z' });
    expect(fake.requests(isListing)[0]?.url.searchParams.get('updatedSince')).toBe('2026-10-05T09:45:00Z');
  });

  it('does not call the API when nothing can have settled since the checkpoint', async () => {
    const fake = fakeCxone();
    clock.now = new Date('2026-10-05T10:10:00Z');
    const pages = await collect(create(fake.fetchImpl), { updatedSince: '2026-10-05T10:00:00.000Z' });
    expect(pages).toEqual([]);
    expect(fake.log).toEqual([]);
  });

  it('yields InvalidInput for a malformed checkpoint', async () => {
    const pages = await collect(create(fakeCxone().fetchImpl), { updatedSince: 'never' });
    expect(pages[0]?._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('stops when the signal aborts between pages, without asking for the next one', async () => {
    const fake = fakeCxone({
      listing: (req) =>
        json({
          completedContacts: [contact(Number(req.url.searchParams.get('skip')) + 1, '2026-10-02T10:00:00Z')],
        }),
    });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const page of create(fake.fetchImpl).pages(undefined, controller.signal)) {
      seen.push(...page._unsafeUnwrap().items.map((i) => i.id));
      controller.abort();
    }
    expect(seen).toEqual(['1']);
    expect(fake.requests(isListing)).toHaveLength(1);
  });

  it('stops, yielding nothing, when the signal aborts a listing request in flight', async () => {
    const controller = new AbortController();
    const fake = fakeCxone({
      listing: (_req, _n, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason));
          controller.abort();
        }),
    });
    const pages = await collect(create(fake.fetchImpl), undefined, controller.signal);
    expect(pages).toEqual([]);
  });

  it('sends nothing when the signal has already aborted', async () => {
    const fake = fakeCxone();
    const controller = new AbortController();
    controller.abort();
    expect(await collect(create(fake.fetchImpl), undefined, controller.signal)).toEqual([]);
    expect(fake.log).toEqual([]);
  });
});

describe('item references: ids and cursors only, never the record', () => {
  it('serialise without names, phone numbers or e-mail addresses', async () => {
    const listed = contact(42, '2026-10-02T10:00:00Z', { masterContactId: 40 });
    const fake = fakeCxone({ listing: () => json({ completedContacts: [listed], _links: { next: null } }) });
    const pages = (await collect(create(fake.fetchImpl))).map((p) => p._unsafeUnwrap());
    const ref = pages[0]?.items[0] as ItemRef;
    const text = JSON.stringify(ref);
    expect(JSON.parse(text)).toEqual({
      id: '42',
      data: {
        contactId: '42',
        masterContactId: '40',
        lastUpdateTime: '2026-10-02T10:00:00Z',
        apiVersion: 'v29.0',
      },
    });
    for (const value of ['Ada', 'Lovelace', '+15550000000', 'customer@example.com']) {
      expect(text).not.toContain(value);
    }
    for (const field of ['firstName', 'lastName', 'fromAddress', 'toAddress', 'record']) {
      expect(text).not.toContain(field);
    }
  });

  it('are fetched from the listing cache without asking CXone again', async () => {
    const fake = fakeCxone({
      listing: () =>
        json({
          completedContacts: [contact(1, '2026-10-02T10:00:00Z', { mediaTypeId: 3, mediaTypeName: 'Chat' })],
          _links: { next: null },
        }),
    });
    const source = create(fake.fetchImpl);
    const refs = (await collect(source)).flatMap((p) => p._unsafeUnwrap().items);
    const item = (await source.fetch(refs[0] as ItemRef, live()))._unsafeUnwrap();
    expect(item.record.firstName).toBe('Ada');
    expect(fake.requests(isDetails)).toEqual([]);
  });

  it('are fetched from a cold cache through contacts/{contactId} (the record nested under `contactId`)', async () => {
    const fake = fakeCxone();
    fake.known.set('77', contact(77, '2026-10-02T10:00:00Z', { mediaTypeId: 3, mediaTypeName: 'Chat' }));
    const item = (
      await create(fake.fetchImpl).fetch({ id: '77', data: { contactId: '77', apiVersion: 'v26.0' } }, live())
    )._unsafeUnwrap();
    expect(item.id).toBe('77');
    expect(item.record).toMatchObject({ contactId: 77, firstName: 'Ada', fromAddress: '+15550000000' });
    expect(item.occurredAt.toISOString()).toBe('2026-10-02T09:00:00.000Z');
    const details = fake.requests(isDetails);
    expect(details.map((r) => r.url.pathname)).toEqual(['/incontactapi/services/v26.0/contacts/77']);
    expect(details[0]?.headers.get('authorization')).toMatch(/^Bearer /);
  });

  it('still work when written by the first plugin version (a record inside: ignored, read again)', async () => {
    const fake = fakeCxone();
    fake.known.set('78', contact(78, '2026-10-02T10:00:00Z', { firstName: 'Current' }));
    const old = { id: '78', data: { record: { contactId: '78', firstName: 'Stale' } } };
    const item = (await create(fake.fetchImpl, { media: [] }).fetch(old, live()))._unsafeUnwrap();
    expect(item.record.firstName).toBe('Current');
  });

  it('fail as NotFound when CXone does not know the contact (404 or 204)', async () => {
    const fake404 = fakeCxone();
    const error = (
      await create(fake404.fetchImpl).fetch({ id: '5', data: { contactId: '5' } }, live())
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'NotFound' });
    expect(error.message).toContain('Contact not found');
    const fake204 = fakeCxone({ details: () => new Response(null, { status: 204 }) });
    const gone = (
      await create(fake204.fetchImpl).fetch({ id: '5', data: { contactId: '5' } }, live())
    )._unsafeUnwrapErr();
    expect(gone).toMatchObject({ _tag: 'NotFound' });
  });

  it('fail as Permanent when contacts/{id} answers with another contact’s record', async () => {
    const fake = fakeCxone({ details: () => json({ contactId: contact(6, '2026-10-02T10:00:00Z') }) });
    const error = (
      await create(fake.fetchImpl).fetch({ id: '5', data: { contactId: '5' } }, live())
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Permanent' });
    expect(error.message).toContain('the record is of another contact');
  });

  it('fail as InvalidInput without a contact id', async () => {
    const error = (
      await create(fakeCxone().fetchImpl).fetch({ id: '', data: {} }, live())
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'ref.data.contactId' });
  });
});

const playback = (urls: string[], key: 'interactions' | 'Interactions' = 'interactions') =>
  json({
    contactId: 'uuid',
    [key]: urls.map((fileToPlayUrl, i) => ({
      mediaType: 'voice-only',
      startTime: `2026-10-02T09:0${i}:00Z`,
      endTime: `2026-10-02T09:0${i + 1}:00Z`,
      data: {
        fileToPlayUrl,
        participantDataList: [
          { participantType: 'AGENT', agentName: 'Ada', userId: 'u1', participantId: 'p1', phone: '+1555' },
        ],
      },
    })),
  });

type Fake = ReturnType<typeof fakeCxone>;
const refOf = (fake: Fake, record: Record<string, unknown>): ItemRef => {
  const id = String(record.contactId);
  fake.known.set(id, record);
  return { id, data: { contactId: id } };
};
const fetchItem = async (source: Source, fake: Fake, record: Record<string, unknown>): Promise<Item> =>
  (await source.fetch(refOf(fake, record), live()))._unsafeUnwrap();
const fetchError = async (
  source: Source,
  fake: Fake,
  record: Record<string, unknown>,
): Promise<PluginError> => (await source.fetch(refOf(fake, record), live()))._unsafeUnwrapErr();

describe('fetch()', () => {
  it('attaches the recordings of a voice master leg, named and typed by the media server, with participants and recording times', async () => {
    const mp4 = await mp4File();
    const wav = wavFile(1000);
    // The URLs' extensions say the opposite of the bodies: the server's headers decide.
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`, `${MEDIA}/f/b.MP4?sig=2`]),
      file: (req, n, signal) =>
        req.url.pathname === '/f/a.wav'
          ? mediaFile(mp4, { 'content-type': 'audio/mp4' })(req, n, signal)
          : mediaFile(wav, {
              'content-type': 'application/octet-stream',
              'content-disposition': 'attachment; filename="call.wav"',
            })(req, n, signal),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(10, '2026-10-02T10:00:00Z'));
    expect(item.id).toBe('10');
    expect(item.occurredAt.toISOString()).toBe('2026-10-02T09:00:00.000Z');
    expect(item.artifacts.map((a) => [a.name, a.contentType])).toEqual([
      ['recording.mp4', 'audio/mp4'],
      ['recording-2.wav', 'audio/wav'],
    ]);
    expect(item.record.recordings).toEqual([
      { artifact: 'recording.mp4', startTime: '2026-10-02T09:00:00Z', endTime: '2026-10-02T09:01:00Z' },
      { artifact: 'recording-2.wav', startTime: '2026-10-02T09:01:00Z', endTime: '2026-10-02T09:02:00Z' },
    ]);
    const sizes = [];
    for (const artifact of item.artifacts) {
      sizes.push((await sha256OfStream((await artifact.open(live()))._unsafeUnwrap())).size);
    }
    expect(sizes).toEqual([mp4.length, wav.length]);
    expect(item.record.participants).toEqual([
      { participantType: 'AGENT', agentName: 'Ada', userId: 'u1', participantId: 'p1' },
    ]);
    const lookup = fake.requests(isPlayback)[0];
    expect(lookup?.url.searchParams.get('acd-call-id')).toBe('10');
    expect(lookup?.url.searchParams.get('media-type')).toBe('voice-only');
  });

  it('archives an old contact without a recording when Media Playback answers 404', async () => {
    const fake = fakeCxone();
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(11, '2026-10-02T10:00:00Z'));
    expect(fake.requests(isPlayback)).toHaveLength(1);
    expect(item.artifacts).toEqual([]);
    expect(item.record.recordings).toEqual([]);
  });

  it('gives transfer legs, non-voice contacts and media: [] the record only, without a lookup', async () => {
    const fake = fakeCxone({ playback: () => playback([`${MEDIA}/f/a.wav`]) });
    const source = create(fake.fetchImpl);
    const leg = await fetchItem(source, fake, {
      ...contact(12, '2026-10-02T10:00:00Z'),
      masterContactId: 10,
    });
    const chat = await fetchItem(
      source,
      fake,
      contact(13, '2026-10-02T10:00:00Z', { mediaTypeId: 3, mediaTypeName: 'Chat' }),
    );
    const metadataOnly = await fetchItem(
      create(fake.fetchImpl, { media: [] }),
      fake,
      contact(14, '2026-10-02T10:00:00Z'),
    );
    for (const item of [leg, chat, metadataOnly]) {
      expect(item.artifacts).toEqual([]);
      expect(item.record).not.toHaveProperty('recordings');
    }
    expect(leg.record.masterContactId).toBe(10);
    expect(fake.requests(isPlayback)).toEqual([]);
  });

  it('fails a contact without a start date as InvalidInput', async () => {
    const fake = fakeCxone();
    const error = await fetchError(create(fake.fetchImpl), fake, { contactId: '1', masterContactId: '1' });
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'contactStartDate' });
  });

  it('refuses a plain-http media URL to a remote host', async () => {
    const fake = fakeCxone({ playback: () => playback(['http://media.example.com/f/a.wav?sig=1']) });
    const error = await fetchError(create(fake.fetchImpl), fake, contact(15, '2026-10-02T10:00:00Z'));
    expect(error._tag).toBe('Permanent');
    expect(error.message).not.toContain('sig=1');
  });

  it('aborts its requests when the signal aborts', async () => {
    const controller = new AbortController();
    const fake = fakeCxone({
      playback: (_req, _n, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason));
          controller.abort();
        }),
    });
    const error = (
      await create(fake.fetchImpl).fetch(refOf(fake, contact(16, '2026-10-02T10:00:00Z')), controller.signal)
    )._unsafeUnwrapErr();
    expect(error.message).toMatch(/media-playback\/v1\/contacts: aborted$/);
  });
});

describe('a recording not processed yet (NotYet) versus no recording', () => {
  // Ends 2026-10-19T23:50:00Z (start + 300 s); the clock says 2026-10-20T00:00:00Z: 10 minutes ago.
  const recent = () =>
    contact(30, '2026-10-19T23:52:00Z', {
      contactStartDate: '2026-10-19T23:45:00Z',
      totalDurationSeconds: 300,
    });

  it('is NotYet, looked at again once recordingLag has passed since the contact ended (404)', async () => {
    const fake = fakeCxone();
    const error = await fetchError(create(fake.fetchImpl), fake, recent());
    expect(error).toMatchObject({ _tag: 'NotYet', retryAt: new Date('2026-10-20T00:20:00Z') });
    expect(error.message).toContain('no recording yet');
  });

  it('is NotYet for an empty interactions list as well', async () => {
    const fake = fakeCxone({ playback: () => playback([]) });
    const error = await fetchError(create(fake.fetchImpl), fake, recent());
    expect(error._tag).toBe('NotYet');
  });

  it('follows a configured recordingLag, and stays NotYet past it (the 24 h horizon decides)', async () => {
    const fake = fakeCxone();
    const error = await fetchError(create(fake.fetchImpl, { recordingLag: '2h' }), fake, recent());
    expect(error).toMatchObject({ _tag: 'NotYet', retryAt: new Date('2026-10-20T01:50:00Z') });
    // A 5 min lag has passed (ended 10 min ago): looked at again at twice the age, 20 min after the end.
    const short = await fetchError(create(fake.fetchImpl, { recordingLag: '5m' }), fake, recent());
    expect(short).toMatchObject({ _tag: 'NotYet', retryAt: new Date('2026-10-20T00:10:00Z') });
  });

  it('follows a configured recordingHorizon', async () => {
    const fake = fakeCxone();
    const source = () => create(fake.fetchImpl, { recordingHorizon: '2h' });
    clock.now = new Date('2026-10-20T01:49:59Z');
    const waiting = await fetchError(source(), fake, recent());
    expect(waiting).toMatchObject({ _tag: 'NotYet', retryAt: new Date('2026-10-20T01:50:00Z') });
    clock.now = new Date('2026-10-20T01:50:00Z');
    const item = await fetchItem(source(), fake, recent());
    expect(item.record.recordings).toEqual([]);
    expect(item.record.recordingAbsence).toEqual({
      reason: 'Media Playback had no recording 2 h after the contact ended (ended 2026-10-19T23:50:00.000Z)',
    });
  });

  it('is NotYet until 24 h after the contact ended, then a contact without a recording that says why', async () => {
    const fake = fakeCxone();
    clock.now = new Date('2026-10-20T23:49:59Z');
    const waiting = await fetchError(create(fake.fetchImpl), fake, recent());
    expect(waiting).toMatchObject({ _tag: 'NotYet', retryAt: new Date('2026-10-20T23:50:00Z') });
    clock.now = new Date('2026-10-20T23:50:00Z');
    const item = await fetchItem(create(fake.fetchImpl), fake, recent());
    expect(item.artifacts).toEqual([]);
    expect(item.record.recordings).toEqual([]);
    expect(item.record.recordingAbsence).toEqual({
      reason: 'Media Playback had no recording 24 h after the contact ended (ended 2026-10-19T23:50:00.000Z)',
    });
  });
});

describe('recording artifacts', () => {
  const bytes = wavFile(200_000);
  const wavType = { 'content-type': 'audio/wav' };
  /** A body that never ends: a WAV header announcing far more samples, then samples on demand. */
  const endlessWav = (chunk: number, onPull: () => void, onCancel: () => void) => {
    let headerSent = false;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        onPull();
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(new Uint8Array(wavHeader(0xffff_0000)));
        }
        controller.enqueue(new Uint8Array(chunk).fill(0x55));
      },
      cancel: onCancel,
    });
  };

  it('probes and downloads without a bearer token and streams the body', async () => {
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(bytes, wavType),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(20, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    const { size } = await sha256OfStream(stream);
    expect(size).toBe(bytes.length);
    const media = fake.log.filter((r) => r.url.origin === MEDIA);
    expect(media.map(isProbe)).toEqual([true, false]);
    for (const request of media) {
      expect(request.headers.has('authorization')).toBe(false);
      expect(request.url.searchParams.get('sig')).toBe('1');
    }
  });

  it('destroys the stream with PluginFailure(Transient) when the body breaks midway', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes.subarray(0, 1000)));
      },
      pull(controller) {
        controller.error(new TypeError('terminated'));
      },
    });
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(bytes, wavType, () => new Response(broken, { headers: wavType })),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(21, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    const failure = await sha256OfStream(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PluginFailure);
    expect((failure as PluginFailure).error._tag).toBe('Transient');
    expect((failure as PluginFailure).message).toContain('broke after 1000 bytes');
    expect((failure as PluginFailure).message).not.toContain('sig=1');
  });

  it('streams without buffering and releases the download when the consumer stops early', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = endlessWav(
      64 * 1024,
      () => {
        pulled += 1;
      },
      () => {
        cancelled = true;
      },
    );
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(bytes, wavType, () => new Response(endless, { headers: wavType })),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(26, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    for await (const _chunk of stream) break; // destroys the stream
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(64); // far less than it would take to buffer "everything"
  });

  it('destroys the stream and releases the download when the signal aborts', async () => {
    let cancelled = false;
    const endless = endlessWav(
      1024,
      () => {},
      () => {
        cancelled = true;
      },
    );
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(bytes, wavType, () => new Response(endless, { headers: wavType })),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(27, '2026-10-02T10:00:00Z'));
    const controller = new AbortController();
    const stream = (await item.artifacts[0]!.open(controller.signal))._unsafeUnwrap();
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.resume();
    controller.abort();
    await closed;
    expect(stream.destroyed).toBe(true);
    expect(stream.errored).toBeNull(); // destroyed, not failed: nothing went wrong on CXone's side
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
  });

  it('fails open() as aborted when the signal aborts before the download answers', async () => {
    const controller = new AbortController();
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(
        bytes,
        wavType,
        (_req, _n, signal) =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener('abort', () => reject(signal.reason));
            controller.abort();
          }),
      ),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(28, '2026-10-02T10:00:00Z'));
    const error = (await item.artifacts[0]!.open(controller.signal))._unsafeUnwrapErr();
    expect(error).toEqual({ _tag: 'Transient', message: `GET ${MEDIA}/f/a.wav: aborted` });
  });

  it('fails a body shorter than its Content-Length even when its container looks whole', async () => {
    // A whole WAV of 100 bytes (its RIFF sizes agree), announced as 120: only the length tells.
    const whole = wavFile(100);
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: mediaFile(whole, wavType),
    });
    // The Response normalises content-length, so lengthen it behind its back:
    const fakeShort = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fake.fetchImpl(input, init);
      if (new URL(String(input)).origin !== MEDIA || res.status !== 200) return res;
      return new Response(res.body, { headers: { ...wavType, 'content-length': '120' } });
    }) as typeof fetch;
    const item = await fetchItem(create(fakeShort), fake, contact(22, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    const failure = await sha256OfStream(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as PluginFailure).error).toMatchObject({ _tag: 'Transient' });
    expect((failure as Error).message).toContain('100 of 120 bytes');
  });

  it('re-requests the media URL once when the media server answers 403, and downloads from the fresh one', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: (req, n, signal) =>
        req.url.searchParams.get('sig') === '1'
          ? new Response('Request has expired', { status: 403 })
          : mediaFile(bytes, wavType)(req, n, signal),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(23, '2026-10-02T10:00:00Z'));
    const { size } = await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
    expect(size).toBe(bytes.length);
    expect(fake.requests(isPlayback)).toHaveLength(2);
    expect(fake.requests((r) => r.url.origin === MEDIA).map((r) => r.url.searchParams.get('sig'))).toEqual([
      '1',
      '2',
      '2',
    ]);
  });

  it('gives up with Auth when the renewed URL is refused too, without the signature in the message', async () => {
    // The probe passes; the download is refused on the URL and on the renewed one.
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: mediaFile(bytes, wavType, () => new Response('Signature does not match', { status: 403 })),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(24, '2026-10-02T10:00:00Z'));
    const error = (await item.artifacts[0]!.open(live()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    expect(error.message).toBe(`GET ${MEDIA}/f/a.wav: HTTP 403`);
    expect(fake.requests(isDownload)).toHaveLength(2);
  });

  it('fails the fetch with Auth when the probe is refused on the URL and on the renewed one', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: () => new Response('Signature does not match', { status: 403 }),
    });
    const error = await fetchError(create(fake.fetchImpl), fake, contact(29, '2026-10-02T10:00:00Z'));
    expect(error._tag).toBe('Auth');
    expect(error.message).not.toContain('sig=');
    expect(fake.requests((r) => r.url.origin === MEDIA).map(isProbe)).toEqual([true, true]);
  });

  it('renews a URL that has grown old before downloading it', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: mediaFile(bytes, wavType),
    });
    const item = await fetchItem(create(fake.fetchImpl), fake, contact(25, '2026-10-02T10:00:00Z'));
    clock.now = new Date(clock.now.getTime() + 10 * 60_000);
    const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
    await sha256OfStream(stream);
    expect(fake.requests(isDownload).map((r) => r.url.searchParams.get('sig'))).toEqual(['2']);
  });
});
