import { rmSync } from 'node:fs';
import path from 'node:path';
import { maxInAnyWindow } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, runTenant, type Tenant } from './helpers.js';

// A run stopped once it has used the Media Playback budget of a window, and the next run started
// right away: the budget is the tenant's at CXone, not the run's, so the second run must wait for
// the window the first one filled. The simulator enforces 4 requests per 3 s and answers 429
// without Retry-After (CXone does not reliably send one, reference/cxone-api.md §7).
const FAMILY = 'media-playback';
const BUDGET = { requests: 4, perMs: 3000 } as const;

const tenants: Tenant[] = [];
afterEach(async () => {
  for (const t of tenants.splice(0)) {
    await t.simulator.stop();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

const budgetTenant = async () => {
  const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', {
    contacts: 14,
    seed: 3,
    extra: `budgets:\n  ${FAMILY}: { requests: ${BUDGET.requests}, per: ${BUDGET.perMs}ms }\n`,
    simulator: { budgets: { [FAMILY]: { ...BUDGET, retryAfter: 'none' } } },
  });
  tenants.push(t);
  return t;
};

const playback = (t: Tenant) => t.simulator.requests.filter((entry) => entry.family === FAMILY);

/** Runs the tenant until the simulator has taken a window's worth of Media Playback requests. */
const runOneWindow = async (t: Tenant) => {
  const stop = new AbortController();
  const watch = setInterval(() => {
    if (playback(t).length >= BUDGET.requests) stop.abort(new Error('one window used'));
  }, 1);
  try {
    return await runTenant(t, {}, { signal: stop.signal });
  } finally {
    clearInterval(watch);
  }
};

describe("a run started right after another waits for the budget's window the first one filled", () => {
  it('the second run sends nothing the server refuses, and no window holds more than the budget', async () => {
    const t = await budgetTenant();
    await runOneWindow(t);
    expect(playback(t).length).toBeGreaterThanOrEqual(BUDGET.requests);
    // The first run left its budgets beside the ledger.
    expect(listFiles(t.dir).some((f) => f.endsWith('e2e.budgets.json'))).toBe(true);

    const second = await runTenant(t);
    expect(second.status).toBe('succeeded');
    expect(second.counts.failed).toBe(0);
    const all = playback(t);
    expect(all.filter((entry) => entry.status === 429)).toEqual([]);
    expect(second.budgets[FAMILY]?.throttled).toBe(0);
    expect(
      maxInAnyWindow(
        all.map((entry) => entry.at),
        BUDGET.perMs,
      ),
    ).toBeLessThanOrEqual(BUDGET.requests);
    // It did wait: its first request went a window after the first run's first.
    expect(second.budgets[FAMILY]?.waits).toBeGreaterThan(0);
  });

  it('without the saved state (the file removed between the runs) the server refuses the second run', async () => {
    const t = await budgetTenant();
    await runOneWindow(t);
    for (const f of listFiles(t.dir).filter((name) => name.endsWith('.budgets.json')))
      rmSync(path.join(t.dir, f));
    const second = await runTenant(t);
    expect(second.status).toBe('succeeded');
    expect(playback(t).filter((entry) => entry.status === 429).length).toBeGreaterThan(0);
    expect(second.budgets[FAMILY]?.throttled).toBeGreaterThan(0);
  });
});
