import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Item, ItemRef, PluginError, Source } from '@cxarchive/core';
import { resolveOptions } from '../src/schema.js';
import { createFilesSource, type FilesSourceDependencies } from '../src/source.js';

/** A pipeline directory in a temp dir: `files/` to attach and a manifest beside it. */
export interface Fixture {
  readonly base: string;
  readonly dir: string;
  file(relative: string, content: string | Buffer): Promise<string>;
  manifest(name: string, content: string | Buffer): Promise<string>;
  source(
    manifest: string,
    options?: { pageSize?: number; maxRows?: number; directory?: string },
    deps?: FilesSourceDependencies,
  ): Promise<Source>;
  remove(): Promise<void>;
}

export const fixture = async (): Promise<Fixture> => {
  const base = await mkdtemp(path.join(tmpdir(), 'cxarchive-source-files-'));
  const dir = path.join(base, 'files');
  await mkdir(dir);
  return {
    base,
    dir,
    async file(relative, content) {
      const full = path.join(dir, relative);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
      return full;
    },
    async manifest(name, content) {
      const full = path.join(base, name);
      await writeFile(full, content);
      return name;
    },
    async source(manifest, options = {}, deps = {}) {
      const resolved = resolveOptions(
        { directory: options.directory ?? 'files', manifest, ...options },
        base,
      );
      return (await createFilesSource(resolved._unsafeUnwrap(), deps))._unsafeUnwrap();
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
};

export const live = (): AbortSignal => new AbortController().signal;

export const listAll = async (source: Source): Promise<{ refs: ItemRef[]; pages: number[] }> => {
  const refs: ItemRef[] = [];
  const pages: number[] = [];
  for await (const page of source.pages(undefined, live())) {
    const value = page._unsafeUnwrap();
    pages.push(value.items.length);
    refs.push(...value.items);
  }
  return { refs, pages };
};

export const listError = async (source: Source): Promise<PluginError> => {
  for await (const page of source.pages(undefined, live())) if (page.isErr()) return page.error;
  throw new Error('the listing did not fail');
};

export const fetchOk = async (source: Source, ref: ItemRef): Promise<Item> =>
  (await source.fetch(ref, live()))._unsafeUnwrap();

export const fetchErr = async (source: Source, ref: ItemRef): Promise<PluginError> =>
  (await source.fetch(ref, live()))._unsafeUnwrapErr();

export const byId = (refs: readonly ItemRef[], id: string): ItemRef => {
  const ref = refs.find((r) => r.id === id);
  if (!ref) throw new Error(`no item ${id} among ${refs.map((r) => r.id).join(', ')}`);
  return ref;
};

export const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
