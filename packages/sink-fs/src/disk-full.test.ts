import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isRetryable } from '@cxarchive/core';
import { generatedStream } from '@cxarchive/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { live, objectEntries, putOptions, tempFiles } from '../test-support/helpers.js';
import { openFsSink } from './open.js';
import { resolveOptions } from './schema.js';
import type { WriteChunk } from './write-temp.js';

const errno = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: no space left on device, write`), { code, syscall: 'write' });

/** Writes `allowed` bytes for real, then fails every write with `code`, as a filling disk does. */
const fillsAfter = (allowed: number, code: string): WriteChunk => {
  let written = 0;
  return async (handle, buffer, offset, length) => {
    if (written >= allowed) throw errno(code);
    const result = await handle.write(buffer, offset, Math.min(length, allowed - written));
    written += result.bytesWritten;
    return result;
  };
};

describe('fs sink on a full disk (injected write failure)', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-full-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  for (const code of ['ENOSPC', 'EDQUOT']) {
    it(`${code} mid-body is "no space left on <root>", Permanent (not retried), and leaves nothing`, async () => {
      const resolved = resolveOptions({ root: 'archive' }, base)._unsafeUnwrap();
      const sink = (await openFsSink(resolved, { write: fillsAfter(100_000, code) }))._unsafeUnwrap();
      const body = generatedStream(1_000_000, 5);
      const error = (await sink.put('t/x.cxar', body, putOptions()))._unsafeUnwrapErr();
      expect(error).toMatchObject({
        _tag: 'Permanent',
        message: `fs sink: writing t/x.cxar: no space left on archive (${code})`,
      });
      expect(isRetryable(error)).toBe(false);
      expect(body.destroyed, 'the body is destroyed').toBe(true);
      const root = path.join(base, 'archive');
      expect(await tempFiles(root)).toEqual([]);
      expect(await objectEntries(root)).toEqual(['t']);
      expect((await sink.head('t/x.cxar', live()))._unsafeUnwrap()).toBeNull();
    });
  }

  it('the errno wins over the body the sink had to destroy, even when the caller pipes into it', async () => {
    const resolved = resolveOptions({ root: 'archive' }, base)._unsafeUnwrap();
    const sink = (await openFsSink(resolved, { write: fillsAfter(70_000, 'ENOSPC') }))._unsafeUnwrap();
    // The runtime's shape: a source piped through a stage into the body the sink reads.
    const body = new PassThrough();
    const feeding = pipeline(generatedStream(2_000_000, 1), body).catch((e: unknown) => e);
    const error = (await sink.put('t/x.cxar', body, putOptions()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('no space left on archive (ENOSPC)');
    expect(error.message).not.toMatch(/aborted|premature/i);
    expect(await feeding, "the caller's pipeline stops too").toBeInstanceOf(Error);
  });
});

/** Whether this process may mount a small tmpfs (root, with the mount capability): else why not. */
const probeTmpfs = (): string | undefined => {
  if (process.platform !== 'linux') return `tmpfs mounts are Linux-only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-tmpfs-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (mounted.error) return `mount is not available (${mounted.error.message})`;
    if (mounted.status !== 0) return `mount -t tmpfs is not permitted here: ${mounted.stderr.trim()}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const NO_TMPFS = probeTmpfs();
if (NO_TMPFS !== undefined)
  console.warn(
    `sink-fs: the real full-disk test is SKIPPED: ${NO_TMPFS} (the injected ENOSPC tests still run)`,
  );

describe('fs sink on a real full filesystem (a 256 KiB tmpfs)', () => {
  it.skipIf(NO_TMPFS !== undefined)(
    `a put larger than the free space fails "no space left on <root>" and leaves the space free${
      NO_TMPFS === undefined ? '' : ` — skipped: ${NO_TMPFS}`
    }`,
    async () => {
      const base = mkdtempSync(path.join(tmpdir(), 'cxarchive-sink-fs-tmpfs-'));
      const mountPoint = path.join(base, 'small');
      mkdirSync(mountPoint);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mountPoint], {
        encoding: 'utf8',
      });
      expect(mounted.status, mounted.stderr).toBe(0);
      try {
        const resolved = resolveOptions({ root: 'small/archive', fsync: true }, base)._unsafeUnwrap();
        const sink = (await openFsSink(resolved))._unsafeUnwrap();
        const error = (
          await sink.put('t/big.cxar', generatedStream(1024 * 1024, 3), putOptions())
        )._unsafeUnwrapErr();
        expect(error).toMatchObject({
          _tag: 'Permanent',
          message: 'fs sink: writing t/big.cxar: no space left on small/archive (ENOSPC)',
        });
        const root = path.join(mountPoint, 'archive');
        expect(await tempFiles(root), 'the partial temp file is gone').toEqual([]);
        expect(await objectEntries(root)).toEqual(['t']);
        const small = await sink.put('t/small.cxar', generatedStream(10_000, 4), putOptions());
        expect(small._unsafeUnwrap().size, 'the space the failed put took is free again').toBe(10_000);
        await sink.close?.();
      } finally {
        spawnSync('umount', [mountPoint]);
        rmSync(base, { recursive: true, force: true });
      }
    },
  );
});
