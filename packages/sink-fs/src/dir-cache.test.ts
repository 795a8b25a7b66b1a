import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sink } from '@cxarchive/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, putOptions, tempFiles } from '../test-support/helpers.js';
import { DirectoryCache } from './dir-cache.js';
import { createFsSink } from './fs-sink.js';
import { resolveOptions } from './schema.js';
import { currentOwner, prepareTempDir } from './temp-files.js';

describe('DirectoryCache', () => {
  it('forgets the least recently used directory past its capacity', () => {
    const cache = new DirectoryCache(2);
    cache.remember('a', '/r/a');
    cache.remember('b', '/r/b');
    expect(cache.get('a')).toBe('/r/a'); // a is now the most recently used
    cache.remember('c', '/r/c');
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('/r/a');
    expect(cache.get('c')).toBe('/r/c');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new DirectoryCache(0)).toThrow(RangeError);
  });
});

describe('fs sink with a directory cache', () => {
  let base: string;
  let root: string;
  let directories: DirectoryCache;
  let sink: Sink;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-dirs-'));
    root = path.join(base, 'archive');
    await mkdir(root);
    const realRoot = await realpath(root);
    directories = new DirectoryCache(16);
    sink = createFsSink(resolveOptions({ root: 'archive' }, base)._unsafeUnwrap(), {
      realRoot,
      tempDir: await prepareTempDir(realRoot),
      owner: await currentOwner(),
      directories,
    });
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const put = async (key: string, text: string) =>
    (await sink.put(key, bytes(text), putOptions()))._unsafeUnwrap();

  it('remembers the directories it created and stores into them again', async () => {
    await put('acme/2026/10/01/701/contact.json.cxar', 'one');
    expect(directories.size).toBe(5);
    expect(directories.get('acme/2026/10/01/701')).toBe(
      path.join(await realpath(root), 'acme/2026/10/01/701'),
    );
    await put('acme/2026/10/01/701/recording.wav.cxar', 'two');
    await put('acme/2026/10/01/702/contact.json.cxar', 'three');
    expect(directories.size).toBe(6);
    expect(await readFile(path.join(root, 'acme/2026/10/01/702/contact.json.cxar'), 'utf8')).toBe('three');
  });

  it('recreates a remembered directory removed behind its back', async () => {
    await put('acme/2026/10/01/701/contact.json.cxar', 'one');
    await rm(path.join(root, 'acme/2026'), { recursive: true });
    const stored = await put('acme/2026/10/01/701/recording.wav.cxar', 'two');
    expect(stored.size).toBe(3);
    expect(await readFile(path.join(root, 'acme/2026/10/01/701/recording.wav.cxar'), 'utf8')).toBe('two');
    expect((await stat(path.join(root, 'acme/2026/10/01/701'))).isDirectory()).toBe(true);
    expect(await tempFiles(root)).toEqual([]);
    // And the next put into a sibling finds the recreated directories remembered.
    await put('acme/2026/10/01/702/contact.json.cxar', 'three');
    expect(await readFile(path.join(root, 'acme/2026/10/01/702/contact.json.cxar'), 'utf8')).toBe('three');
  });

  it('fails Permanent, leaving no temp file, when a file took the place of a remembered directory', async () => {
    await put('acme/2026/10/01/701/contact.json.cxar', 'one');
    await rm(path.join(root, 'acme/2026/10/01/701'), { recursive: true });
    await writeFile(path.join(root, 'acme/2026/10/01/701'), 'not a directory');
    const result = await sink.put('acme/2026/10/01/701/recording.wav.cxar', bytes('two'), putOptions());
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'Permanent' });
    expect(result._unsafeUnwrapErr().message).toContain('is not a directory');
    expect(await tempFiles(root)).toEqual([]);
  });

  it('still refuses a link out of the root at a directory it has not checked yet', async () => {
    await put('acme/2026/10/01/701/contact.json.cxar', 'one');
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    await symlink(outside, path.join(root, 'acme/2026/10/02'));
    const result = await sink.put('acme/2026/10/02/703/contact.json.cxar', bytes('x'), putOptions());
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(await tempFiles(root)).toEqual([]);
    await expect(stat(path.join(outside, '703'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
