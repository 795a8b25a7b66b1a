import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoToken, rawGet } from '../../test-support/route-helpers.js';
import type { SimContact } from '../dataset.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, contacts: 60, now: () => new Date('2026-10-20T12:00:00Z') });
  token = await demoToken(sim);
});
afterAll(() => sim.stop());

const url = (id: string, what: string, version = 'v33.0') =>
  `${sim.url}/incontactapi/services/${version}/contacts/${id}/${what}`;
const get = (target: string) =>
  fetch(target, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
const seconds = (d: string) => Number(/^PT(\d+)S$/.exec(d)?.[1]);

interface State {
  stateIndex: number;
  contactId: string;
  contactStateName: string;
  startDate: string;
  duration: string;
  agentId: number;
  skillId: number;
}

describe('contact sub-resources', () => {
  it('state-history: states in order that add up to the contact’s own times, agent and skill', async () => {
    for (const contact of sim.dataset.contacts.slice(0, 20)) {
      const res = await get(url(contact.contactId, 'state-history'));
      expect(res.status).toBe(200);
      const { contactStateHistory: states } = (await res.json()) as { contactStateHistory: State[] };
      expect(states.map((s) => s.stateIndex)).toEqual(states.map((_, i) => i));
      expect(states[0]?.startDate).toBe(contact.contactStartDate);
      expect(states.at(-1)?.contactStateName).toBe('EndContact');
      const total = states.reduce((sum, s) => sum + seconds(s.duration), 0);
      expect(total).toBe(contact.totalDurationSeconds);
      expect(Date.parse(states.at(-1)!.startDate)).toBe(Date.parse(contact.contactStartDate) + total * 1000);
      for (const s of states) {
        expect(s.contactId).toBe(contact.contactId);
        expect(s.skillId).toBe(contact.skillId);
        expect([0, contact.agentId]).toContain(s.agentId);
      }
      const active = states.filter((s) => s.contactStateName === 'Active' || s.contactStateName === 'Hold');
      expect(active.reduce((sum, s) => sum + seconds(s.duration), 0)).toBe(contact.agentSeconds);
      expect(states.some((s) => s.contactStateName === 'Hold')).toBe(
        contact.holdSeconds > 0 && contact.agentSeconds > 1,
      );
    }
  });

  it('disposition: the contact’s disposition and agent (dispositionByAgendId, as published), 204 when none', async () => {
    const withOne = sim.dataset.contacts.find((c) => c.primaryDispositionId !== 0) as SimContact;
    const without = sim.dataset.contacts.find((c) => c.primaryDispositionId === 0) as SimContact;
    const res = await get(url(withOne.contactId, 'disposition'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      dispositionId: withOne.primaryDispositionId,
      dispositionByAgendId: withOne.agentId,
      notes: withOne.dispositionNotes,
    });
    expect(typeof body.dispositionName).toBe('string');
    expect(Date.parse(body.lastUpdated as string)).toBeLessThanOrEqual(Date.parse(withOne.lastUpdateTime));
    const none = await get(url(without.contactId, 'disposition'));
    expect(none.status).toBe(204);
  });

  it('custom-data: name/value strings, the same on every read', async () => {
    const seen = new Set<number>();
    for (const contact of sim.dataset.contacts.slice(0, 15)) {
      const first = (await (await get(url(contact.contactId, 'custom-data'))).json()) as {
        contactCustomData: { name: string; value: string }[];
      };
      const second = (await (await get(url(contact.contactId, 'custom-data'))).json()) as typeof first;
      expect(second).toEqual(first);
      for (const item of first.contactCustomData) {
        expect(typeof item.name).toBe('string');
        expect(typeof item.value).toBe('string');
      }
      seen.add(first.contactCustomData.length);
    }
    expect(seen.has(0)).toBe(true);
    expect([...seen].some((n) => n > 0)).toBe(true);
  });

  it('is as strict as contacts/{id}: Accept, bearer, version, numeric id, 404 unknown, no parameters', async () => {
    const id = (sim.dataset.contacts[0] as SimContact).contactId;
    const noAccept = await rawGet(url(id, 'state-history'), { authorization: `Bearer ${token}` });
    expect(noAccept.status).toBe(406);
    const anonymous = await rawGet(url(id, 'custom-data'), { accept: 'application/json' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.icstatusdescription).toBe('Missing bearer token');
    expect((await get(url(id, 'disposition', 'v99.0'))).status).toBe(404);
    const bad = await get(url('abc', 'state-history'));
    expect(bad.status).toBe(400);
    const unknown = await get(url('1', 'state-history'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('icStatusDescription')).toBe('Contact 1 not found');
    expect((await get(`${url(id, 'custom-data')}?top=5`)).status).toBe(400);
  });
});
