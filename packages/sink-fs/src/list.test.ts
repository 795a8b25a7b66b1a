import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ListedObject, Sink } from '@cxarchive/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, live, putOptions } from '../test-support/helpers.js';
import { openFsSink } from './open.js';
import { resolveOptions } from './schema.js';

const open = async (base: string, listPageSize?: number): Promise<Sink> => {
  const resolved = resolveOptions({ root: 'root', fsync: false }, base)._unsafeUnwrap();
  return (await openFsSink(resolved, listPageSize === undefined ? {} : { listPageSize }))._unsafeUnwrap();
};

const listAll = async (sink: Sink, prefix: string): Promise<{ objects: ListedObject[]; pages: number }> => {
  const objects: ListedObject[] = [];
  let after: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = (
      await sink.list!(prefix, { signal: live(), ...(after === undefined ? {} : { after }) })
    )._unsafeUnwrap();
    objects.push(...page.objects);
    if (page.next === undefined) return { objects, pages };
    after = page.next;
  }
};

describe('fs sink list', () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-list-'));
    root = path.join(base, 'root');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('leaves out temp files, symbolic links and names that are not keys, and resumes after a key', async () => {
    const sink = await open(base, 3);
    for (const key of ['acme/2026/11/01/c1/contact.json.cxar', 'acme/2026/11/02/c2/contact.json.cxar'])
      (await sink.put(key, bytes('x'), putOptions()))._unsafeUnwrap();
    await writeFile(
      path.join(root, '.cxarchive~tmp', 'host~0~1~00000000-0000-0000-0000-000000000000.tmp'),
      'partial',
    );
    await writeFile(path.join(root, 'acme', 'notes~'), 'not a key');
    await writeFile(path.join(base, 'outside.bin'), 'outside the root');
    await symlink(path.join(base, 'outside.bin'), path.join(root, 'acme', 'link.bin'));
    await mkdir(path.join(base, 'elsewhere'));
    await writeFile(path.join(base, 'elsewhere', 'x.bin'), 'outside the root');
    await symlink(path.join(base, 'elsewhere'), path.join(root, 'acme', 'linked-dir'));
    await writeFile(path.join(root, 'acme', 'stray.bin'), 'a stray object');

    const all = await listAll(sink, '');
    expect(all.objects).toEqual([
      {
        key: 'acme/2026/11/01/c1/contact.json.cxar',
        physicalKey: 'acme/2026/11/01/c1/contact.json.cxar',
        size: 1,
      },
      {
        key: 'acme/2026/11/02/c2/contact.json.cxar',
        physicalKey: 'acme/2026/11/02/c2/contact.json.cxar',
        size: 1,
      },
      { key: 'acme/stray.bin', physicalKey: 'acme/stray.bin', size: 14 },
    ]);
    const resumed = (
      await sink.list!('acme/', { signal: live(), after: 'acme/2026/11/01/c1/contact.json.cxar' })
    )._unsafeUnwrap();
    expect(resumed.objects.map((o) => o.key)).toEqual([
      'acme/2026/11/02/c2/contact.json.cxar',
      'acme/stray.bin',
    ]);
    expect(resumed.next).toBeUndefined();
    expect((await listAll(sink, 'acme/2026/11/02/')).objects.map((o) => o.key)).toEqual([
      'acme/2026/11/02/c2/contact.json.cxar',
    ]);
  });

  it('walks a tree of many directories in pages, in key order', async () => {
    const sink = await open(base, 7);
    const keys: string[] = [];
    for (let day = 1; day <= 12; day++)
      for (const item of ['a', 'a-b', 'a.b'])
        keys.push(`t/2026/11/${String(day).padStart(2, '0')}/${item}/x.bin`);
    for (const key of keys) (await sink.put(key, bytes('12345'), putOptions()))._unsafeUnwrap();
    const listed = await listAll(sink, 't/');
    expect(listed.objects.map((o) => o.key)).toEqual([...keys].sort());
    expect(listed.pages).toBe(Math.ceil(keys.length / 7));
    expect(listed.objects.every((o) => o.size === 5)).toBe(true);
  });

  it('refuses a prefix that is not part of a key, and fails NotFound naming the root when it is gone', async () => {
    const sink = await open(base);
    for (const prefix of ['../', '/etc/', 'a//', 'a b/'])
      expect((await sink.list!(prefix, { signal: live() }))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    await rm(root, { recursive: true });
    const gone = (await sink.list!('', { signal: live() }))._unsafeUnwrapErr();
    expect(gone._tag).toBe('NotFound');
    expect(gone.message).toContain('the root root does not exist');
  });

  it('fails a list whose signal aborted', async () => {
    const sink = await open(base);
    const aborted = (await sink.list!('', { signal: AbortSignal.abort() }))._unsafeUnwrapErr();
    expect(aborted._tag).toBe('Transient');
    expect(aborted.message).toContain('cancelled');
  });
});
