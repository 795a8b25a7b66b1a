import { type Page, Redacted, type Source } from '@cxarchive/core';
import type { RunningSimulator, SimContact } from '@cxarchive/cxone-simulator';
import { describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import type { CxoneSourceOptions } from './schema.js';
import { createCxoneSource } from './source.js';

const NOW = Date.parse('2026-11-01T00:00:00Z');
const start = simulatorStarter({ contacts: 40, seed: 12, now: () => new Date(NOW) });

interface Seen {
  readonly url: string;
}
interface Harness {
  readonly source: Source;
  readonly requests: Seen[];
  readonly warnings: string[];
}

/**
 * The source on the real plugin path (settings, client, listing, fetch), talking to the simulator
 * through `fetch`; `reshape` may rewrite a JSON answer on its way back, as a different tenant would.
 */
const source = (
  sim: RunningSimulator,
  options: Partial<Record<keyof CxoneSourceOptions, unknown>>,
  reshape?: (url: string, body: Record<string, unknown>) => Record<string, unknown>,
): Harness => {
  const requests: Seen[] = [];
  const warnings: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    requests.push({ url });
    if (new URL(url).origin !== new URL(sim.url).origin) throw new TypeError(`fetch failed: ${url}`);
    const response = await fetch(input, init);
    if (reshape === undefined || !response.headers.get('content-type')?.includes('json')) return response;
    const body = reshape(url, (await response.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
  };
  const ctx = {
    ...testContext(() => new Date(NOW)),
    logger: {
      debug() {},
      info() {},
      warn: (message: string) => warnings.push(message),
      error() {},
    },
  };
  const config = optionsOn(sim, {
    clientAuth: 'basic',
    since: '2026-09-01T00:00:00Z',
    settleLag: '30m',
    overlap: '15m',
    recordingLag: '30m',
    media: [],
    apiVersion: 'v33.0',
    pageSize: 6,
    requestTimeout: '10s',
    tokenRefreshSkew: '5m',
    ...options,
  });
  return { source: createCxoneSource(config, ctx, fetchImpl)._unsafeUnwrap(), requests, warnings };
};

const listAll = async (cxone: Source): Promise<Page[]> => {
  const pages: Page[] = [];
  for await (const page of cxone.pages(undefined, live())) pages.push(page._unsafeUnwrap());
  return pages;
};
const ids = (pages: readonly Page[]) => pages.flatMap((p) => p.items.map((i) => i.id));
const listings = (h: Harness) => h.requests.filter((r) => /\/contacts\/completed\?/.test(r.url));

/** The archive record the source must produce for a contact, whatever the API version (ids as the numbers sent). */
const archived = (contact: SimContact): Record<string, unknown> => ({
  ...contact,
  contactId: Number(contact.contactId),
  masterContactId: Number(contact.masterContactId),
  tags: contact.tags.map((tag) => ({ contactId: Number(contact.contactId), ...tag })),
});

describe('each supported API version end to end: simulator → source → archive record', () => {
  for (const apiVersion of ['v33.0', 'v23.0', 'v21.0', 'v29.0']) {
    it(`${apiVersion}: lists every contact and archives the v33 names, JSON types, every field`, async () => {
      const sim = await start();
      const warm = source(sim, { apiVersion });
      const pages = await listAll(warm.source);
      const contacts = [...sim.dataset.contacts];
      expect(new Set(ids(pages))).toEqual(new Set(contacts.map((c) => c.contactId)));
      for (const request of listings(warm)) expect(request.url).toContain(`/services/${apiVersion}/`);
      expect(contacts.some((c) => c.tags.length > 0)).toBe(true);
      for (const ref of pages.flatMap((p) => p.items)) {
        const contact = contacts.find((c) => c.contactId === ref.id) as SimContact;
        const item = (await warm.source.fetch(ref, live()))._unsafeUnwrap();
        expect(item.record).toEqual(archived(contact));
        expect(item.occurredAt.toISOString()).toBe(contact.contactStartDate);
      }
      // A cold source reads the record again from contacts/{id} in the same version.
      const cold = source(sim, { apiVersion });
      const [ref] = pages.flatMap((p) => p.items);
      const item = (
        await cold.source.fetch({ id: ref?.id as string, data: { contactId: ref?.id as string } }, live())
      )._unsafeUnwrap();
      expect(item.record).toEqual(archived(contacts.find((c) => c.contactId === ref?.id) as SimContact));
      expect(cold.requests.some((r) => r.url.includes(`/services/${apiVersion}/contacts/${ref?.id}`))).toBe(
        true,
      );
      expect(warm.warnings.some((w) => w.includes('no public source'))).toBe(apiVersion === 'v29.0');
    });
  }

  it('carries fields a version adds through unchanged, next to the mapped ones', async () => {
    const sim = await start({ contacts: 8 });
    const added = (_url: string, body: Record<string, unknown>) => {
      const list = body.completedContacts as Record<string, unknown>[] | undefined;
      if (list === undefined) return body;
      return {
        ...body,
        completedContacts: list.map((r) => ({ ...r, digitalChannel: { id: 9, name: 'WhatsApp' } })),
      };
    };
    const h = source(sim, { apiVersion: 'v21.0' }, added);
    const [ref] = ids(await listAll(h.source));
    const item = (
      await h.source.fetch({ id: ref as string, data: { contactId: ref as string } }, live())
    )._unsafeUnwrap();
    // The listing cached the record as mapped: the added field is there, under its own name.
    expect(item.record.digitalChannel).toEqual({ id: 9, name: 'WhatsApp' });
    expect(item.record.contactStartDate).toBeDefined();
    expect(item.record).not.toHaveProperty('contactStart');
  });
});

describe('filters', () => {
  it('sends a single media type to the API, which filters on it', async () => {
    const sim = await start();
    const h = source(sim, { mediaTypes: [4] });
    const listed = ids(await listAll(h.source));
    const voice = [...sim.dataset.contacts].filter((c) => c.mediaTypeId === 4).map((c) => c.contactId);
    expect(voice.length).toBeLessThan(sim.dataset.contacts.length);
    expect(new Set(listed)).toEqual(new Set(voice));
    for (const request of listings(h)) expect(new URL(request.url).searchParams.get('mediaTypeId')).toBe('4');
  });

  it('applies several skills locally, and the checkpoint still reaches the newest contact', async () => {
    const sim = await start();
    const contacts = [...sim.dataset.contacts];
    const skills = [...new Set(contacts.map((c) => c.skillId))].slice(0, 2);
    const h = source(sim, { skills });
    const pages = await listAll(h.source);
    const expected = contacts.filter((c) => skills.includes(c.skillId)).map((c) => c.contactId);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(contacts.length);
    expect(new Set(ids(pages))).toEqual(new Set(expected));
    for (const request of listings(h)) expect(new URL(request.url).searchParams.has('skillId')).toBe(false);
    const newest = Math.max(...contacts.map((c) => Date.parse(c.lastUpdateTime)));
    expect(Date.parse(String(pages.at(-1)?.checkpoint.updatedSince))).toBe(newest);
  });

  it('combines a team sent to the API with campaigns checked locally', async () => {
    const sim = await start();
    const contacts = [...sim.dataset.contacts];
    const team = (contacts[0] as SimContact).teamId;
    const campaigns = [...new Set(contacts.map((c) => c.campaignId))];
    const h = source(sim, { teams: [team], campaigns: campaigns.slice(0, 2) });
    const listed = ids(await listAll(h.source));
    const expected = contacts
      .filter((c) => c.teamId === team && campaigns.slice(0, 2).includes(c.campaignId))
      .map((c) => c.contactId);
    expect(new Set(listed)).toEqual(new Set(expected));
    for (const request of listings(h))
      expect(new URL(request.url).searchParams.get('teamId')).toBe(String(team));
  });

  it('rejects a filter that is not a list of ids, naming the option', async () => {
    const sim = await start({ contacts: 1 });
    for (const [name, value] of [
      ['mediaTypes', ['voice']],
      ['skills', [1, 1]],
      ['teams', 7],
    ] as const) {
      const ctx = testContext(() => new Date(NOW));
      const result = createCxoneSource(
        {
          issuer: sim.url,
          accessKeyId: Redacted.make('a'),
          accessKeySecret: Redacted.make('b'),
          clientId: 'c',
          clientSecret: Redacted.make('d'),
          since: '2026-09-01T00:00:00Z',
          [name]: value,
        } as unknown as CxoneSourceOptions,
        ctx,
      );
      expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: name });
    }
  });
});

