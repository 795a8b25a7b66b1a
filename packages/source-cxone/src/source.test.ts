import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Item,
  type Page,
  type PluginContext,
  type PluginError,
  PluginStreamError,
  Redacted,
  type Result,
  type Source,
  sha256OfStream,
  silentLogger,
} from '@cxarchive/core';
import { beforeEach, describe, expect, it } from 'vitest';
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
type Handler = (req: Logged, count: number) => Response | Promise<Response>;

/** A scripted CXone on fake hosts: discovery and token by default, the rest per test. */
const fakeCxone = (handlers: Partial<Record<'token' | 'listing' | 'playback' | 'file', Handler>> = {}) => {
  const log: Logged[] = [];
  const counts = new Map<string, number>();
  let tokens = 0;
  const call = (name: 'token' | 'listing' | 'playback' | 'file', req: Logged, fallback: Handler) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return (handlers[name] ?? fallback)(req, n);
  };
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const req: Logged = {
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    log.push(req);
    const { pathname } = req.url;
    if (req.url.origin === ISSUER && pathname === '/.well-known/openid-configuration') {
      return json({ issuer: ISSUER, token_endpoint: `${ISSUER}/auth/token` });
    }
    if (req.url.origin === ISSUER && pathname === '/.well-known/cxone-configuration') {
      return json({ api_endpoint: API, area: 'na1', domain: 'cxone.test' });
    }
    if (pathname === '/auth/token') {
      return call('token', req, () => {
        tokens += 1;
        return json({
          access_token: jwt({ tenantId: 'tenant-1', n: tokens }),
          token_type: 'Bearer',
          expires_in: 3600,
        });
      });
    }
    if (pathname.endsWith('/contacts/completed'))
      return call('listing', req, () => new Response(null, { status: 204 }));
    if (pathname === '/media-playback/v1/contacts') {
      return call('playback', req, () => json({ internalCode: 'NotFound', message: 'none' }, 404));
    }
    if (req.url.origin === MEDIA) return call('file', req, () => new Response('nf', { status: 404 }));
    return new Response('unexpected', { status: 500 });
  }) as typeof fetch;
  return { fetchImpl, log };
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
    media: ['voice'],
    apiVersion: 'v29.0',
    pageSize: 3,
    requestTimeout: '5s',
    tokenRefreshSkew: '5m',
    ...overrides,
  }) as CxoneSourceOptions;

const clock = { now: new Date('2026-10-20T00:00:00Z') };
beforeEach(() => {
  clock.now = new Date('2026-10-20T00:00:00Z');
});
const context = (): PluginContext => ({
  tenant: 't',
  baseDir: mkdtempSync(join(tmpdir(), 'source-cxone-')),
  label: 'source:cxone',
  logger: silentLogger,
  now: () => clock.now,
});

const create = (fetchImpl: typeof fetch, overrides: Parameters<typeof options>[0] = {}): Source =>
  createCxoneSource(options(overrides), context(), fetchImpl)._unsafeUnwrap();

const collect = async (source: Source, checkpoint?: { updatedSince: string }) => {
  const out: Result<Page, PluginError>[] = [];
  for await (const page of source.pages(checkpoint)) out.push(page);
  return out;
};

const contact = (id: number, updated: string, extra: Record<string, unknown> = {}) => ({
  contactId: id,
  masterContactId: id,
  contactStartDate: '2026-10-02T09:00:00Z',
  lastUpdateTime: updated,
  mediaTypeId: 4,
  mediaTypeName: 'Call',
  fromAddress: '+15550000000',
  ...extra,
});

const assertNoSecret = (text: string) => {
  for (const s of Object.values(SECRETS)) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(encodeURIComponent(s));
  }
};

describe('plugin definition', () => {
  it('is a source named cxone with a closed schema that documents every option', () => {
    expect(plugin.kind).toBe('source');
    expect(plugin.name).toBe('cxone');
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
    expect((await plugin.create(options({ overlap: 'a while' }), context()))._unsafeUnwrapErr()._tag).toBe(
      'InvalidInput',
    );
  });

  it('declares its limits and record name', () => {
    const source = create(fakeCxone().fetchImpl);
    expect(source.limits).toEqual({ maxInFlight: 4 });
    expect(source.recordName).toBe('contact');
  });
});

