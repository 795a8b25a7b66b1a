// Stopping a batch-layout run (SIGINT) while its batch objects are being uploaded: the sinks do not
// take batch objects (`stallBatchPuts`), so the run is caught with both full batches sealed and
// their puts waiting on both sinks, every item's own artifacts stored and no item archived: a
// state the test waits for, never a guess of time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../packages/cli/src/exit-codes.js';
import { checkScenario, type Reference, rootsOf } from './check-archive.js';
import { BATCH_LAYOUT, describeExit, waitFor } from './children.js';
import { readLedger } from './ledger-rows.js';
import { cleanReference, newTenantDir, removeTenantDirs, step } from './scenarios.js';
import { snapshotTree } from './tree-snapshot.mjs';

let reference: Reference;

beforeAll(async () => {
  const clean = await cleanReference('identity', BATCH_LAYOUT);
  expect(clean.problems).toEqual([]);
  reference = clean.reference;
});

afterAll(() => removeTenantDirs());

const stalledPuts = (dir: string): string[] => {
  const file = path.join(dir, 'stalled-puts');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

const snapshotRoots = (dir: string) => Object.fromEntries(rootsOf(dir).map((r) => [r, snapshotTree(r)]));

describe('SIGINT during batch uploads', () => {
  it('stops them, leaves the batches sealed and their members pending, and the next run stores the same batches under the same keys', async () => {
    const dir = newTenantDir();
    let afterExit: Record<string, Record<string, string>> = {};
    const interrupted = await step(
      dir,
      { layout: BATCH_LAYOUT, sigint: true, stallBatchPuts: true, lingerMs: 300 },
      async (child) => {
        // two uploads at once (the runtime's limit), each on both sinks
        await waitFor('two batch objects wait on both sinks', () => stalledPuts(dir).length >= 4);
        child.process.kill('SIGINT');
        await child.exited;
        afterExit = snapshotRoots(dir);
      },
    );
    const exit = interrupted.exit;
    expect(exit.code, describeExit(exit)).toBe(EXIT.interrupted);
    expect(exit.report?.status).toBe('interrupted');
    expect(exit.report?.counts?.archived).toBe(0);
    // nothing partial, nothing written after runPipeline returned, nor after exit
    expect(interrupted.rootsAfter.flatMap((r) => r.temps)).toEqual([]);
    expect(afterExit).toEqual(exit.report?.roots);
    expect(
      Object.keys(afterExit[rootsOf(dir)[0]!]!).filter((k) => k.includes('/records/') && !k.endsWith('/')),
    ).toEqual([]);
    const sealed = interrupted.batchesAfter.filter((b) => b.status === 'sealed');
    expect(sealed.map((b) => b.members.length)).toEqual([3, 3]);
    expect([...new Set(stalledPuts(dir))].sort()).toEqual(sealed.map((b) => b.key).sort());
    expect(readLedger(dir).items.every((i) => i.status === 'pending')).toBe(true);

    const rerun = await step(dir, { layout: BATCH_LAYOUT });
    expect((await checkScenario(dir, reference, [interrupted, rerun])).problems).toEqual([]);
    expect(rerun.exit.report?.counts?.archived).toBe(8);
    // re-formed, not formed anew: the same ids, members and keys, now stored
    for (const batch of sealed)
      expect(rerun.batchesAfter.find((b) => b.batch_id === batch.batch_id)).toEqual({
        ...batch,
        status: 'stored',
      });
  });
});
