import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoToken, rawGet } from '../../test-support/route-helpers.js';
import type { SimContact } from '../dataset.js';
import { type RunningSimulator, startSimulator } from '../server.js';
import { renderContact } from '../versions.js';

let sim: RunningSimulator;
let token: string;
const NOW = new Date('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, contacts: 12, now: () => NOW });
  token = await demoToken(sim);
});
afterAll(() => sim.stop());

const url = (contactId: string, version = 'v33.0', query = '') =>
  `${sim.url}/incontactapi/services/${version}/contacts/${contactId}${query}`;
const get = (target: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
  fetch(target, { headers: { accept: 'application/json', ...headers } });

describe('GET contacts/{contactId}', () => {
  it('answers the record nested under a key named contactId, in the names of the version', async () => {
    const contact = sim.dataset.contacts[3] as SimContact;
    const response = await get(url(contact.contactId));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      businessUnitId: 4600001,
      lastPollTime: NOW.toISOString(),
      contactId: renderContact(contact, 'v33'),
    });
    const old = (await (await get(url(contact.contactId, 'v23.0'))).json()) as {
      contactId: Record<string, unknown>;
    };
    expect(old.contactId).toEqual(renderContact(contact, 'pre-v33'));
    expect(old.contactId.contactStart).toBe(contact.contactStartDate);
    expect(old.contactId.contactId).toBe(Number(contact.contactId));
  });

  it('matches the prefix case-insensitively and keeps only the fields asked for', async () => {
    const contact = sim.dataset.contacts[0] as SimContact;
    const response = await get(
      `${sim.url}/inContactAPI/services/v26.0/contacts/${contact.contactId}?fields=contactId,lastUpdateTime`,
    );
    const body = (await response.json()) as { contactId: Record<string, unknown> };
    expect(body.contactId).toEqual({
      contactId: Number(contact.contactId),
      lastUpdateTime: contact.lastUpdateTime,
    });
    const unknownField = await get(url(contact.contactId, 'v33.0', '?fields=contactStart'));
    expect(unknownField.status).toBe(400);
    const unknownParameter = await get(url(contact.contactId, 'v33.0', '?expand=all'));
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.headers.get('icStatusDescription')).toBe('Unknown parameter expand');
  });

  it('answers 404 with icStatusDescription for an unknown contact, and 400 for a non-numeric id', async () => {
    const unknown = await get(url('999999999999'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('icStatusDescription')).toBe('Contact 999999999999 not found');
    expect(await unknown.text()).toBe('');
    const bad = await get(url('abc'));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('icStatusDescription')).toBe('Invalid contactId: expected a number');
  });

  it('requires a bearer token, a JSON Accept and a supported version', async () => {
    const id = (sim.dataset.contacts[0] as SimContact).contactId;
    const anonymous = await get(url(id), {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('icStatusDescription')).toBe('Missing bearer token');
    const xml = await get(url(id), { authorization: `Bearer ${token}`, accept: 'application/xml' });
    expect(xml.status).toBe(406);
    const missing = await rawGet(url(id), { authorization: `Bearer ${token}` });
    expect(missing.status).toBe(406);
    for (const version of ['v2.0', 'v20.0', 'v34.0']) {
      const old = await get(url(id, version));
      expect(old.status).toBe(404);
      expect(old.headers.get('icStatusDescription')).toMatch(/^API version/);
    }
  });

  it('leaves contacts/completed to its own route', async () => {
    const response = await get(url('completed', 'v29.0', '?top=1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('completedContacts');
  });
});