describe('auth', () => {
  it('uses the password grant with Basic client auth and discovers the tenant API from the token', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl));
    const tokenReq = fake.log.find((r) => r.url.pathname === '/auth/token');
    const form = new URLSearchParams(tokenReq?.body);
    expect(form.get('grant_type')).toBe('password');
    expect(form.get('username')).toBe(SECRETS.accessKeyId);
    expect(form.get('password')).toBe(SECRETS.accessKeySecret);
    expect(form.has('client_secret')).toBe(false);
    expect(tokenReq?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`client-id:${SECRETS.clientSecret}`).toString('base64')}`,
    );
    const discovery = fake.log.find((r) => r.url.pathname === '/.well-known/cxone-configuration');
    expect(discovery?.url.searchParams.get('tenantId')).toBe('tenant-1');
    const listing = fake.log.find((r) => r.url.pathname.endsWith('/contacts/completed'));
    expect(listing?.url.origin).toBe(API);
    expect(listing?.headers.get('authorization')).toMatch(/^Bearer /);
    for (const r of fake.log) expect(r.headers.get('accept')).toBe('application/json');
  });

  it('sends the client in the form with clientAuth "post"', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl, { clientAuth: 'post' }));
    const tokenReq = fake.log.find((r) => r.url.pathname === '/auth/token');
    const form = new URLSearchParams(tokenReq?.body);
    expect(form.get('client_id')).toBe('client-id');
    expect(form.get('client_secret')).toBe(SECRETS.clientSecret);
    expect(tokenReq?.headers.has('authorization')).toBe(false);
  });

  it('skips tenant discovery when apiBaseUrl is set', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl, { apiBaseUrl: 'https://api-eu1.cxone.test/' }));
    expect(fake.log.some((r) => r.url.pathname === '/.well-known/cxone-configuration')).toBe(false);
    expect(fake.log.some((r) => r.url.origin === 'https://api-eu1.cxone.test')).toBe(true);
  });

  it('renews the token after a 401 and repeats the call once', async () => {
    const fake = fakeCxone({
      listing: (_req, n) =>
        n === 1 ? new Response(null, { status: 401 }) : new Response(null, { status: 204 }),
    });
    const pages = await collect(create(fake.fetchImpl));
    expect(pages).toEqual([]);
    const tokens = fake.log.filter((r) => r.url.pathname === '/auth/token');
    expect(tokens).toHaveLength(2);
    const bearers = fake.log
      .filter((r) => r.url.pathname.endsWith('/contacts/completed'))
      .map((r) => r.headers.get('authorization'));
    expect(bearers).toHaveLength(2);
    expect(bearers[0]).not.toBe(bearers[1]);
  });

  it('fails with Auth on a second 401', async () => {
    const fake = fakeCxone({
      listing: () => new Response(null, { status: 401, headers: { icStatusDescription: 'Invalid token' } }),
    });
    const pages = await collect(create(fake.fetchImpl));
    expect(pages).toHaveLength(1);
    const error = pages[0]?._unsafeUnwrapErr();
    expect(error?._tag).toBe('Auth');
    expect(error?.message).toContain('Invalid token');
    expect(fake.log.filter((r) => r.url.pathname.endsWith('/contacts/completed'))).toHaveLength(2);
  });

  it('renews the token before it expires, by the injected clock', async () => {
    const fake = fakeCxone();
    const source = create(fake.fetchImpl);
    await collect(source);
    clock.now = new Date(clock.now.getTime() + 56 * 60_000);
    await collect(source);
    expect(fake.log.filter((r) => r.url.pathname === '/auth/token')).toHaveLength(2);
    clock.now = new Date('2026-10-20T00:00:00Z');
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
    const first = fake.log.find((r) => r.url.pathname.endsWith('/contacts/completed'));
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
    expect(fake.log.filter((r) => r.url.pathname.endsWith('/contacts/completed'))).toHaveLength(2);
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
    clock.now = new Date('2026-10-20T00:00:00Z');
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(['1', '2']);
    expect(pages.at(-1)?.checkpoint).toEqual({ updatedSince: '2026-10-02T11:50:00.000Z' });
    expect(fake.log.filter((r) => r.url.pathname.endsWith('/contacts/completed'))).toHaveLength(1);
  });

  it('re-queries from checkpoint − overlap', async () => {
    const fake = fakeCxone();
    await collect(create(fake.fetchImpl), { updatedSince: '2026-10-05T10:00:00.000Z' });
    const listing = fake.log.find((r) => r.url.pathname.endsWith('/contacts/completed'));
    expect(listing?.url.searchParams.get('updatedSince')).toBe('2026-10-05T09:45:00Z');
  });

  it('does not call the API when nothing can have settled since the checkpoint', async () => {
    const fake = fakeCxone();
    clock.now = new Date('2026-10-05T10:10:00Z');
    const pages = await collect(create(fake.fetchImpl), { updatedSince: '2026-10-05T10:00:00.000Z' });
    clock.now = new Date('2026-10-20T00:00:00Z');
    expect(pages).toEqual([]);
    expect(fake.log).toEqual([]);
  });

  it('yields Throttled with the Retry-After delay and stops', async () => {
    const fake = fakeCxone({
      listing: () => new Response(null, { status: 429, headers: { 'Retry-After': '3' } }),
    });
    const pages = await collect(create(fake.fetchImpl));
    expect(pages).toHaveLength(1);
    expect(pages[0]?._unsafeUnwrapErr()).toMatchObject({ _tag: 'Throttled', retryAfterMs: 3000 });
  });

  it('yields InvalidInput for a malformed checkpoint', async () => {
    const pages = await collect(create(fakeCxone().fetchImpl), { updatedSince: 'never' });
    expect(pages[0]?._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('yields Transient when the API is unreachable', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) });
    }) as typeof fetch;
    const pages = await collect(create(failing));
    expect(pages[0]?._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient' });
    expect(pages[0]?._unsafeUnwrapErr().message).toContain('ECONNRESET');
  });
});

const ref = (record: Record<string, unknown>) => ({
  id: String(record.contactId),
  data: { record: record as never },
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

const fetchItem = async (source: Source, record: Record<string, unknown>): Promise<Item> =>
  (await source.fetch(ref(record)))._unsafeUnwrap();

describe('fetch()', () => {
  it('attaches the recordings of a voice master leg, with participants and recording times', async () => {
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`, `${MEDIA}/f/b.MP4?sig=2`]),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(10, '2026-10-02T10:00:00Z'));
    expect(item.id).toBe('10');
    expect(item.occurredAt.toISOString()).toBe('2026-10-02T09:00:00.000Z');
    expect(item.artifacts.map((a) => [a.name, a.contentType])).toEqual([
      ['recording.wav', 'audio/wav'],
      ['recording-2.mp4', 'audio/mp4'],
    ]);
    expect(item.record.recordings).toEqual([
      { artifact: 'recording.wav', startTime: '2026-10-02T09:00:00Z', endTime: '2026-10-02T09:01:00Z' },
      { artifact: 'recording-2.mp4', startTime: '2026-10-02T09:01:00Z', endTime: '2026-10-02T09:02:00Z' },
    ]);
    expect(item.record.participants).toEqual([
      { participantType: 'AGENT', agentName: 'Ada', userId: 'u1', participantId: 'p1' },
    ]);
    const lookup = fake.log.find((r) => r.url.pathname === '/media-playback/v1/contacts');
    expect(lookup?.url.searchParams.get('acd-call-id')).toBe('10');
    expect(lookup?.url.searchParams.get('media-type')).toBe('voice-only');
  });

  it('records no recording when Media Playback answers 404', async () => {
    const item = await fetchItem(create(fakeCxone().fetchImpl), contact(11, '2026-10-02T10:00:00Z'));
    expect(item.artifacts).toEqual([]);
    expect(item.record.recordings).toEqual([]);
  });

  it('gives transfer legs, non-voice contacts and media: [] the record only, without a lookup', async () => {
    const fake = fakeCxone({ playback: () => playback([`${MEDIA}/f/a.wav`]) });
    const source = create(fake.fetchImpl);
    const leg = await fetchItem(source, { ...contact(12, '2026-10-02T10:00:00Z'), masterContactId: 10 });
    const chat = await fetchItem(
      source,
      contact(13, '2026-10-02T10:00:00Z', { mediaTypeId: 3, mediaTypeName: 'Chat' }),
    );
    const metadataOnly = await fetchItem(
      create(fake.fetchImpl, { media: [] }),
      contact(14, '2026-10-02T10:00:00Z'),
    );
    for (const item of [leg, chat, metadataOnly]) {
      expect(item.artifacts).toEqual([]);
      expect(item.record).not.toHaveProperty('recordings');
    }
    expect(leg.record.masterContactId).toBe('10');
    expect(fake.log.some((r) => r.url.pathname === '/media-playback/v1/contacts')).toBe(false);
  });

  it('fails a contact without a start date as InvalidInput', async () => {
    const result = await create(fakeCxone().fetchImpl).fetch(ref({ contactId: '1', masterContactId: '1' }));
    expect(result._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('refuses a plain-http media URL to a remote host', async () => {
    const fake = fakeCxone({ playback: () => playback(['http://media.example.com/f/a.wav?sig=1']) });
    const result = await create(fake.fetchImpl).fetch(ref(contact(15, '2026-10-02T10:00:00Z')));
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).not.toContain('sig=1');
  });
});

