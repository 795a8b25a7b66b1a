import { chmodSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const signal = new AbortController().signal;

const context = (baseDir: string) => ({
  tenant: 'acme',
  baseDir,
  label: 'sinks[0]',
  logger: silentLogger,
  now: () => new Date(),
  budget: () => {
    throw new Error('no budget');
  },
  jobs: undefined as never,
});

describe('the fs sink health check', () => {
  it('finds the root writable and a missing key missing, writing nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-fs-check-'));
    const sink = (await plugin.create({ root: './archive' }, context(dir)))._unsafeUnwrap();
    const result = await sink.check!(signal);
    expect(result._unsafeUnwrap().checked).toEqual([
      'root "./archive" writable',
      'head of a missing key answered "not found"',
    ]);
    expect(readdirSync(path.join(dir, 'archive')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('fails a read-only root, naming the option', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-fs-check-'));
    const sink = (await plugin.create({ root: './archive' }, context(dir)))._unsafeUnwrap();
    chmodSync(path.join(dir, 'archive'), 0o500);
    try {
      const error = (await sink.check!(signal))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'root' });
      expect(error.message).toContain('is not writable by this user');
    } finally {
      chmodSync(path.join(dir, 'archive'), 0o700);
    }
  });
});
