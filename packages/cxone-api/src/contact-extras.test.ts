import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorClient } from '../test-support/simulator-client.js';
import type { CxoneClient } from './client.js';
import {
  type ContactExtrasContext,
  getCustomData,
  getDisposition,
  getStateHistory,
} from './contact-extras.js';
import type { CxoneFamily } from './families.js';

const now = Date.parse('2026-10-20T12:00:00Z');
const signal = new AbortController().signal;
const clients: CxoneClient[] = [];
const sims: RunningSimulator[] = [];
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 8, contacts: 40, now: () => new Date(now) });
  sims.push(sim);
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of sims) await s.stop();
});

const connect = (target: RunningSimulator = sim) => {
  const taken: CxoneFamily[] = [];
  const client = simulatorClient(target, {
    now: () => new Date(now),
    budget: async (family) => {
      if (family !== 'cxone-auth') taken.push(family);
    },
  }).client;
  clients.push(client);
  const ctx: ContactExtrasContext = { client, apiBase: target.url, version: 'v33.0', signal };
  return { ctx, taken };
};

describe('contact details through the client', () => {
  it('reads state history, disposition and custom data on the cxone-acd budget', async () => {
    const { ctx, taken } = connect();
    const contact = sim.dataset.contacts[2]!;
    const states = (await getStateHistory(ctx, contact.contactId))._unsafeUnwrap();
    expect(states[0]).toMatchObject({
      stateIndex: 0,
      contactId: contact.contactId,
      skillId: contact.skillId,
      startDate: contact.contactStartDate,
    });
    expect(states.at(-1)?.contactStateName).toBe('EndContact');
    const withOne = sim.dataset.contacts.find((c) => c.primaryDispositionId !== 0)!;
    expect((await getDisposition(ctx, withOne.contactId))._unsafeUnwrap()).toMatchObject({
      dispositionId: withOne.primaryDispositionId,
      dispositionByAgendId: withOne.agentId,
    });
    const without = sim.dataset.contacts.find((c) => c.primaryDispositionId === 0)!;
    expect((await getDisposition(ctx, without.contactId))._unsafeUnwrap()).toBeUndefined(); // 204
    const custom = (await getCustomData(ctx, Number(contact.contactId)))._unsafeUnwrap();
    expect(custom.every((i) => typeof i.name === 'string' && typeof i.value === 'string')).toBe(true);
    expect(taken).toEqual(['cxone-acd', 'cxone-acd', 'cxone-acd', 'cxone-acd']);
  });

  it('decodes an unknown contact as NotFound with the icStatusDescription, and refuses bad ids before sending', async () => {
    const { ctx, taken } = connect();
    const error = (await getStateHistory(ctx, '1'))._unsafeUnwrapErr();
    expect(error._tag).toBe('NotFound');
    expect(error.message).toMatch(/HTTP 404 Contact 1 not found/);
    expect((await getCustomData(ctx, 'abc'))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    expect((await getDisposition({ ...ctx, version: '33' }, '1'))._unsafeUnwrapErr()._tag).toBe(
      'InvalidInput',
    );
    expect(taken.length).toBe(1);
  });

  it('is Throttled on a 429, with the Retry-After delay when sent and without one when not', async () => {
    for (const [mode, expected] of [
      ['seconds', 60_000],
      ['none', undefined],
    ] as const) {
      const strict = await startSimulator({
        seed: 8,
        contacts: 10,
        now: () => new Date(now),
        budgets: { 'cxone-acd': { requests: 1, perMs: 60_000, retryAfter: mode } },
      });
      sims.push(strict);
      const { ctx } = connect(strict);
      const id = strict.dataset.contacts[0]!.contactId;
      expect((await getCustomData(ctx, id)).isOk()).toBe(true);
      const refused = (await getStateHistory(ctx, id))._unsafeUnwrapErr();
      expect(refused._tag).toBe('Throttled');
      expect(refused).toMatchObject({ family: 'cxone-acd' });
      expect((refused as { retryAfterMs?: number }).retryAfterMs).toBe(expected);
    }
  });
});
