import { type RunningSimulator, type SimulatorBudgets, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatorClient } from '../test-support/simulator-client.js';
import { putBusinessData } from './business-data.js';
import type { CxoneClient } from './client.js';
import { listExtractions } from './data-extraction.js';
import { getMediaDownload } from './media-download.js';

/**
 * 429s of the export families as the simulator's budgets answer them: Throttled, with the
 * `Retry-After` delay when the header is sent and none when it is not, and the family named.
 */
const now = new Date('2026-10-20T12:00:00Z');
const signal = new AbortController().signal;
const open: { sim: RunningSimulator; client: CxoneClient }[] = [];
afterAll(async () => {
  for (const { sim, client } of open) {
    client.close();
    await sim.stop();
  }
});

const setUp = async (budgets: SimulatorBudgets) => {
  const sim = await startSimulator({ seed: 2, contacts: 20, now: () => now, budgets });
  // A refusal that never answered would fail fast here rather than hang the suite.
  const client = simulatorClient(sim, {
    requestTimeoutMs: 3000,
    now: () => now,
    budget: async () => undefined,
  }).client;
  open.push({ sim, client });
  return { sim, client };
};

describe('429 of the export families', () => {
  for (const [mode, retryAfterMs] of [
    ['seconds', 30_000],
    ['none', undefined],
  ] as const) {
    it(`data-extraction: Throttled, Retry-After ${mode}`, async () => {
      const { sim, client } = await setUp({
        'data-extraction': { requests: 1, perMs: 30_000, retryAfter: mode },
      });
      const ctx = { client, apiBase: sim.url, signal, timeoutMs: 3000 };
      expect((await listExtractions(ctx)).isOk()).toBe(true);
      const refused = (await listExtractions(ctx))._unsafeUnwrapErr();
      expect(refused).toMatchObject({ _tag: 'Throttled', family: 'data-extraction' });
      expect((refused as { retryAfterMs?: number }).retryAfterMs).toBe(retryAfterMs);
    });

    it(`media-download: Throttled, Retry-After ${mode}`, async () => {
      const { sim, client } = await setUp({
        'media-download': { requests: 1, perMs: 30_000, retryAfter: mode },
      });
      const ctx = { client, apiBase: sim.url, signal };
      expect((await getMediaDownload(ctx, 'x'))._unsafeUnwrapErr()._tag).toBe('NotFound');
      const refused = (await getMediaDownload(ctx, 'x'))._unsafeUnwrapErr();
      expect(refused).toMatchObject({ _tag: 'Throttled', family: 'media-download' });
      expect((refused as { retryAfterMs?: number }).retryAfterMs).toBe(retryAfterMs);
    });

    it(`business-data: Throttled, Retry-After ${mode}`, async () => {
      const { sim, client } = await setUp({
        'business-data': { requests: 1, perMs: 30_000, retryAfter: mode },
      });
      expect(
        (
          await putBusinessData(client, sim.url, { contactId: '1' }, { archived: true }, signal)
        )._unsafeUnwrapErr()._tag,
      ).toBe('NotFound');
      const refused = (
        await putBusinessData(client, sim.url, { contactId: '1' }, { archived: true }, signal)
      )._unsafeUnwrapErr();
      expect(refused).toMatchObject({ _tag: 'Throttled', family: 'business-data' });
      expect((refused as { retryAfterMs?: number }).retryAfterMs).toBe(retryAfterMs);
    });
  }
});
