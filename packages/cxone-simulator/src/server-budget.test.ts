import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorBudgets } from './budgets.js';
import { demoToken } from './demo-token.js';
import { type RunningSimulator, startSimulator } from './server.js';

const START = Date.parse('2026-10-20T12:00:00Z');
let now = START;
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  now = START;
});

const start = async (budgets?: SimulatorBudgets): Promise<RunningSimulator> => {
  sim = await startSimulator({
    seed: 3,
    contacts: 12,
    now: () => new Date(now),
    ...(budgets === undefined ? {} : { budgets }),
  });
  return sim;
};

const tokenOf = demoToken;

const recordedMaster = (s: RunningSimulator): string => {
  const first = [...s.dataset.recordings.keys()][0];
  if (first === undefined) throw new Error('the data set has no recording');
  return first;
};

const playback = (s: RunningSimulator, token: string | undefined, id = recordedMaster(s)) =>
  fetch(`${s.url}/media-playback/v1/contacts?acd-call-id=${id}&media-type=voice-only`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe('Media Playback budget', () => {
  it("enforces CXone's default of 150 requests per 5 minutes, with Retry-After in seconds", async () => {
    const s = await start();
    const token = await tokenOf(s);
    for (let i = 0; i < 150; i++) expect((await playback(s, token)).status).toBe(200);
    now += 60_000;
    const refused = await playback(s, token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('240');
    expect(s.maxAcceptedInWindow('media-playback')).toBe(150);
    now = START + 300_000;
    expect((await playback(s, token)).status).toBe(200);
  });

  it('answers 429 {message, route} once the window is full, counting every request and no refusal', async () => {
    const s = await start({ 'media-playback': { requests: 3, perMs: 1500 } });
    const token = await tokenOf(s);
    // Counted whatever the answer: a 401 and a 404 use the budget as a 200 does.
    expect((await playback(s, token)).status).toBe(200);
    now += 100;
    expect((await playback(s, undefined)).status).toBe(401);
    now += 100;
    expect((await playback(s, token, '999999999')).status).toBe(404);
    now += 100;
    const refused = await playback(s, token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await refused.json()).toEqual({
      message: 'Too Many Requests',
      route: '/media-playback/v1/contacts',
    });
    // The first request leaves the window 1500 ms after it came: 1200 ms from now, rounded up.
    expect(refused.headers.get('retry-after')).toBe('2');
    now = START + 1499;
    expect((await playback(s, token)).status).toBe(429);
    now = START + 1500;
    expect((await playback(s, token)).status).toBe(200);
    expect((await playback(s, token)).status).toBe(429);

    // Other families are not limited by it.
    const listing = await fetch(
      `${s.url}/incontactapi/services/v29.0/contacts/completed?updatedSince=2026-01-01T00:00:00Z`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(listing.status).toBe(200);

    const log = s.requests.filter((entry) => entry.path === '/media-playback/v1/contacts');
    expect(log.map((entry) => [entry.at - START, entry.status, entry.budget])).toEqual([
      [0, 200, 'accepted'],
      [100, 401, 'accepted'],
      [200, 404, 'accepted'],
      [300, 429, 'refused'],
      [1499, 429, 'refused'],
      [1500, 200, 'accepted'],
      [1500, 429, 'refused'],
    ]);
    expect(log.every((entry) => entry.family === 'media-playback')).toBe(true);
    const others = s.requests.filter((entry) => entry.path !== '/media-playback/v1/contacts');
    expect(others.map((entry) => entry.path)).toEqual([
      '/auth/token',
      '/incontactapi/services/v29.0/contacts/completed',
    ]);
    expect(others.every((entry) => entry.family === undefined && entry.budget === undefined)).toBe(true);
    expect(s.maxAcceptedInWindow('media-playback')).toBe(3);
    // Over a longer window, the accepted requests of both windows.
    expect(s.maxAcceptedInWindow('media-playback', 1501)).toBe(4);
  });

  it('sends Retry-After as an HTTP date, or not at all, as configured', async () => {
    now = START + 250;
    const dated = await start({ 'media-playback': { requests: 1, perMs: 1500, retryAfter: 'http-date' } });
    const token = await tokenOf(dated);
    expect((await playback(dated, token)).status).toBe(200);
    const refusal = await playback(dated, token);
    expect(refusal.status).toBe(429);
    // Free again at 12:00:01.750; the header has whole seconds, so it says 12:00:02.
    expect(refusal.headers.get('retry-after')).toBe('Tue, 20 Oct 2026 12:00:02 GMT');
    await dated.stop();

    const silent = await start({ 'media-playback': { requests: 1, perMs: 1500, retryAfter: 'none' } });
    const again = await tokenOf(silent);
    expect((await playback(silent, again)).status).toBe(200);
    const bare = await playback(silent, again);
    expect(bare.status).toBe(429);
    expect(bare.headers.has('retry-after')).toBe(false);
    expect(await bare.json()).toEqual({ message: 'Too Many Requests', route: '/media-playback/v1/contacts' });
  });

  it('has no budget when given false, and still logs the family', async () => {
    const s = await start({ 'media-playback': false });
    expect([...s.budgets.keys()]).toEqual(['data-extraction']);
    const token = await tokenOf(s);
    for (let i = 0; i < 3; i++) expect((await playback(s, token)).status).toBe(200);
    const log = s.requestLog().filter((entry) => entry.family === 'media-playback');
    expect(log).toHaveLength(3);
    expect(log.every((entry) => entry.budget === undefined)).toBe(true);
    // The short form names a family only where a budget is in force.
    expect(s.requests.some((entry) => entry.family !== undefined)).toBe(false);
    expect(() => s.maxAcceptedInWindow('media-playback')).toThrow(/no budget/);
    expect(s.maxAcceptedInWindow('media-playback', 1)).toBe(3);
  });

  it('rejects an invalid budget at start', async () => {
    await expect(
      startSimulator({ budgets: { 'media-playback': { requests: 0, perMs: 1 } } }),
    ).rejects.toThrow(RangeError);
  });
});
