import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byUpdate, demoToken, rawGet, wire } from '../../test-support/route-helpers.js';
import type { SimContact } from '../dataset.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
const NOW = new Date('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 17, contacts: 57, now: () => NOW });
  token = await demoToken(sim);
});
afterAll(() => sim.stop());

type Wire = Record<string, unknown>;
interface CompletedPage {
  totalRecords: number;
  businessUnitId: number;
  lastPollTime: string;
  _links: { self: string; next: string | null; previous: string | null };
  completedContacts: Wire[];
}

const path = (version = 'v30.0') => `/incontactapi/services/${version}/contacts/completed`;
const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } });
const page = async (query: string, version = 'v33.0'): Promise<CompletedPage> => {
  const response = await get(`${sim.url}${path(version)}?${query}`);
  expect(response.status, query).toBe(200);
  return (await response.json()) as CompletedPage;
};
/** Every record of a query, paged by skip/top until 204. */
const all = async (query: string, version = 'v33.0'): Promise<Wire[]> => {
  const seen: Wire[] = [];
  for (let skip = 0; ; ) {
    const response = await get(`${sim.url}${path(version)}?${query}&skip=${skip}&top=10`);
    if (response.status === 204) return seen;
    expect(response.status, query).toBe(200);
    const records = ((await response.json()) as CompletedPage).completedContacts;
    seen.push(...records);
    skip += records.length;
  }
};
const contacts = (): SimContact[] => [...sim.dataset.contacts];

