import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { type RunningSimulator, startSimulator } from '../server.js';

const CONTACTS = 100_000;
let sim: RunningSimulator;
let token: string;
let heapAtStart: number;

beforeAll(async () => {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  sim = await startSimulator({ seed: 42, contacts: CONTACTS });
  heapAtStart = process.memoryUsage().heapUsed - before;
  token = await demoToken(sim);
});
afterAll(() => sim.stop());

interface Page {
  totalRecords: number;
  _links: { next: string | null };
  completedContacts: { contactId: number; lastUpdateTime: string; contactStartDate: string }[];
}

describe(`a simulator of ${CONTACTS} contacts`, () => {
  it('starts without generating the data set', () => {
    // Materialised, 100k records of ~60 fields take hundreds of MB; the lazy data set takes none.
    expect(heapAtStart).toBeLessThan(20 * 1024 * 1024);
    expect(sim.dataset.contacts).toHaveLength(CONTACTS);
  });

  it('pages through one day by _links.next with bounded heap growth', async () => {
    const since = '2026-10-07T00:00:00Z';
    const until = Date.parse('2026-10-08T00:00:00Z');
    let url: string | null =
      `${sim.url}/incontactapi/services/v33.0/contacts/completed?updatedSince=${since}` +
      `&endDate=2026-10-08T00:00:00Z&orderBy=lastUpdateTime%20asc&top=1000`;
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let total = -1;
    let lastMs = 0;
    const ids = new Set<number>();
    while (url !== null) {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page;
      total = page.totalRecords;
      for (const contact of page.completedContacts) {
        const ms = Date.parse(contact.lastUpdateTime);
        expect(ms).toBeGreaterThanOrEqual(lastMs);
        expect(Date.parse(contact.contactStartDate)).toBeLessThan(until);
        lastMs = ms;
        ids.add(contact.contactId);
        count++;
      }
      url = page._links.next;
    }
    // One of 14 days: about 7000 contacts, each once.
    expect(count).toBe(total);
    expect(ids.size).toBe(count);
    expect(count).toBeGreaterThan(5_000);
    expect(count).toBeLessThan(9_000);
    // The query keeps a position list (4 bytes per match) and pages are built on demand.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    // Random access by id still works at the far end of the data set.
    const last = sim.dataset.contactAt(CONTACTS - 1);
    expect(sim.dataset.indexOf(last.contactId)).toBe(CONTACTS - 1);
  });
});
