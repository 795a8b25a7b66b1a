import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, recordingLogger } from '../test-support/helpers.js';
import plugin from './index.js';
import {
  currentOwner,
  isProcessAlive,
  isStale,
  parseTempFileName,
  prepareTempDir,
  STALE_TEMP_AGE_MS,
  sweepStaleTemps,
  TEMP_DIR,
  type TempOwner,
  tempFileName,
} from './temp-files.js';

/** The pid of a process that has exited (and was reaped). */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
};

describe('temp file names', () => {
  it('record the owner and parse back', async () => {
    const owner = await currentOwner();
    expect(owner.pid).toBe(process.pid);
    const name = tempFileName(owner);
    expect(name.endsWith('.tmp')).toBe(true);
    expect(parseTempFileName(name)).toEqual(owner);
    expect(tempFileName(owner)).not.toBe(name);
  });

  it('encode an odd host name injectively into the safe charset', async () => {
    const owner = await currentOwner();
    expect(owner.host).toMatch(/^[A-Za-z0-9._-]+$/);
    if (/^[A-Za-z0-9.-]+$/.test(hostname())) expect(owner.host).toBe(hostname());
  });

  it('anything else is not a temp file of this sink', () => {
    for (const name of [
      '.cxarchive~0b6f7a0e-6f2b-4b8e-9a38-9a8e9f6f6a11.tmp', // the v1 name, in object directories
      'host~1~0~0b6f7a0e-6f2b-4b8e-9a38-9a8e9f6f6a11.tmp', // pid 0
      'host~1~12~not-a-uuid.tmp',
      'notes.txt',
    ])
      expect(parseTempFileName(name), name).toBeUndefined();
  });
});

describe('isStale', () => {
  const me: TempOwner = { host: 'a', pidNamespace: '7', pid: 100 };
  const rules = { owner: me, staleAfterMs: STALE_TEMP_AGE_MS, isAlive: (pid: number) => pid === 200 };
  const fresh = 1000;
  const old = STALE_TEMP_AGE_MS + 1;
  const cases: readonly [string, TempOwner, number, boolean][] = [
    ['same host, dead pid', { ...me, pid: 300 }, fresh, true],
    ['same host, live pid', { ...me, pid: 200 }, fresh, false],
    ['same host, live pid, idle for a day (pid reused)', { ...me, pid: 200 }, old, true],
    ['this very process', me, fresh, false],
    ['another host, fresh', { ...me, host: 'b', pid: 300 }, fresh, false],
    ['another host, idle for a day', { ...me, host: 'b', pid: 300 }, old, true],
    [
      'same host name, another pid namespace (a container), fresh',
      { ...me, pidNamespace: '8', pid: 300 },
      fresh,
      false,
    ],
  ];
  for (const [label, file, idle, stale] of cases)
    it(`${label} → ${stale ? 'swept' : 'kept'}`, () => {
      expect(isStale(file, idle, rules)).toBe(stale);
    });
});

describe('isProcessAlive', () => {
  it('tells this process from an exited one', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
  });
});

describe('sweeping stale temp files', () => {
  let base: string;
  let root: string;
  let tempDir: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-sweep-'));
    root = path.join(base, 'root');
    await mkdir(root);
    tempDir = await prepareTempDir(root);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const place = async (owner: TempOwner, size: number, ageMs = 0): Promise<string> => {
    const name = tempFileName(owner);
    const file = path.join(tempDir, name);
    await writeFile(file, Buffer.alloc(size, 1));
    if (ageMs > 0) {
      const at = new Date(Date.now() - ageMs);
      await utimes(file, at, at);
    }
    return name;
  };

  it('create removes what dead writers of this host left, keeps live ones, and logs count and bytes', async () => {
    const me = await currentOwner();
    const dead = await place({ ...me, pid: deadPid() }, 1000);
    const deadToo = await place({ ...me, pid: deadPid() }, 24);
    const mine = await place(me, 5);
    const otherHostFresh = await place({ ...me, host: 'elsewhere.example', pid: 4242 }, 7);
    const otherHostOld = await place(
      { ...me, host: 'elsewhere.example', pid: 4243 },
      9,
      STALE_TEMP_AGE_MS + 60_000,
    );
    await writeFile(path.join(tempDir, 'README'), 'not a temp file');
    const logger = recordingLogger();
    const created = await plugin.create({ root: 'root' }, contextFor(base, logger));
    expect(created.isOk()).toBe(true);
    const left = await readdir(tempDir);
    expect(left.sort()).toEqual([mine, otherHostFresh, 'README'].sort());
    expect(left).not.toContain(dead);
    expect(left).not.toContain(deadToo);
    expect(left).not.toContain(otherHostOld);
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'fs sink: removed temp files left by crashed writers',
      fields: { root: 'root', count: 3, bytes: 1033 },
    });
    expect(logger.entries.some((e) => e.level === 'warn' && e.message.includes('not this sink'))).toBe(true);
  });

  it('logs nothing when there is nothing to sweep', async () => {
    const logger = recordingLogger();
    await plugin.create({ root: 'root' }, contextFor(base, logger));
    expect(logger.entries).toEqual([]);
  });

  it('never follows a symbolic link in the temp directory', async () => {
    const me = await currentOwner();
    const outside = path.join(base, 'outside');
    await writeFile(outside, 'keep me');
    await symlink(outside, path.join(tempDir, tempFileName({ ...me, pid: deadPid() })));
    const result = await sweepStaleTemps(tempDir, { owner: me, now: Date.now() });
    expect(result).toMatchObject({ count: 0, unknown: 1 });
    expect(await readdir(base)).toContain('outside');
  });

  it('refuses a temp directory that is a symbolic link', async () => {
    await rm(tempDir, { recursive: true });
    await mkdir(path.join(base, 'elsewhere'));
    await symlink(path.join(base, 'elsewhere'), path.join(root, TEMP_DIR));
    const error = (await plugin.create({ root: 'root' }, contextFor(base)))._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain(TEMP_DIR);
    expect(error.message).not.toContain(base);
  });
});