describe('_links.next on another origin', () => {
  const foreign = (_url: string, body: Record<string, unknown>) => {
    const links = body._links as { next?: string | null } | undefined;
    if (typeof links?.next !== 'string') return body;
    const next = new URL(links.next);
    return {
      ...body,
      _links: { ...links, next: `https://api-c6.incontact.example${next.pathname}${next.search}` },
    };
  };

  it('pages on by skip: every contact once, no request (and no token) to the other host', async () => {
    const sim = await start();
    const h = source(sim, {}, foreign);
    const pages = await listAll(h.source);
    const listed = ids(pages);
    expect(listed).toHaveLength(40);
    expect(new Set(listed).size).toBe(40);
    expect(new Set(listed)).toEqual(new Set([...sim.dataset.contacts].map((c) => c.contactId)));
    for (const request of h.requests) expect(new URL(request.url).origin).toBe(new URL(sim.url).origin);
    const skips = listings(h).map((r) => Number(new URL(r.url).searchParams.get('skip')));
    // The last page ends at 40 contacts: only the 204 for skip=40 says there are no more.
    expect(skips).toEqual([0, 6, 12, 18, 24, 30, 36, 40]);
    expect(h.warnings.filter((w) => w.includes('another host'))).toHaveLength(1);
  });

  it('stops with Permanent, never loops, when the API then ignores skip', async () => {
    const sim = await start();
    let firstPage: Record<string, unknown> | undefined;
    const ignoresSkip = (url: string, body: Record<string, unknown>) => {
      if (!url.includes('/contacts/completed?')) return body;
      firstPage ??= foreign(url, body);
      return firstPage;
    };
    const h = source(sim, {}, ignoresSkip);
    const results = [];
    for await (const page of h.source.pages(undefined, live())) results.push(page);
    expect(results).toHaveLength(2);
    expect(results[0]?._unsafeUnwrap().items).toHaveLength(6);
    expect(results[1]?._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Permanent',
      message: expect.stringContaining('skip=6'),
    });
    expect(listings(h)).toHaveLength(2);
  });

  it('still follows a next link on its own origin', async () => {
    const sim = await start();
    const h = source(sim, {});
    expect(ids(await listAll(h.source))).toHaveLength(40);
    expect(h.warnings).toEqual([]);
    expect(listings(h).length).toBe(7);
  });
});
