import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimContact } from '../dataset.js';
import { DEMO_CREDENTIALS } from '../options.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
const NOW = new Date('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, contacts: 12, now: () => NOW });
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

const url = (contactId: string, version = 'v29.0', query = '') =>
  `${sim.url}/incontactapi/services/${version}/contacts/${contactId}${query}`;
const get = (target: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
  fetch(target, { headers: { accept: 'application/json', ...headers } });

describe('GET contacts/{contactId}', () => {
  it('answers the record nested under a key named contactId, as the published spec has it', async () => {
    const contact = sim.dataset.contacts[3] as SimContact;
    const response = await get(url(contact.contactId));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      businessUnitId: 4600001,
      lastPollTime: NOW.toISOString(),
      contactId: contact,
    });
  });

  it('matches the prefix case-insensitively and keeps only the fields asked for', async () => {
    const contact = sim.dataset.contacts[0] as SimContact;
    const response = await get(
      `${sim.url}/inContactAPI/services/v26.0/contacts/${contact.contactId}?fields=contactId,lastUpdateTime`,
    );
    const body = (await response.json()) as { contactId: Record<string, unknown> };
    expect(body.contactId).toEqual({ contactId: contact.contactId, lastUpdateTime: contact.lastUpdateTime });
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
    const old = await get(url(id, 'v2.0'));
    expect(old.status).toBe(404);
  });

  it('leaves contacts/completed to its own route', async () => {
    const response = await get(url('completed', 'v29.0', '?top=1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('completedContacts');
  });
});
