import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Effect, Fiber } from 'effect';
import { TestClock } from 'effect/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetStateFile } from './budget-state.js';
import { Budgets } from './budgets.js';

const runTest = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provide(effect, TestClock.layer()));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const stateFile = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-budget-state-'));
  dirs.push(dir);
  return path.join(dir, 'tenant.budgets.json');
};

const DE = { family: 'data-extraction', requests: 1, perMs: 30_000, origin: 'declared' } as const;
const MP = { family: 'media-playback', requests: 3, perMs: 300_000, origin: 'declared' } as const;

/** Takes `n` requests of `family` at `at` (TestClock time), then lets the state file save them. */
const takeAt = async (budgets: Budgets, family: string, n: number, at: number) => {
  await runTest(
    Effect.gen(function* () {
      yield* TestClock.setTime(at);
      for (let i = 0; i < n; i++) yield* budgets.get(family)!.take;
    }),
  );
};

/** When the next request of `family` is let through, starting at `from`, looking `horizon` ahead. */
const nextGrant = async (budgets: Budgets, family: string, from: number, horizon: number) => {
  let granted: number | undefined;
  await runTest(
    Effect.gen(function* () {
      yield* TestClock.setTime(from);
      const fiber = yield* Effect.forkChild(
        budgets.get(family)!.take.pipe(
          Effect.flatMap(() =>
            TestClock.testClockWith((c) =>
              Effect.sync(() => {
                granted = c.currentTimeMillisUnsafe();
              }),
            ),
          ),
        ),
      );
      yield* TestClock.adjust(horizon);
      yield* Fiber.join(fiber);
    }),
  );
  return granted;
};

describe('API budgets kept between runs of a tenant', () => {
  it('a run started right after another waits for the windows the first one filled', async () => {
    const file = stateFile();
    let now = 1_000_000;
    const first = new Budgets([DE, MP]);
    const firstFile = new BudgetStateFile(file, () => now);
    expect(await firstFile.attach(first)).toBeUndefined();
    await takeAt(first, DE.family, 1, now);
    await takeAt(first, MP.family, 3, now);
    // Saved as the run goes, not only at its end: a run killed now has left its places behind.
    await firstFile.saved();
    const during = JSON.parse(readFileSync(file, 'utf8'));
    const deHeld = 1_000_000 + first.get(DE.family)!.windowMs;
    const mpHeld = 1_000_000 + first.get(MP.family)!.windowMs;
    expect(during.families[DE.family].heldUntil).toEqual([deHeld]);
    expect(during.families[MP.family].heldUntil).toEqual([mpHeld, mpHeld, mpHeld]);
    expect(await firstFile.close()).toBeUndefined();

    // The next run starts 5 s later: Data Extraction's 30 s and Media Playback's 5 minutes are not over.
    now += 5000;
    const second = new Budgets([DE, MP]);
    const secondFile = new BudgetStateFile(file, () => now);
    expect(await secondFile.attach(second)).toBeUndefined();
    const de = second.get(DE.family)!;
    expect(await nextGrant(second, DE.family, now, 60_000)).toBe(1_000_000 + de.windowMs);
    const mp = second.get(MP.family)!;
    expect(await nextGrant(second, MP.family, now, 400_000)).toBe(1_000_000 + mp.windowMs);
    await secondFile.close();

    // Without the file, the same second run would have sent at once (what the state prevents).
    const fresh = new Budgets([DE, MP]);
    expect(await nextGrant(fresh, DE.family, now, 60_000)).toBe(now);
  });

  it('a run after the windows have passed starts with full budgets; only what still counts is kept', async () => {
    const file = stateFile();
    let now = 2_000_000;
    const first = new Budgets([DE, MP]);
    const firstFile = new BudgetStateFile(file, () => now);
    await firstFile.attach(first);
    await takeAt(first, DE.family, 1, now);
    await firstFile.close();
    now += 31_000;
    const second = new Budgets([DE, MP]);
    const secondFile = new BudgetStateFile(file, () => now);
    await secondFile.attach(second);
    expect(second.state(now)[DE.family]).toEqual({ heldUntil: [], blockedUntil: 0 });
    expect(await nextGrant(second, DE.family, now, 1)).toBe(now);
    await secondFile.close();
  });

  it('a run whose own clock says a day passed (a later run in a test) finds the windows passed and the block gone', async () => {
    const file = stateFile();
    const now = 4_000_000;
    let runNow = 1_000_000_000;
    const first = new Budgets([MP]);
    const firstFile = new BudgetStateFile(
      file,
      () => now,
      () => runNow,
    );
    await firstFile.attach(first);
    await takeAt(first, MP.family, 3, now);
    first.get(MP.family)!.throttled(now, 20_000);
    await firstFile.close();
    // The same budgets' clock, the run's clock a day later.
    runNow += 86_400_000;
    const later = new Budgets([MP]);
    await new BudgetStateFile(
      file,
      () => now,
      () => runNow,
    ).attach(later);
    expect(later.state(now)[MP.family]).toEqual({ heldUntil: [], blockedUntil: 0 });
    // Both clocks the same: kept (the control).
    const same = new Budgets([MP]);
    await new BudgetStateFile(file, () => now).attach(same);
    expect(same.state(now)[MP.family]?.heldUntil).toHaveLength(3);
  });

  it('a throttle the server put on a family holds the next run back too', async () => {
    const file = stateFile();
    const now = 3_000_000;
    const first = new Budgets([MP]);
    const firstFile = new BudgetStateFile(file, () => now);
    await firstFile.attach(first);
    first.get(MP.family)!.throttled(now, 20_000);
    await firstFile.close();
    const second = new Budgets([MP]);
    const secondFile = new BudgetStateFile(file, () => now + 1000);
    await secondFile.attach(second);
    expect(await nextGrant(second, MP.family, now + 1000, 30_000)).toBe(now + 20_000);
    await secondFile.close();
  });

  it('a damaged or foreign file is named in a warning, ignored, and replaced by a good one', async () => {
    for (const content of [
      '{"version":1,"families":{"media-playback":{"heldUntil":"x"}}}',
      'not json',
      '[]',
    ]) {
      const file = stateFile();
      writeFileSync(file, content);
      const budgets = new Budgets([MP]);
      const state = new BudgetStateFile(file, () => 4_000_000);
      const warning = await state.attach(budgets);
      expect(warning).toContain(file);
      expect(warning).toContain('ignored');
      expect(budgets.state(4_000_000)[MP.family]).toEqual({ heldUntil: [], blockedUntil: 0 });
      await takeAt(budgets, MP.family, 1, 4_000_000);
      await state.close();
      expect(JSON.parse(readFileSync(file, 'utf8')).families[MP.family].heldUntil).toEqual([
        4_000_000 + budgets.get(MP.family)!.windowMs,
      ]);
    }
  });

  it('a state that cannot be saved is reported when the run closes it', async () => {
    const file = stateFile();
    // A directory where the file should be: the rename over it fails.
    mkdirSync(file);
    const budgets = new Budgets([MP]);
    const state = new BudgetStateFile(file, () => 5_000_000);
    const warning = await state.attach(budgets);
    expect(warning).toContain('could not be read');
    await takeAt(budgets, MP.family, 1, 5_000_000);
    expect(await state.close()).toContain('could not be saved');
  });
});
