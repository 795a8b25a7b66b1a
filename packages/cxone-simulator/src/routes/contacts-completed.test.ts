import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareContactIds, type SimContact } from '../dataset.js';
import { DEMO_CREDENTIALS } from '../options.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
const NOW = new Date('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 17, contacts: 57, now: () => NOW });
  const response = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: DEMO_CREDENTIALS.accessKeyId,
      password: DEMO_CREDENTIALS.accessKeySecret,
      client_id: DEMO_CREDENTIALS.clientId,
      client_secret: DEMO_CREDENTIALS.clientSecret,
    }).toString(),
  });
  token = ((await response.json()) as { access_token: string }).access_token;
});
afterAll(() => sim.stop());

interface CompletedPage {
  totalRecords: number;
  businessUnitId: number;
  lastPollTime: string;
  _links: { self: string; next: string | null; previous: string | null };
  completedContacts: SimContact[];
}

const path = (version = 'v30.0') => `/incontactapi/services/${version}/contacts/completed`;
const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } });

function expectedOrder(since?: string): SimContact[] {
  const sinceMs = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
  return sim.dataset.contacts
    .filter((contact) => Date.parse(contact.lastUpdateTime) >= sinceMs)
    .sort(
      (a, b) =>
        Date.parse(a.lastUpdateTime) - Date.parse(b.lastUpdateTime) ||
        compareContactIds(a.contactId, b.contactId),
    );
}

describe('GET contacts/completed', () => {
  it('pages by skip/top until 204, in lastUpdateTime order', async () => {
    const seen: SimContact[] = [];
    let skip = 0;
    for (;;) {
      const response = await get(`${sim.url}${path()}?orderBy=lastUpdateTime%20asc&skip=${skip}&top=10`);
      if (response.status === 204) {
        expect(await response.text()).toBe('');
        break;
      }
      expect(response.status).toBe(200);
      const page = (await response.json()) as CompletedPage;
      expect(page.totalRecords).toBe(57);
      expect(page.businessUnitId).toBe(4600001);
      expect(page.lastPollTime).toBe(NOW.toISOString());
      expect(page.completedContacts.length).toBeLessThanOrEqual(10);
      seen.push(...page.completedContacts);
      skip += page.completedContacts.length;
    }
    expect(seen).toEqual(expectedOrder());
    expect(seen.map((contact) => contact.contactId)).not.toEqual(
      sim.dataset.contacts.map((c) => c.contactId),
    );
  });

  it('pages by following _links.next until null; past the end is 204', async () => {
    const since = expectedOrder()[20]?.lastUpdateTime as string;
    let url: string | null =
      `${sim.url}${path('V30.0').replace('incontactapi', 'inContactAPI')}?updatedSince=${encodeURIComponent(since)}&orderBy=lastUpdateTime+asc&top=7`;
    const seen: SimContact[] = [];
    const previousLinks: (string | null)[] = [];
    while (url !== null) {
      const response = await get(url);
      expect(response.status).toBe(200);
      const page = (await response.json()) as CompletedPage;
      expect(page._links.self).toBe(url);
      previousLinks.push(page._links.previous);
      seen.push(...page.completedContacts);
      url = page._links.next;
    }
    const expected = expectedOrder(since);
    expect(expected).toHaveLength(37);
    expect(seen).toEqual(expected);
    expect(seen[0]?.lastUpdateTime).toBe(since); // inclusive
    expect(previousLinks[0]).toBeNull();
    expect(previousLinks[1]).toContain('skip=0');
    const beyond = await get(
      `${sim.url}${path()}?updatedSince=${encodeURIComponent(since)}&orderBy=lastUpdateTime+asc&skip=${expected.length}`,
    );
    expect(beyond.status).toBe(204);
  });

  it('filters updatedSince inclusively and answers 204 when nothing is newer', async () => {
    const last = expectedOrder().at(-1) as SimContact;
    const atLast = (await (
      await get(
        `${sim.url}${path()}?updatedSince=${encodeURIComponent(last.lastUpdateTime)}&orderBy=lastUpdateTime asc`,
      )
    ).json()) as CompletedPage;
    expect(atLast.completedContacts.map((contact) => contact.contactId)).toEqual(
      expectedOrder(last.lastUpdateTime).map((contact) => contact.contactId),
    );
    expect(atLast._links.next).toBeNull();
    const after = new Date(Date.parse(last.lastUpdateTime) + 1).toISOString();
    expect((await get(`${sim.url}${path()}?updatedSince=${encodeURIComponent(after)}`)).status).toBe(204);
  });

  it('uses top 100 by default and accepts every version from v7.0 to v33.0', async () => {
    for (const version of ['v7.0', 'v21.0', 'v33.0']) {
      const page = (await (await get(`${sim.url}${path(version)}`)).json()) as CompletedPage;
      expect(page.completedContacts).toHaveLength(57);
      expect(page._links.next).toBeNull();
    }
    for (const version of ['v6.0', 'v34.0'])
      expect((await get(`${sim.url}${path(version)}`)).status).toBe(404);
  });

  it('returns records with the GEN field names', async () => {
    const page = (await (await get(`${sim.url}${path()}?top=1`)).json()) as CompletedPage;
    const [record] = page.completedContacts;
    expect(record).toEqual(sim.dataset.contacts[0]);
    expect(Object.keys(record ?? {})).toEqual(
      expect.arrayContaining([
        'contactId',
        'masterContactId',
        'contactStartDate',
        'lastUpdateTime',
        'mediaTypeId',
        'mediaTypeName',
        'fromAddress',
        'toAddress',
        'totalDurationSeconds',
        'dateContactWarehoused',
        'tags',
      ]),
    );
  });

  it('answers 406 when Accept excludes JSON', async () => {
    const response = await get(`${sim.url}${path()}`, { accept: 'text/html' });
    expect(response.status).toBe(406);
    expect(await response.text()).toBe('No known way to render data');
  });

  it('answers 400 with icStatusDescription for bad parameters', async () => {
    for (const query of ['updatedSince=yesterday', 'top=0', 'top=10001', 'skip=-1', 'orderBy=agentId']) {
      const response = await get(`${sim.url}${path()}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('icStatusDescription'), query).toMatch(/^Invalid/);
    }
  });
});
