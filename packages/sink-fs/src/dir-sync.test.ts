import { mkdir, mkdtemp, open, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytes, putOptions } from '../test-support/helpers.js';
import { DirectorySyncs } from './dir-sync.js';
import { createFsSink } from './fs-sink.js';
import { resolveOptions } from './schema.js';
import { currentOwner, prepareTempDir } from './temp-files.js';

/** A sync function whose calls are recorded and finished by the test. */
const controlled = () => {
  const calls: { dir: string; finish: (error?: Error) => void }[] = [];
  const sync = (dir: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ dir, finish: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  return { calls, sync };
};

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('DirectorySyncs', () => {
  it('serves every caller that asks before the sync starts with one fsync', async () => {
    const { calls, sync } = controlled();
    const syncs = new DirectorySyncs(sync);
    const waiting = [syncs.sync('/a'), syncs.sync('/a'), syncs.sync('/a')];
    await settled();
    expect(calls.map((call) => call.dir)).toEqual(['/a']);
    calls[0]?.finish();
    await Promise.all(waiting);
    expect(syncs.calls).toBe(1);
  });

  it('gives a caller that asks while a sync runs the next one, started after the running one ends', async () => {
    const { calls, sync } = controlled();
    const syncs = new DirectorySyncs(sync);
    const first = syncs.sync('/a');
    await settled();
    expect(calls).toHaveLength(1); // running
    let secondDone = false;
    const second = syncs.sync('/a').then(() => {
      secondDone = true;
    });
    const third = syncs.sync('/a'); // joins the second
    await settled();
    expect(calls).toHaveLength(1); // the second waits for the first to end
    calls[0]?.finish();
    await first;
    await settled();
    expect(calls).toHaveLength(2);
    expect(secondDone).toBe(false); // the first fsync started before it asked: it does not count
    calls[1]?.finish();
    await Promise.all([second, third]);
    expect(syncs.calls).toBe(2);
  });

  it('fails every caller a failed sync served; the next caller gets a new sync', async () => {
    const { calls, sync } = controlled();
    const syncs = new DirectorySyncs(sync);
    const a = syncs.sync('/a');
    const b = syncs.sync('/a');
    await settled();
    calls[0]?.finish(new Error('EIO'));
    await expect(a).rejects.toThrow('EIO');
    await expect(b).rejects.toThrow('EIO');
    const c = syncs.sync('/a');
    await settled();
    expect(calls).toHaveLength(2);
    calls[1]?.finish();
    await c;
  });

  it('syncs different directories independently', async () => {
    const { calls, sync } = controlled();
    const syncs = new DirectorySyncs(sync);
    const waiting = [syncs.sync('/a'), syncs.sync('/b')];
    await settled();
    expect(calls.map((call) => call.dir).sort()).toEqual(['/a', '/b']);
    for (const call of calls) call.finish();
    await Promise.all(waiting);
  });
});

describe('fs sink with grouped directory syncs', () => {
  it('stores many concurrent puts into one directory with fewer directory fsyncs than puts', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-sync-'));
    try {
      const root = path.join(base, 'archive');
      await mkdir(root);
      const realRoot = await realpath(root);
      const synced: string[] = [];
      const directorySyncs = new DirectorySyncs(async (dir) => {
        synced.push(path.relative(realRoot, dir));
        const handle = await open(dir, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      const sink = createFsSink(resolveOptions({ root: 'archive' }, base)._unsafeUnwrap(), {
        realRoot,
        tempDir: await prepareTempDir(realRoot),
        owner: await currentOwner(),
        directorySyncs,
      });
      const keys = Array.from({ length: 16 }, (_, i) => `acme/2026/10/01/batch/object-${i}.cxar`);
      const stored = await Promise.all(keys.map((key, i) => sink.put(key, bytes(`body ${i}`), putOptions())));
      for (const result of stored) expect(result.isOk()).toBe(true);
      for (const [i, key] of keys.entries())
        expect(await readFile(path.join(root, key), 'utf8')).toBe(`body ${i}`);
      // Every put's directory was synced after its link, and fewer times than there were puts.
      expect(synced).toContain('acme/2026/10/01/batch');
      expect(synced.filter((dir) => dir === 'acme/2026/10/01/batch').length).toBeLessThan(keys.length);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
