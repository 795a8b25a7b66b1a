// Every API family answers a 429 (its budget used up) and an injected error status in its own
// shape, with Retry-After where the budget gives one: a family without a shape would leave the
// request unanswered until the client timed out.
import { afterEach, describe, expect, it } from 'vitest';
import { demoToken } from '../test-support/route-helpers.js';
import type { BudgetFamily } from './budgets.js';
import { type RunningSimulator, startSimulator } from './server.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

interface Probe {
  readonly family: BudgetFamily;
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  /** What the body of an error of this family looks like. */
  readonly shape: (status: number, text: string) => void;
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

const PROBES: readonly Probe[] = [
  {
    family: 'dfo',
    route: 'dfo-custom-field-definitions',
    method: 'GET',
    path: '/dfo/3.0/contacts/custom-field-definitions',
    shape: (_status, text) => {
      const body = json(text) as { errors: { message: string; errorCode: string }[]; uid: string };
      expect(body.errors[0]).toMatchObject({ message: expect.any(String), errorCode: expect.any(String) });
      expect(typeof body.uid).toBe('string');
    },
  },
  {
    family: 'media-download',
    route: 'media-download-status',
    method: 'GET',
    path: '/media-download/v1/status/00000000-0000-4000-8000-000000000000',
    shape: (status, text) =>
      expect(json(text)).toEqual({
        code: status === 429 ? 'TOO_MANY_REQUESTS' : status === 500 ? 'INTERNAL_ERROR' : expect.any(String),
        message: expect.any(String),
      }),
  },
  {
    family: 'data-extraction',
    route: 'data-extraction-jobs',
    method: 'GET',
    path: '/data-extraction/v1/jobs',
    shape: (_status, text) => expect(json(text)).toEqual({ message: expect.any(String) }),
  },
  {
    family: 'business-data',
    route: 'business-data',
    method: 'PUT',
    path: '/business-data-manager/v1/business-data/contact/1',
    body: '[{"archival_status":"ARCHIVED"}]',
    shape: (_status, text) => expect(text).toBe(''),
  },
];

const send = async (s: RunningSimulator, token: string, probe: Probe) => {
  const res = await fetch(`${s.url}${probe.path}`, {
    method: probe.method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(probe.body === undefined ? {} : { body: probe.body }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
};

describe('error shapes of every budgeted family', () => {
  for (const probe of PROBES) {
    it(`${probe.family}: a budget 429 with Retry-After, and an injected 500, each in the family's shape`, async () => {
      sim = await startSimulator({
        seed: 3,
        contacts: 20,
        budgets: { [probe.family]: { requests: 1, perMs: 60_000 } },
      });
      const token = await demoToken(sim);
      await send(sim, token, probe); // uses the one request of the window
      const refused = await send(sim, token, probe);
      expect(refused.status).toBe(429);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      probe.shape(429, refused.text);
      expect(
        sim
          .requestLog()
          .filter((e) => e.route === probe.route)
          .map((e) => e.budget),
      ).toEqual(['accepted', 'refused']);

      await sim.stop();
      sim = await startSimulator({
        seed: 3,
        contacts: 20,
        faults: [{ route: probe.route, kind: 'status', status: 500 }],
      });
      const failed = await send(sim, await demoToken(sim), probe);
      expect(failed.status).toBe(500);
      probe.shape(500, failed.text);
    });
  }
});