describe('recording artifacts', () => {
  const bytes = Buffer.alloc(200_000, 7);

  it('downloads without a bearer token and streams the body', async () => {
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: () => new Response(bytes, { headers: { 'content-length': String(bytes.length) } }),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(20, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open())._unsafeUnwrap();
    const { size } = await sha256OfStream(stream);
    expect(size).toBe(bytes.length);
    const download = fake.log.find((r) => r.url.origin === MEDIA);
    expect(download?.headers.has('authorization')).toBe(false);
    expect(download?.url.searchParams.get('sig')).toBe('1');
  });

  it('destroys the stream with PluginStreamError(Transient) when the body breaks midway', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(1000));
      },
      pull(controller) {
        controller.error(new TypeError('terminated'));
      },
    });
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: () => new Response(broken, { headers: { 'content-length': '5000' } }),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(21, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open())._unsafeUnwrap();
    const failure = await sha256OfStream(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PluginStreamError);
    expect((failure as PluginStreamError).error._tag).toBe('Transient');
    expect((failure as PluginStreamError).message).not.toContain('sig=1');
  });

  it('streams without buffering and releases the download when the consumer stops early', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: () => new Response(endless),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(26, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open())._unsafeUnwrap();
    for await (const _chunk of stream) break; // destroys the stream
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(64); // far less than it would take to buffer "everything"
  });

  it('fails a body shorter than its Content-Length', async () => {
    const fake = fakeCxone({
      playback: () => playback([`${MEDIA}/f/a.wav?sig=1`]),
      file: () => new Response(Buffer.alloc(10), { headers: { 'content-length': '10' } }),
    });
    // The Response normalises content-length, so shorten it behind its back:
    const fakeShort = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fake.fetchImpl(input, init);
      if (new URL(String(input)).origin !== MEDIA) return res;
      return new Response(res.body, { headers: { 'content-length': '20' } });
    }) as typeof fetch;
    const item = await fetchItem(create(fakeShort), contact(22, '2026-10-02T10:00:00Z'));
    const stream = (await item.artifacts[0]!.open())._unsafeUnwrap();
    const failure = await sha256OfStream(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as PluginStreamError).error).toMatchObject({ _tag: 'Transient' });
    expect((failure as Error).message).toContain('10 of 20 bytes');
  });

  it('re-requests the media URL once when the download answers 403', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: (req) =>
        req.url.searchParams.get('sig') === '1'
          ? new Response('Request has expired', { status: 403 })
          : new Response(bytes),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(23, '2026-10-02T10:00:00Z'));
    const { size } = await sha256OfStream((await item.artifacts[0]!.open())._unsafeUnwrap());
    expect(size).toBe(bytes.length);
    expect(fake.log.filter((r) => r.url.pathname === '/media-playback/v1/contacts')).toHaveLength(2);
  });

  it('gives up with Auth when the renewed URL is refused too, without the signature in the message', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: () => new Response('Signature does not match', { status: 403 }),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(24, '2026-10-02T10:00:00Z'));
    const error = (await item.artifacts[0]!.open())._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    expect(error.message).toBe(`GET ${MEDIA}/f/a.wav: HTTP 403`);
    expect(fake.log.filter((r) => r.url.origin === MEDIA)).toHaveLength(2);
  });

  it('renews a URL that has grown old before downloading it', async () => {
    const fake = fakeCxone({
      playback: (_req, n) => playback([`${MEDIA}/f/a.wav?sig=${n}`]),
      file: () => new Response(bytes),
    });
    const item = await fetchItem(create(fake.fetchImpl), contact(25, '2026-10-02T10:00:00Z'));
    clock.now = new Date(clock.now.getTime() + 10 * 60_000);
    const stream = (await item.artifacts[0]!.open())._unsafeUnwrap();
    clock.now = new Date('2026-10-20T00:00:00Z');
    await sha256OfStream(stream);
    const downloads = fake.log.filter((r) => r.url.origin === MEDIA);
    expect(downloads.map((r) => r.url.searchParams.get('sig'))).toEqual(['2']);
  });
});
