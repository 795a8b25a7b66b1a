import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureBusinessData } from '../../cxone-simulator/src/business-data.js';
import { simulatorClient } from '../test-support/simulator-client.js';
import { putBusinessData } from './business-data.js';
import type { CxoneClient } from './client.js';
import type { CxoneFamily } from './families.js';

const NOW = new Date('2026-10-20T12:00:00Z');
let sim: RunningSimulator;
const signal = new AbortController().signal;
const clients: CxoneClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 6, contacts: 40, now: () => NOW, budgets: { 'business-data': false } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sim.stop();
});

const connect = () => {
  const taken: CxoneFamily[] = [];
  const client = simulatorClient(sim, {
    now: () => NOW,
    budget: async (family) => {
      if (family !== 'cxone-auth') taken.push(family);
    },
  }).client;
  clients.push(client);
  return { client, taken };
};
const recorded = () =>
  sim.dataset.contacts.filter(
    (c) => c.contactId === c.masterContactId && sim.dataset.recordings.get(c.contactId) !== undefined,
  );

describe('Business Data through the client', () => {
  it('writes defined fields (204) on the business-data budget; Media Playback shows them', async () => {
    const { client, taken } = connect();
    const master = recorded()[0]!;
    const put = await putBusinessData(
      client,
      sim.url,
      { contactId: Number(master.contactId) },
      { archival_status: 'ARCHIVED', archive_bytes: 42, archived: true },
      signal,
    );
    expect(put.isOk()).toBe(true);
    expect(taken).toEqual(['business-data']);
    const playback = (
      await client.requestJson({
        family: 'media-playback',
        url: `${sim.url}/media-playback/v1/contacts?acd-call-id=${master.contactId}&media-type=voice-only`,
        signal,
      })
    )._unsafeUnwrap().body as { interactions: { dynamicBusinessData: unknown }[] };
    expect(playback.interactions[0]?.dynamicBusinessData).toEqual([
      { id: 'archival_status', value: 'ARCHIVED' },
      { id: 'archive_bytes', value: 42 },
      { id: 'archived', value: true },
    ]);
  });

  it('decodes the status-only errors: 400 InvalidInput, 404 NotFound, 403 Auth; refuses bad input before sending', async () => {
    const { client, taken } = connect();
    const master = recorded()[1]!;
    const undefinedField = (
      await putBusinessData(client, sim.url, { contactId: master.contactId }, { nope: 'x' }, signal)
    )._unsafeUnwrapErr();
    expect(undefinedField._tag).toBe('InvalidInput');
    expect(undefinedField.message).toMatch(/PUT .*business-data\/contact\/\d+: HTTP 400$/);
    const wrongType = (
      await putBusinessData(client, sim.url, { contactId: master.contactId }, { archived: 'yes' }, signal)
    )._unsafeUnwrapErr();
    expect(wrongType._tag).toBe('InvalidInput');
    const unknown = (
      await putBusinessData(client, sim.url, { contactId: '1' }, { archived: true }, signal)
    )._unsafeUnwrapErr();
    expect(unknown._tag).toBe('NotFound');
    const segment = (
      await putBusinessData(
        client,
        sim.url,
        { contactId: master.contactId, segmentId: '00000000-0000-4000-8000-000000000000' },
        { archived: true },
        signal,
      )
    )._unsafeUnwrapErr();
    expect(segment._tag).toBe('NotFound');
    const restore = configureBusinessData(sim.url, { permitted: false });
    try {
      expect(
        (
          await putBusinessData(client, sim.url, { contactId: master.contactId }, { archived: true }, signal)
        )._unsafeUnwrapErr()._tag,
      ).toBe('Auth');
    } finally {
      restore();
    }
    const sent = taken.length;
    expect(
      (
        await putBusinessData(client, sim.url, { contactId: 'x1' }, { archived: true }, signal)
      )._unsafeUnwrapErr()._tag,
    ).toBe('InvalidInput');
    expect(
      (await putBusinessData(client, sim.url, { contactId: '1' }, {}, signal))._unsafeUnwrapErr()._tag,
    ).toBe('InvalidInput');
    expect(
      (
        await putBusinessData(client, sim.url, { contactId: '1' }, { n: Number.NaN }, signal)
      )._unsafeUnwrapErr()._tag,
    ).toBe('InvalidInput');
    expect(taken.length).toBe(sent); // nothing sent for those
  });
});
