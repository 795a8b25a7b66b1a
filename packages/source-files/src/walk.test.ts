import type { Dir, Dirent } from 'node:fs';
import { mkdir, mkdtemp, opendir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkFiles } from './walk.js';

const collect = async (generator: AsyncGenerator<string>): Promise<string[]> => {
  const out: string[] = [];
  for await (const file of generator) out.push(file);
  return out.sort();
};

describe('walkFiles', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cxarchive-walk-'));
    await mkdir(path.join(root, 'a/b'), { recursive: true });
    await mkdir(path.join(root, 'empty'));
    await writeFile(path.join(root, 'top.pdf'), '');
    await writeFile(path.join(root, 'a/b/deep.pdf'), '');
    await writeFile(path.join(root, 'a/m.csv'), '');
    await symlink(path.join(root, 'a'), path.join(root, 'link-to-a'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('gives every non-directory entry, depth first, without following symbolic links, leaving out skip', async () => {
    expect(await collect(walkFiles(root, { skip: 'a/m.csv' }))).toEqual([
      'a/b/deep.pdf',
      'link-to-a',
      'top.pdf',
    ]);
  });

  it('finds directories on a filesystem that does not report entry types', async () => {
    const untyped = async (dir: string): Promise<Dir> => {
      const handle = await opendir(dir);
      const read = handle.read.bind(handle);
      const nothing = () => false;
      return Object.assign(handle, {
        read: async () => {
          const entry = await read();
          if (!entry) return entry;
          return Object.assign(Object.create(Object.getPrototypeOf(entry) as object) as Dirent, entry, {
            isFile: nothing,
            isDirectory: nothing,
            isSymbolicLink: nothing,
            isFIFO: nothing,
            isSocket: nothing,
            isBlockDevice: nothing,
            isCharacterDevice: nothing,
          });
        },
      }) as Dir;
    };
    expect(await collect(walkFiles(root, { opendir: untyped }))).toEqual([
      'a/b/deep.pdf',
      'a/m.csv',
      'link-to-a',
      'top.pdf',
    ]);
  });
});