describe('GET contacts/completed', () => {
  it('pages by skip/top until 204, in lastUpdateTime order', async () => {
    const seen: Wire[] = [];
    let skip = 0;
    for (;;) {
      const response = await get(`${sim.url}${path()}?orderBy=lastUpdateTime%20asc&skip=${skip}&top=10`);
      if (response.status === 204) {
        expect(await response.text()).toBe('');
        break;
      }
      expect(response.status).toBe(200);
      const body = (await response.json()) as CompletedPage;
      expect(body.totalRecords).toBe(57);
      expect(body.businessUnitId).toBe(4600001);
      expect(body.lastPollTime).toBe(NOW.toISOString());
      expect(body.completedContacts.length).toBeLessThanOrEqual(10);
      seen.push(...body.completedContacts);
      skip += body.completedContacts.length;
    }
    expect(seen).toEqual(wire(byUpdate(contacts())));
    expect(seen.map((contact) => contact.contactId)).not.toEqual(contacts().map((c) => Number(c.contactId)));
  });

  it('pages by following _links.next until null; past the end is 204', async () => {
    const since = byUpdate(contacts())[20]?.lastUpdateTime as string;
    let url: string | null =
      `${sim.url}${path('V30.0').replace('incontactapi', 'inContactAPI')}?updatedSince=${encodeURIComponent(since)}&orderBy=lastUpdateTime+asc&top=7`;
    const seen: Wire[] = [];
    const previousLinks: (string | null)[] = [];
    while (url !== null) {
      const response = await get(url);
      expect(response.status).toBe(200);
      const body = (await response.json()) as CompletedPage;
      expect(body._links.self).toBe(url);
      previousLinks.push(body._links.previous);
      seen.push(...body.completedContacts);
      url = body._links.next;
    }
    const expected = byUpdate(contacts(), since);
    expect(expected).toHaveLength(37);
    expect(seen).toEqual(wire(expected));
    expect(seen[0]?.lastUpdateTime).toBe(since); // inclusive
    expect(previousLinks[0]).toBeNull();
    expect(previousLinks[1]).toContain('skip=0');
    const beyond = await get(
      `${sim.url}${path()}?updatedSince=${encodeURIComponent(since)}&orderBy=lastUpdateTime+asc&skip=${expected.length}`,
    );
    expect(beyond.status).toBe(204);
  });

  it('filters updatedSince inclusively and answers 204 when nothing is newer', async () => {
    const last = byUpdate(contacts()).at(-1) as SimContact;
    const atLast = await page(
      `updatedSince=${encodeURIComponent(last.lastUpdateTime)}&orderBy=lastUpdateTime asc`,
    );
    expect(atLast.completedContacts.map((contact) => contact.contactId)).toEqual(
      byUpdate(contacts(), last.lastUpdateTime).map((contact) => Number(contact.contactId)),
    );
    expect(atLast._links.next).toBeNull();
    const after = new Date(Date.parse(last.lastUpdateTime) + 1).toISOString();
    expect((await get(`${sim.url}${path()}?updatedSince=${encodeURIComponent(after)}`)).status).toBe(204);
  });

  it('uses top 100 by default; serves v21.0 to v33.0 and answers 404 for any other version', async () => {
    for (const version of ['v21.0', 'v23.0', 'v29.0', 'v33.0']) {
      const body = await page('', version);
      expect(body.completedContacts).toHaveLength(57);
      expect(body._links.next).toBeNull();
    }
    for (const version of ['v7.0', 'v20.0', 'v34.0']) {
      const response = await get(`${sim.url}${path(version)}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('icStatusDescription')).toMatch(/^API version v\d+\.0 not found/);
      expect(await response.text()).toBe('');
    }
  });

  it('answers v33.0 with the v33 names, numeric ids and tag objects', async () => {
    const records = await all('orderBy=contactId');
    const first = contacts()[0] as SimContact;
    const [record] = records;
    expect(record).toMatchObject({
      contactId: Number(first.contactId),
      masterContactId: Number(first.masterContactId),
      contactStartDate: first.contactStartDate,
      fromAddress: first.fromAddress,
      toAddress: first.toAddress,
      mediaTypeId: first.mediaTypeId,
      mediaTypeName: first.mediaTypeName,
      conferenceSeconds: first.conferenceSeconds,
      acwSeconds: first.acwSeconds,
    });
    for (const old of ['contactStart', 'fromAddr', 'toAddr', 'mediaType', 'confSeconds', 'ACWSeconds']) {
      expect(record).not.toHaveProperty(old);
    }
    const tagged = records.find((r) => (r.tags as unknown[]).length > 0) as Wire;
    expect(tagged.tags).toEqual([
      { contactId: tagged.contactId, tagId: expect.any(Number), tagName: expect.any(String) },
    ]);
    expect(typeof tagged.contactId).toBe('number');
  });

  it('answers v21.0 and v23.0 with the pre-v33 names (contactStart, fromAddr, toAddr, mediaType…)', async () => {
    for (const version of ['v21.0', 'v23.0']) {
      const records = await all('orderBy=contactId', version);
      const first = contacts()[0] as SimContact;
      expect(records[0]).toMatchObject({
        contactId: Number(first.contactId),
        contactStart: first.contactStartDate,
        fromAddr: first.fromAddress,
        toAddr: first.toAddress,
        mediaType: first.mediaTypeId,
        mediaTypeName: first.mediaTypeName,
        confSeconds: first.conferenceSeconds,
        ACWSeconds: first.acwSeconds,
      });
      for (const record of records) {
        for (const v33 of [
          'contactStartDate',
          'fromAddress',
          'toAddress',
          'mediaTypeId',
          'conferenceSeconds',
          'acwSeconds',
        ]) {
          expect(record).not.toHaveProperty(v33);
        }
      }
      const tagged = records.find((r) => (r.tags as unknown[]).length > 0) as Wire;
      expect(tagged.tags).toEqual([
        { Contact_Id: tagged.contactId, TagId: expect.any(Number), TagName: expect.any(String) },
      ]);
    }
  });

  it('honours startDate/endDate on contactStartDate (end exclusive)', async () => {
    const sorted = [...contacts()].sort(
      (a, b) => Date.parse(a.contactStartDate) - Date.parse(b.contactStartDate),
    );
    const from = (sorted[10] as SimContact).contactStartDate;
    const to = (sorted[30] as SimContact).contactStartDate;
    const expected = contacts().filter(
      (c) =>
        Date.parse(c.contactStartDate) >= Date.parse(from) && Date.parse(c.contactStartDate) < Date.parse(to),
    );
    expect(expected.length).toBeGreaterThanOrEqual(15);
    const records = await all(`startDate=${from}&endDate=${to}&orderBy=contactId`);
    expect(records.map((r) => r.contactId)).toEqual(expected.map((c) => Number(c.contactId)));
    const onlyStart = await all(`startDate=${from}`);
    expect(onlyStart).toHaveLength(
      contacts().filter((c) => Date.parse(c.contactStartDate) >= Date.parse(from)).length,
    );
    expect((await page(`startDate=${from}&top=1`)).totalRecords).toBe(onlyStart.length);
  });

  it('honours agentId, mediaTypeId, skillId, campaignId and teamId', async () => {
    const sample = contacts().find(
      (c) => c.mediaTypeId === 4 && c.contactId !== c.masterContactId,
    ) as SimContact;
    for (const name of ['agentId', 'mediaTypeId', 'skillId', 'campaignId', 'teamId'] as const) {
      const expected = contacts().filter((c) => c[name] === sample[name]);
      expect(expected.length, name).toBeLessThan(57);
      const records = await all(`${name}=${sample[name]}`);
      expect(
        records.map((r) => r.contactId),
        name,
      ).toEqual(expected.map((c) => Number(c.contactId)));
    }
    const both = await all(`mediaTypeId=4&agentId=${sample.agentId}&updatedSince=2026-10-01T00:00:00Z`);
    expect(both.map((r) => r.contactId)).toEqual(
      contacts()
        .filter((c) => c.mediaTypeId === 4 && c.agentId === sample.agentId)
        .map((c) => Number(c.contactId)),
    );
    expect((await get(`${sim.url}${path()}?agentId=1`)).status).toBe(204);
  });

  it('keeps only the fields asked for, in the names of the version', async () => {
    const v33 = await page('fields=contactId,contactStartDate&top=2');
    expect(v33.completedContacts.map((r) => Object.keys(r))).toEqual([
      ['contactId', 'contactStartDate'],
      ['contactId', 'contactStartDate'],
    ]);
    const v21 = await page('fields=contactId,contactStart&top=1', 'v21.0');
    expect(Object.keys(v21.completedContacts[0] as Wire)).toEqual(['contactId', 'contactStart']);
    const wrong = await get(`${sim.url}${path('v21.0')}?fields=contactStartDate`);
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('icStatusDescription')).toBe('Invalid fields: unknown field contactStartDate');
  });

  it('orders by contactId descending', async () => {
    const records = await all('orderBy=contactId desc');
    expect(records.map((r) => r.contactId)).toEqual(
      contacts()
        .map((c) => Number(c.contactId))
        .reverse(),
    );
  });

  it('answers 406 when Accept excludes JSON or is missing, as the real API does', async () => {
    const html = await get(`${sim.url}${path()}`, { accept: 'text/html' });
    expect(html.status).toBe(406);
    expect(await html.text()).toBe('No known way to render data');
    const missing = await rawGet(`${sim.url}${path()}`, { authorization: `Bearer ${token}` });
    expect(missing.status).toBe(406);
    expect(missing.headers.icstatusdescription).toBe('No known way to render data');
    const any = await rawGet(`${sim.url}${path()}?top=1`, {
      authorization: `Bearer ${token}`,
      accept: '*/*',
    });
    expect(any.status).toBe(200);
  });

  it('answers 400 with icStatusDescription for bad parameters and those it does not model', async () => {
    const cases: [string, RegExp][] = [
      ['updatedSince=yesterday', /^Invalid updatedSince/],
      ['updatedSince=2026-10-01T00:00:00%2B02:00', /no offsets/],
      ['startDate=2026-10-01T00:00:00-05:00', /^Invalid startDate/],
      ['endDate=10/01/2026', /^Invalid endDate/],
      ['agentId=abc', /^Invalid agentId/],
      ['top=0', /^Invalid top/],
      ['top=10001', /^Invalid top/],
      ['skip=-1', /^Invalid skip/],
      ['orderBy=agentId', /^Invalid orderBy/],
      ['mediaSubTypeId=1', /^Parameter mediaSubTypeId is not supported/],
      ['isLogged=true', /^Parameter isLogged is not supported/],
      ['pageSize=5', /^Unknown parameter pageSize/],
    ];
    for (const [query, message] of cases) {
      const response = await get(`${sim.url}${path()}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('icStatusDescription'), query).toMatch(message);
      expect(await response.text(), query).toBe('');
    }
  });
});
