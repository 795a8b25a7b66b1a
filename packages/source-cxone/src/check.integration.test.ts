import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import plugin from './index.js';

const now = () => new Date('2026-11-01T00:00:00Z');
const start = simulatorStarter({ contacts: 5, seed: 3, now });

const source = async (overrides: Record<string, unknown> = {}) => {
  const sim = await start();
  const ctx = testContext(now);
  const created = await plugin.create(optionsOn(sim, { since: '2026-01-01T00:00:00Z', ...overrides }), ctx);
  return { sim, ctx, instance: created._unsafeUnwrap() };
};

describe('the CXone source health check, against the simulator', () => {
  it('gets a token and lists one contact, within its budgets, fetching nothing', async () => {
    const { sim, ctx, instance } = await source();
    const result = await instance.check!(live());
    expect(result._unsafeUnwrap().checked).toEqual([
      `token obtained from ${new URL(sim.url).origin}`,
      `API base ${new URL(sim.url).origin} (discovered)`,
      'listed completed contacts since 2026-01-01T00:00:00Z: found some (one contact asked for)',
    ]);
    const listings = sim.requests.filter((r) => r.path.includes('/contacts/completed'));
    expect(listings).toHaveLength(1);
    expect(listings[0]?.status).toBe(200);
    expect(sim.requests.some((r) => /media-playback|recording/i.test(r.path))).toBe(false);
    expect(ctx.taken).toContain('cxone-acd');
  });

  it('fails with Auth when the credentials are refused, without quoting them', async () => {
    const canary = 'refused-secret-canary-7731';
    const { instance } = await source({ clientSecret: Redacted.make(canary) });
    const error = (await instance.check!(live()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    expect(error.message).not.toContain(canary);
  });
});
