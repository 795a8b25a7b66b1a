import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { configureBusinessData } from '../business-data.js';
import type { SimContact } from '../dataset.js';
import { uuidFromString } from '../prng.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let now = Date.parse('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({
    seed: 5,
    contacts: 40,
    now: () => new Date(now),
    budgets: { 'business-data': false },
  });
});
afterAll(() => sim.stop());
beforeEach(async () => {
  now = Date.parse('2026-10-20T12:00:00Z');
  token = await demoToken(sim);
});

const put = (path: string, body: unknown, auth = true) =>
  fetch(`${sim.url}/business-data-manager/v1/business-data/contact/${path}`, {
    method: 'PUT',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const playback = async (id: string) => {
  const res = await fetch(`${sim.url}/media-playback/v1/contacts?acd-call-id=${id}&media-type=voice-only`, {
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
  });
  return (await res.json()) as {
    interactions: { dynamicBusinessData: unknown; data: { segmentsDataList: { segmentId: string }[] } }[];
  };
};
const recordedMaster = (n = 0) =>
  sim.dataset.contacts.filter(
    (c) => c.contactId === c.masterContactId && sim.dataset.recordings.get(c.contactId) !== undefined,
  )[n] as SimContact;

describe('PUT business-data/contact/{acdContactId}', () => {
  it('answers 204 and the values come back in Media Playback as dynamicBusinessData', async () => {
    const master = recordedMaster();
    expect((await playback(master.contactId)).interactions[0]?.dynamicBusinessData).toEqual([]);
    const res = await put(master.contactId, [
      { archival_status: 'ARCHIVED' },
      { archive_ref: 's3://b/k' },
      { archive_bytes: 1234, archived: true },
    ]);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await playback(master.contactId)).interactions[0]?.dynamicBusinessData).toEqual([
      { id: 'archival_status', value: 'ARCHIVED' },
      { id: 'archive_ref', value: 's3://b/k' },
      { id: 'archive_bytes', value: 1234 },
      { id: 'archived', value: true },
    ]);
    // A later write replaces the field's value.
    expect((await put(master.contactId, [{ archival_status: 'VERIFIED' }])).status).toBe(204);
    expect((await playback(master.contactId)).interactions[0]?.dynamicBusinessData).toContainEqual({
      id: 'archival_status',
      value: 'VERIFIED',
    });
  });

  it('accepts a segment Media Playback names, 404 for another segment', async () => {
    const master = recordedMaster(1);
    const segment = (await playback(master.contactId)).interactions[0]!.data.segmentsDataList[0]!.segmentId;
    expect((await put(`${master.contactId}/segment/${segment}`, [{ archived: false }])).status).toBe(204);
    expect((await playback(master.contactId)).interactions[0]?.dynamicBusinessData).toContainEqual({
      id: 'archived',
      value: false,
    });
    expect(
      (await put(`${master.contactId}/segment/${uuidFromString('other')}`, [{ archived: false }])).status,
    ).toBe(404);
  });

  it('answers 400 for a field not defined, a wrong type, a bad body or an open contact; status only', async () => {
    const master = recordedMaster();
    for (const body of [
      [{ not_defined: 'x' }],
      [{ archive_bytes: '12' }],
      [{ archived: 'true' }],
      [{ archival_status: null }],
      [],
      {},
      [{}],
      '[',
    ]) {
      const res = await put(master.contactId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.text()).toBe('');
    }
    expect((await put('12x', [{ archived: true }])).status).toBe(400);
    // Before the call ended it is not closed yet.
    now = Date.parse(master.contactStartDate) + 1000;
    token = await demoToken(sim);
    expect((await put(master.contactId, [{ archived: true }])).status).toBe(400);
  });

  it('answers 404 for an unknown contact or one without a recording, 401 without a bearer, 403 without the permission', async () => {
    const chat = sim.dataset.contacts.find(
      (c) => c.contactId === c.masterContactId && sim.dataset.recordings.get(c.contactId) === undefined,
    ) as SimContact;
    expect((await put('1', [{ archived: true }])).status).toBe(404);
    expect((await put(chat.contactId, [{ archived: true }])).status).toBe(404);
    expect((await put(recordedMaster().contactId, [{ archived: true }], false)).status).toBe(401);
    const restore = configureBusinessData(sim.url, { permitted: false });
    try {
      expect((await put(recordedMaster().contactId, [{ archived: true }])).status).toBe(403);
    } finally {
      restore();
    }
    const custom = configureBusinessData(sim.url, { fields: { ticket: 'number' } });
    try {
      expect((await put(recordedMaster().contactId, [{ archived: true }])).status).toBe(400);
      expect((await put(recordedMaster().contactId, [{ ticket: 7 }])).status).toBe(204);
    } finally {
      custom();
    }
  });
});
