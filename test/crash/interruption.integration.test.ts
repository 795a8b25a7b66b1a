// Stopping a run from outside (SIGINT, kill -9 mid-upload), two runs of one tenant at once, and
// leases left by runs on other hosts (issue 5 §5, §7, §8): child processes running the real
// harness, the real fs sink and a real SQLite ledger, built packages. Runs that must be caught
// mid-upload stall on purpose (items from `stallFrom` on deliver one chunk of their recording and
// then nothing until stopped), so "mid-run" is a state the test waits for, never a guess of time.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { openSqliteLedger } from '@cxarchive/core/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../packages/cli/src/exit-codes.js';
import {
  checkScenario,
  type Reference,
  type RunStep,
  rootContents,
  rootsOf,
  TEMP_DIR,
} from './check-archive.js';
import { describeExit, type RunningChild, waitFor } from './children.js';
import { ledgerFile, plantForeignLease, readLedger } from './ledger-rows.js';
import { cleanReference, newTenantDir, removeTenantDirs, step } from './scenarios.js';
import { CHUNK_SIZE } from './seeded-items.mjs';
import { snapshotTree } from './tree-snapshot.mjs';

let reference: Reference;

beforeAll(async () => {
  const clean = await cleanReference();
  expect(clean.problems).toEqual([]);
  reference = clean.reference;
});

