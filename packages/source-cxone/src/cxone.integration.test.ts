import { type Item, type ItemRef, type Page, Redacted, type Source, sha256OfStream } from '@cxarchive/core';
import {
  DEMO_CREDENTIALS,
  openRecording,
  type RunningSimulator,
  type SimContact,
} from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { live, type TestContext, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import plugin from './index.js';
import { CONTACT_FIELDS } from './record.js';
import type { CxoneSourceOptions } from './schema.js';

const MIN = 60_000;
let clockMs = Date.parse('2026-11-01T00:00:00Z');

afterEach(() => {
  clockMs = Date.parse('2026-11-01T00:00:00Z');
});

const start = simulatorStarter({ contacts: 30, seed: 7, now: () => new Date(clockMs) });

const config = (
  sim: RunningSimulator,
  overrides: Partial<Record<keyof CxoneSourceOptions, unknown>> = {},
): CxoneSourceOptions =>
  optionsOn(sim, {
    clientAuth: 'basic',
    since: '2026-09-01T00:00:00Z',
    settleLag: '30m',
    overlap: '15m',
    recordingLag: '30m',
    media: ['voice'],
    apiVersion: 'v29.0',
    pageSize: 7,
    requestTimeout: '10s',
    tokenRefreshSkew: '5m',
    ...overrides,
  });

const create = async (
  sim: RunningSimulator,
  overrides: Parameters<typeof config>[1] = {},
  now: () => Date = () => new Date(clockMs),
  ctx: TestContext = testContext(now),
): Promise<Source> => (await plugin.create(config(sim, overrides), ctx))._unsafeUnwrap();

const listAll = async (source: Source, checkpoint?: { updatedSince: string }): Promise<Page[]> => {
  const pages: Page[] = [];
  for await (const page of source.pages(checkpoint, live())) pages.push(page._unsafeUnwrap());
  return pages;
};

const ids = (pages: readonly Page[]) => pages.flatMap((p) => p.items.map((i) => i.id));
const byUpdate = (contacts: readonly SimContact[]) =>
  [...contacts].sort((a, b) => Date.parse(a.lastUpdateTime) - Date.parse(b.lastUpdateTime));
const countRequests = (sim: RunningSimulator, path: string | RegExp, status?: number) =>
  sim.requests.filter(
    (r) =>
      (typeof path === 'string' ? r.path === path : path.test(r.path)) &&
      (status === undefined || r.status === status),
  ).length;
const LISTING = /\/contacts\/completed$/;
const PLAYBACK = '/media-playback/v1/contacts';
const MEDIA_FILE = /^\/media\/files\//;

const voiceMasters = (sim: RunningSimulator) =>
  sim.dataset.contacts.filter((c) => c.contactId === c.masterContactId && c.mediaTypeId === 4);

/** A reference as the ledger holds it (ids only): the source reads the record from contacts/{id}. */
const refOf = (contact: SimContact): ItemRef => ({
  id: contact.contactId,
  data: { contactId: contact.contactId },
});
const fetchItem = async (source: Source, contact: SimContact): Promise<Item> =>
  (await source.fetch(refOf(contact), live()))._unsafeUnwrap();
const DETAILS = /\/contacts\/\d+$/;

describe('listing against the simulator', () => {
  it('lists every contact across several pages, without duplicates, with checkpoints that never decrease', async () => {
    const sim = await start();
    const pages = await listAll(await create(sim));
    const listed = ids(pages);
    expect(listed).toHaveLength(30);
    expect(new Set(listed)).toEqual(new Set(sim.dataset.contacts.map((c) => c.contactId)));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(countRequests(sim, LISTING, 200)).toBeGreaterThanOrEqual(5);
    const marks = pages.map((p) => Date.parse(String(p.checkpoint.updatedSince)));
    for (let i = 1; i < marks.length; i++) expect(marks[i]).toBeGreaterThanOrEqual(marks[i - 1] as number);
    const newest = byUpdate(sim.dataset.contacts).at(-1) as SimContact;
    expect(marks.at(-1)).toBe(Date.parse(newest.lastUpdateTime));
  });

  it('maps each record from the pinned fields, ids as strings', async () => {
    const sim = await start();
    const cxone = await create(sim, { media: [] });
    const pages = await listAll(cxone);
    const source = sim.dataset.contacts[0] as SimContact;
    const listed = pages.flatMap((p) => p.items).find((i) => i.id === source.contactId) as ItemRef;
    const record = (await cxone.fetch(listed, live()))._unsafeUnwrap().record as Record<string, unknown>;
    expect(record.contactId).toBe(Number(source.contactId));
    expect(record.fromAddress).toBe(source.fromAddress);
    for (const key of Object.keys(record)) expect(CONTACT_FIELDS).toHaveProperty(key);
    const pinnedInSource = Object.keys(source).filter((k) => k in CONTACT_FIELDS);
    expect(Object.keys(record).sort()).toEqual(pinnedInSource.sort());
  });

  it('resumes from a checkpoint, re-listing only from checkpoint − overlap', async () => {
    const sim = await start();
    const first = await listAll(await create(sim, { overlap: '2d' }));
    const checkpoint = first[1]?.checkpoint as { updatedSince: string };
    const fromMs = Math.floor((Date.parse(checkpoint.updatedSince) - 2 * 24 * 60 * MIN) / 1000) * 1000;
    const expected = sim.dataset.contacts
      .filter((c) => Date.parse(c.lastUpdateTime) >= fromMs)
      .map((c) => c.contactId);
    const resumed = await listAll(await create(sim, { overlap: '2d' }), checkpoint);
    expect(new Set(ids(resumed))).toEqual(new Set(expected));
    expect(expected.length).toBeLessThan(30);
    const alreadyListed = new Set(ids(first.slice(0, 2)));
    expect(ids(resumed).some((id) => alreadyListed.has(id))).toBe(true); // the overlap re-reads
    const resumedMarks = resumed.map((p) => Date.parse(String(p.checkpoint.updatedSince)));
    expect(Math.min(...resumedMarks)).toBeGreaterThanOrEqual(Date.parse(checkpoint.updatedSince));
  });

  it('leaves contacts updated after now − settleLag for a later run', async () => {
    const sim = await start();
    const sorted = byUpdate(sim.dataset.contacts);
    const boundary = sorted[14] as SimContact;
    clockMs = Date.parse(boundary.lastUpdateTime) + 30 * MIN;
    const pages = await listAll(await create(sim, { settleLag: '30m' }));
    const expected = sorted.filter(
      (c) => Date.parse(c.lastUpdateTime) <= Date.parse(boundary.lastUpdateTime),
    );
    expect(new Set(ids(pages))).toEqual(new Set(expected.map((c) => c.contactId)));
    expect(ids(pages)).not.toContain((sorted[expected.length] as SimContact).contactId);
    expect(pages.at(-1)?.checkpoint).toEqual({
      updatedSince: new Date(boundary.lastUpdateTime).toISOString(),
    });
  });
});

describe('fetch against the simulator', () => {
  it('yields the recording artifact with the bytes the simulator serves', async () => {
    const sim = await start();
    const master = voiceMasters(sim).find((c) => sim.dataset.recordings.has(c.masterContactId)) as SimContact;
    const recording = sim.dataset.recordings.get(master.masterContactId);
    const item = await fetchItem(await create(sim), master);
    expect(item.id).toBe(master.contactId);
    expect(item.occurredAt.toISOString()).toBe(new Date(master.contactStartDate).toISOString());
    expect(item.artifacts.map((a) => [a.name, a.contentType])).toEqual([['recording.mp4', 'audio/mp4']]);
    expect(item.record.recordings).toEqual([
      { artifact: 'recording.mp4', startTime: recording?.startTime, endTime: recording?.endTime },
    ]);
    const participants = item.record.participants as Record<string, unknown>[];
    expect(participants.length).toBeGreaterThan(0);
    expect(participants.map((p) => p.participantType)).toContain('AGENT');
    const got = await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
    const want = await sha256OfStream(openRecording(sim.dataset, master.masterContactId));
    expect(got).toEqual(want);
    expect(got.size).toBe(want.size);
  });

  it('parses both interactions casings: every recorded voice master gets its artifact', async () => {
    const sim = await start();
    const recorded = voiceMasters(sim).filter((c) => sim.dataset.recordings.has(c.masterContactId));
    expect(recorded.length).toBeGreaterThanOrEqual(3); // every third master answers `Interactions`
    const source = await create(sim);
    for (const master of recorded) {
      const item = await fetchItem(source, master);
      expect(
        item.artifacts.map((a) => a.name),
        master.contactId,
      ).toEqual(['recording.mp4']);
    }
    const unrecorded = voiceMasters(sim).filter((c) => !sim.dataset.recordings.has(c.masterContactId));
    for (const master of unrecorded) {
      const item = await fetchItem(source, master);
      expect(item.artifacts).toEqual([]);
      expect(item.record.recordings).toEqual([]);
    }
  });

  it('gives transfer legs the record only', async () => {
    const sim = await start();
    const legs = sim.dataset.contacts.filter((c) => c.contactId !== c.masterContactId);
    expect(legs.length).toBeGreaterThan(0);
    const source = await create(sim);
    for (const leg of legs) {
      const item = await fetchItem(source, leg);
      expect(item.artifacts).toEqual([]);
      expect(item.record.masterContactId).toBe(Number(leg.masterContactId));
    }
    expect(countRequests(sim, PLAYBACK)).toBe(0);
  });

  it('re-requests an expired media URL (the server answers 403) and downloads with the fresh one', async () => {
    const sim = await start({ mediaUrlTtlSeconds: 60 });
    const master = voiceMasters(sim).find((c) => sim.dataset.recordings.has(c.masterContactId)) as SimContact;
    const item = await fetchItem(await create(sim), master);
    clockMs += 90_000; // past the URL's 60 s, inside the plugin's own renewal margin
    const got = await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
    expect(got).toEqual(await sha256OfStream(openRecording(sim.dataset, master.masterContactId)));
    expect(countRequests(sim, MEDIA_FILE, 403)).toBe(1);
    expect(countRequests(sim, MEDIA_FILE, 200)).toBe(1);
    expect(countRequests(sim, PLAYBACK, 200)).toBe(2);
  });

  it('renews a media URL that has grown old before downloading', async () => {
    const sim = await start({ mediaUrlTtlSeconds: 300 });
    const master = voiceMasters(sim).find((c) => sim.dataset.recordings.has(c.masterContactId)) as SimContact;
    const item = await fetchItem(await create(sim), master);
    clockMs += 10 * MIN;
    await sha256OfStream((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
    expect(countRequests(sim, MEDIA_FILE, 403)).toBe(0);
    expect(countRequests(sim, PLAYBACK, 200)).toBe(2);
  });
});

describe('auth against the simulator', () => {
  it('renews an expiring token mid-run (shared clock) without failing', async () => {
    const sim = await start({ tokenTtlSeconds: 600 });
    const source = await create(sim, { tokenRefreshSkew: '1m' });
    const listed: string[] = [];
    for await (const page of source.pages(undefined, live())) {
      listed.push(...page._unsafeUnwrap().items.map((i) => i.id));
      clockMs += 15 * MIN; // each page outlives the token
    }
    expect(listed).toHaveLength(30);
    expect(countRequests(sim, '/auth/token', 200)).toBeGreaterThanOrEqual(4);
    expect(countRequests(sim, LISTING, 401)).toBe(0);
  });

  it('renews the token after a 401 when the server thinks it expired first', async () => {
    const sim = await start({ tokenTtlSeconds: 600 });
    const pluginNow = clockMs;
    const source = await create(sim, { tokenRefreshSkew: '1m' }, () => new Date(pluginNow));
    const listed: string[] = [];
    let advanced = false;
    for await (const page of source.pages(undefined, live())) {
      listed.push(...page._unsafeUnwrap().items.map((i) => i.id));
      if (!advanced) {
        clockMs += 15 * MIN; // only the server's clock moves: the plugin still trusts its token
        advanced = true;
      }
    }
    expect(listed).toHaveLength(30);
    expect(countRequests(sim, LISTING, 401)).toBe(1);
    expect(countRequests(sim, '/auth/token', 200)).toBe(2);
  });

  it.each([
    ['clientSecret', 'wrong-client-secret-xyz'],
    ['accessKeySecret', 'wrong-access-key-secret-xyz'],
    ['accessKeyId', 'WRONG-ACCESS-KEY-ID-XYZ'],
  ])('fails with Auth for a wrong %s, with no secret in the message', async (field, wrong) => {
    const sim = await start();
    const source = await create(sim, { [field]: Redacted.make(wrong) });
    const results = [];
    for await (const page of source.pages(undefined, live())) results.push(page);
    expect(results).toHaveLength(1);
    const error = results[0]?._unsafeUnwrapErr();
    expect(error?._tag).toBe('Auth');
    const text = `${error?.message} ${JSON.stringify(error)}`;
    for (const secret of [
      wrong,
      DEMO_CREDENTIALS.accessKeySecret,
      DEMO_CREDENTIALS.clientSecret,
      DEMO_CREDENTIALS.accessKeyId,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(countRequests(sim, LISTING)).toBe(0);
  });
});

describe('item references against the simulator: ids only, the record read again', () => {
  it('list refs without PII; fetch uses the listing cache, and a cold source reads contacts/{id}', async () => {
    const sim = await start();
    const warm = await create(sim);
    const refs = (await listAll(warm)).flatMap((p) => p.items);
    expect(refs).toHaveLength(30);
    for (const ref of refs) {
      const text = JSON.stringify(ref);
      expect(Object.keys(ref.data).sort()).toEqual([
        'apiVersion',
        'contactId',
        'lastUpdateTime',
        'masterContactId',
      ]);
      const contact = sim.dataset.contacts.find((c) => c.contactId === ref.id) as SimContact;
      for (const pii of [contact.firstName, contact.lastName, contact.fromAddress, contact.toAddress]) {
        expect(text).not.toContain(pii);
      }
    }
    const fromCache = await Promise.all(
      refs.map(async (ref) => (await warm.fetch(ref, live()))._unsafeUnwrap()),
    );
    expect(countRequests(sim, DETAILS)).toBe(0);

    // A later run (or a retry from the ledger): nothing cached, every record read again.
    const cold = await create(sim);
    const roundTripped = refs.map((ref) => JSON.parse(JSON.stringify(ref)) as ItemRef);
    const fromApi = await Promise.all(
      roundTripped.map(async (ref) => (await cold.fetch(ref, live()))._unsafeUnwrap()),
    );
    expect(countRequests(sim, DETAILS, 200)).toBe(30);
    expect(fromApi.map((i) => [i.id, i.record])).toEqual(fromCache.map((i) => [i.id, i.record]));
    expect(fromApi.find((i) => i.record.firstName !== undefined)).toBeDefined();
  });

  it('fails a contact CXone does not know as NotFound', async () => {
    const sim = await start();
    const result = await (await create(sim)).fetch(
      { id: '999999999999', data: { contactId: '999999999999' } },
      live(),
    );
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'NotFound' });
    expect(result._unsafeUnwrapErr().message).toContain('Contact 999999999999 not found');
  });
});

describe('recordings still being processed against the simulator', () => {
  it('is NotYet while the recording lags the contact, and archived with its recording afterwards', async () => {
    const sim = await start({ recordingDelaySeconds: 1800 });
    const master = voiceMasters(sim).find(
      (c) =>
        sim.dataset.recordings.has(c.masterContactId) &&
        sim.dataset.contacts.filter((l) => l.masterContactId === c.masterContactId).length === 1,
    ) as SimContact;
    const recording = sim.dataset.recordings.get(master.masterContactId);
    const ended = Date.parse(master.contactStartDate) + master.totalDurationSeconds * 1000;
    clockMs = ended + 10 * MIN;
    const error = (await (await create(sim)).fetch(refOf(master), live()))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'NotYet', retryAt: new Date(ended + 30 * MIN) });
    expect(countRequests(sim, PLAYBACK, 404)).toBe(1);

    clockMs = Math.max(ended + 30 * MIN, Date.parse(recording?.endTime as string) + 1800 * 1000);
    const item = await fetchItem(await create(sim), master);
    expect(item.artifacts.map((a) => a.name)).toEqual(['recording.mp4']);
  });

  it('archives an old voice contact without a recording as a contact without a recording artifact', async () => {
    const sim = await start({ recordingDelaySeconds: 1800 });
    const without = voiceMasters(sim).find(
      (c) => !sim.dataset.recordings.has(c.masterContactId),
    ) as SimContact;
    expect(without).toBeDefined();
    const item = await fetchItem(await create(sim), without);
    expect(item.artifacts).toEqual([]);
    expect(item.record.recordings).toEqual([]);
  });
});

describe('budgets and signals against the simulator', () => {
  it('takes one request from the right family budget for every request the simulator sees', async () => {
    const sim = await start();
    const ctx = testContext(() => new Date(clockMs));
    const source = await create(sim, {}, undefined, ctx);
    const refs = (await listAll(source)).flatMap((p) => p.items);
    for (const ref of refs) {
      const item = (await source.fetch(ref, live()))._unsafeUnwrap();
      for (const artifact of item.artifacts)
        await sha256OfStream((await artifact.open(live()))._unsafeUnwrap());
    }
    const count = (family: string) => ctx.taken.filter((f) => f === family).length;
    const auth = countRequests(sim, /^\/(auth\/(token|jwks)|\.well-known\/)/);
    expect(count('cxone-auth')).toBe(auth);
    // The id_token is verified by default: the issuer's JWKS was fetched, from the auth budget.
    expect(countRequests(sim, /^\/auth\/jwks$/)).toBeGreaterThan(0);
    expect(count('cxone-acd')).toBe(countRequests(sim, /^\/incontactapi\//));
    expect(count('media-playback')).toBe(countRequests(sim, PLAYBACK));
    expect(count('media-playback')).toBeGreaterThan(0);
    expect(ctx.taken).toHaveLength(sim.requests.length - countRequests(sim, MEDIA_FILE));
  });

  it('stops listing when the signal aborts, without asking for another page', async () => {
    const sim = await start();
    const source = await create(sim);
    const controller = new AbortController();
    let pages = 0;
    for await (const page of source.pages(undefined, controller.signal)) {
      page._unsafeUnwrap();
      pages += 1;
      controller.abort();
    }
    expect(pages).toBe(1);
    expect(countRequests(sim, LISTING)).toBe(1);
  });
});