const acknowledged = (dir: string): number => {
  const file = path.join(dir, 'acks.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
};

/** Temp files under each sink root holding exactly one chunk (a stalled recording mid-upload). */
const stalledTemps = (dir: string): number[] =>
  rootsOf(dir).map((root) => {
    const temp = path.join(root, TEMP_DIR);
    if (!existsSync(temp)) return 0;
    return readdirSync(temp).filter((name) => {
      try {
        return statSync(path.join(temp, name)).size === CHUNK_SIZE;
      } catch {
        return false; // removed meanwhile
      }
    }).length;
  });

const stalledPuts = (dir: string): number => {
  const file = path.join(dir, 'stalled-puts');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
};

const snapshotRoots = (dir: string) => Object.fromEntries(rootsOf(dir).map((r) => [r, snapshotTree(r)]));

/** Waits until items c01–c04 are acknowledged and c05–c08 are each mid-upload on both sinks. */
const midRun = (dir: string, acknowledgements = 4, uploads = 4) =>
  waitFor(
    `${acknowledgements} items are acknowledged and ${uploads} recordings are mid-upload on both sinks`,
    () => acknowledged(dir) >= acknowledgements && stalledTemps(dir).every((n) => n >= uploads),
  );

afterAll(() => removeTenantDirs());

describe('SIGINT mid-run', () => {
  it('stops in-flight uploads, removes their temp files, writes the report, exits non-zero, writes nothing after, and the next run completes', async () => {
    const dir = newTenantDir();
    let afterExit: Record<string, Record<string, string>> = {};
    const interrupted = await step(
      dir,
      { sigint: true, stallFrom: 4, chunkDelayMs: 5, lingerMs: 300 },
      async (child: RunningChild) => {
        await midRun(dir);
        child.process.kill('SIGINT');
        await child.exited;
        afterExit = snapshotRoots(dir);
      },
    );
    const exit = interrupted.exit;
    expect(exit.code, describeExit(exit)).toBe(EXIT.interrupted);
    expect(exit.report?.status).toBe('interrupted');
    expect(exit.report?.error?.errorTag).toBe('Interrupted');
    expect(exit.report?.counts?.archived).toBe(4);
    expect(exit.report?.warnings).toEqual([]);
    // nothing partial left behind, nothing written after runPipeline returned, nor after exit
    expect(interrupted.rootsAfter.flatMap((r) => r.temps)).toEqual([]);
    expect(afterExit).toEqual(exit.report?.roots);
    await new Promise((r) => setTimeout(r, 500));
    expect(snapshotRoots(dir)).toEqual(afterExit);
    const ledger = readLedger(dir);
    expect(ledger.runs.map((r) => r.status)).toEqual(['interrupted']);
    expect(ledger.items.filter((i) => i.status === 'pending').map((i) => i.item_id)).toEqual([
      'c05',
      'c06',
      'c07',
      'c08',
    ]);
    expect(ledger.leases).toEqual([]);

    const rerun = await step(dir);
    expect((await checkScenario(dir, reference, [interrupted, rerun])).problems).toEqual([]);
    expect(rerun.exit.report?.counts?.archived).toBe(4);
  });
});

describe('SIGINT while the sinks have not taken recordings the source already delivered', () => {
  // Items c05–c08: the source delivers the whole recording (four chunks) at once, and both sinks'
  // puts wait before reading any of it, as a cloud sink waits for a connection. The codec's output
  // has then ended with its tail still buffered: the state in which stopping the run must not hang.
  const stopped = new Map<string, Promise<{ dir: string; steps: RunStep[]; stoppedInTime: boolean }>>();
  const scenario = () => {
    let result = stopped.get('it');
    if (!result) {
      result = (async () => {
        const dir = newTenantDir();
        let stoppedInTime = false;
        const interrupted = await step(
          dir,
          { sigint: true, stallPutsFrom: 4, lingerMs: 300 },
          async (child) => {
            await waitFor(
              'four items are archived and eight recording puts wait',
              () => acknowledged(dir) >= 4 && stalledPuts(dir) >= 8,
            );
            child.process.kill('SIGINT');
            // bounded: the child's own settle timeout is 5 s; past 10 s it is not going to stop
            stoppedInTime = await Promise.race([
              child.exited.then(() => true),
              new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
            ]);
            if (!stoppedInTime) child.process.kill('SIGKILL');
          },
        );
        const rerun = await step(dir);
        return { dir, steps: [interrupted, rerun], stoppedInTime };
      })();
      stopped.set('it', result);
    }
    return result;
  };

  it('whatever the stop did, the next run completes to exactly the clean archive', async () => {
    const { dir, steps } = await scenario();
    expect((await checkScenario(dir, reference, steps)).problems).toEqual([]);
  });

  // Known failure, reported to the lead: the run never returns. put-to-sinks' finalizer destroys
  // the codec's output (`object.body.destroy()`, no error) and awaits `pipeline(body, tap, sent)`;
  // Node's stream.pipeline never settles when its source had already ended (push(null) done, the
  // tail unread) and is then destroyed without an error. The interruption stops at that finalizer:
  // the other items' puts are never aborted, no report is written, the lease is never released.
  it('the run stops within its settle timeout, writes its report and exits 4 (EXIT.interrupted)', async () => {
    const { steps, stoppedInTime } = await scenario();
    const exit = steps[0]!.exit;
    expect(stoppedInTime, 'the run did not stop within 10 s of SIGINT').toBe(true);
    expect(exit.code, describeExit(exit)).toBe(EXIT.interrupted);
    expect(exit.report?.status).toBe('interrupted');
  });
});

describe('SIGINT while the source is being told an item is archived', () => {
  // c03 is committed archived, then its `acknowledge` never answers (holding one of the four
  // slots); c05–c07 stall mid-upload.
  const scenario = (() => {
    let result: Promise<{ dir: string; steps: RunStep[] }> | undefined;
    return () => {
      result ??= (async () => {
        const dir = newTenantDir();
        const interrupted = await step(
          dir,
          { sigint: true, stallFrom: 4, stallAcknowledgeOf: 'c03', lingerMs: 100 },
          async (child) => {
            await waitFor('the acknowledgement of c03 is waiting', () =>
              existsSync(path.join(dir, 'acks.jsonl.stalled')),
            );
            await midRun(dir, 3, 3);
            child.process.kill('SIGINT');
          },
        );
        return { dir, steps: [interrupted, await step(dir)] };
      })();
      return result;
    };
  })();

  it('the acknowledgement is cancelled, the run stops, and the next run completes without archiving c03 again', async () => {
    const { dir, steps } = await scenario();
    const [interrupted, rerun] = steps;
    expect(interrupted!.exit.code, describeExit(interrupted!.exit)).toBe(EXIT.interrupted);
    expect(interrupted!.archivedAfter.has('c03')).toBe(true);
    expect((await checkScenario(dir, reference, steps)).problems).toEqual([]);
    expect(rerun!.exit.report?.counts?.archived).toBe(4);
  });

  // Known failure, reported to the lead: once the settlement committed, the rest of processItem
  // (acknowledge, the `item.archived` event, returning the outcome) is interruptible, so an item
  // committed archived by a stopped run is missing from its report's counts and from the audit log
  // (and notifiers) for good: the next run skips it as already archived.
  it('the item it committed is counted in its report and has its item.archived event', async () => {
    const { dir, steps } = await scenario();
    const runId = steps[0]!.exit.runId;
    const archivedEvents = readFileSync(path.join(dir, '.cxarchive', 'acme.audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; runId: string; itemId?: string })
      .filter((e) => e.type === 'item.archived' && e.runId === runId)
      .map((e) => e.itemId);
    expect(archivedEvents).toContain('c03');
    expect((await checkScenario(dir, reference, steps)).reportProblems).toEqual([]);
  });
});

describe('kill -9 mid-upload', () => {
  it('leaves partial temp files that the next run sweeps before it completes the archive', async () => {
    const dir = newTenantDir();
    const killed = await step(dir, { stallFrom: 4 }, async (child) => {
      await midRun(dir);
      child.process.kill('SIGKILL');
    });
    expect(killed.exit.signal).toBe('SIGKILL');
    const temps = killed.rootsAfter.map((r) => r.temps.length);
    expect(
      temps.every((n) => n >= 4),
      `temp files per root: ${temps}`,
    ).toBe(true);

    const rerun = await step(dir);
    expect((await checkScenario(dir, reference, [killed, rerun])).problems).toEqual([]);
    expect(readLedger(dir).runs.map((r) => r.status)).toEqual(['abandoned', 'succeeded']);
  });
});

describe('two runs of one tenant at once', () => {
  it('the second is refused naming the holder, and touches nothing', async () => {
    const dir = newTenantDir();
    let second: RunStep | undefined;
    let holderPid: number | undefined;
    const first = await step(dir, { sigint: true, stallFrom: 0 }, async (child) => {
      holderPid = child.process.pid;
      await waitFor('four recordings are mid-upload on both sinks', () =>
        stalledTemps(dir).every((n) => n >= 4),
      );
      const before = snapshotRoots(dir);
      second = await step(dir);
      expect(snapshotRoots(dir)).toEqual(before);
      child.process.kill('SIGINT');
    });
    const refused = second!.exit;
    expect(refused.code, describeExit(refused)).toBe(3);
    expect(refused.runId).toBeUndefined();
    // the holder: its run, its pid and its host (the message may add the pid namespace after it)
    expect(refused.report?.setupError).toContain(
      `another run (${first.exit.runId}, pid ${holderPid} on ${hostname()}`,
    );
    expect(first.exit.report?.status).toBe('interrupted');
    expect(readLedger(dir).runs.map((r) => r.run_id)).toEqual([first.exit.runId]);

    const rerun = await step(dir);
    expect((await checkScenario(dir, reference, [first, second!, rerun])).problems).toEqual([]);
  });
});

describe('a lease left by a run on another host', () => {
  const plant = async (expiresInMs: number) => {
    const dir = newTenantDir();
    await openSqliteLedger(ledgerFile(dir)).close(); // an empty ledger, as a first run creates it
    const now = Date.now();
    const holder = {
      runId: '20260101T000000Z-f0f0f0',
      pid: 4242,
      host: 'archiver-2.elsewhere.example',
      since: new Date(now - 5 * 60_000),
      expiresAt: new Date(now + expiresInMs),
    };
    plantForeignLease(dir, holder);
    return { dir, holder };
  };

  it('is taken over once expired, and its run is marked abandoned', async () => {
    const { dir, holder } = await plant(-60_000);
    const run = await step(dir);
    expect(run.exit.code, describeExit(run.exit)).toBe(0);
    expect(run.exit.stderr).toContain('took over the tenant');
    expect(run.exit.stderr).toContain(holder.runId);
    const runs = readLedger(dir).runs;
    expect(runs.map((r) => [r.run_id, r.status])).toEqual([
      [holder.runId, 'abandoned'],
      [run.exit.runId, 'succeeded'],
    ]);
    expect((await checkScenario(dir, reference, [run], [holder.runId])).problems).toEqual([]);
  });

  it('is refused while not expired, naming the holder, and nothing is written', async () => {
    const { dir, holder } = await plant(60 * 60_000);
    const run = await step(dir);
    expect(run.exit.code, describeExit(run.exit)).toBe(3);
    expect(run.exit.report?.setupError).toContain(
      `another run (${holder.runId}, pid ${holder.pid} on ${holder.host}`,
    );
    expect(run.exit.report?.setupError).toContain(holder.since.toISOString());
    expect(run.exit.report?.setupError).toContain(holder.expiresAt.toISOString());
    const ledger = readLedger(dir);
    expect(ledger.runs.map((r) => [r.run_id, r.status])).toEqual([[holder.runId, 'running']]);
    expect(ledger.leases.map((l) => l.run_id)).toEqual([holder.runId]);
    expect(ledger.items).toEqual([]);
    expect(rootsOf(dir).map((r) => existsSync(r))).toEqual([false, false]);
    expect(rootContents(rootsOf(dir)[0]!).objects).toEqual({});
  });
});
