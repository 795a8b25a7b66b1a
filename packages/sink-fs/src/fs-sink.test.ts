import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { type PluginContext, type Sink, silentLogger } from '@cxarchive/core';
// The lead should add "@cxarchive/testkit": "workspace:*" to devDependencies and import it by name.
import { collect, describeSinkConformance, failingStream, generatedStream } from '@cxarchive/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsSink, TEMP_PREFIX } from './fs-sink.js';
import plugin from './index.js';
import { resolveOptions } from './schema.js';

const contextFor = (baseDir: string): PluginContext => ({
  tenant: 'acme',
  baseDir,
  label: 'sinks[0]:fs',
  logger: silentLogger,
  now: () => new Date('2026-10-01T00:00:00Z'),
});

const makeSink = async (
  baseDir: string,
  root: string,
  extra: Record<string, unknown> = {},
): Promise<Sink> => {
  const created = await plugin.create({ root, ...extra }, contextFor(baseDir));
  return created._unsafeUnwrap();
};

const bytes = (text: string) => Readable.from([Buffer.from(text)], { objectMode: false });

const allEntries = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true })).map((entry) => entry.split(path.sep).join('/')).sort();

describeSinkConformance('fs', async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-'));
  const sink = await makeSink(base, 'archive');
  return { sink, cleanup: () => rm(base, { recursive: true, force: true }) };
});

describe('fs sink', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(outside);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  describe('path confinement', () => {
    it('does not follow a directory symlink that leaves the root, and creates nothing outside', async () => {
      const sink = await makeSink(base, root);
      await symlink(outside, path.join(root, 'evil'));
      for (const key of ['evil/x.cxar', 'evil/deeper/x.cxar']) {
        const error = (await sink.put(key, bytes('payload'), {}))._unsafeUnwrapErr();
        expect(error._tag).toBe('InvalidInput');
        expect(error.message).toContain('outside the sink root');
        expect(error.message).not.toContain(base);
      }
      expect(await readdir(outside)).toEqual([]);
      expect((await sink.head('evil/x.cxar'))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      expect((await sink.get('evil/x.cxar'))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    });

    it('never writes through or reads through a file symlink at the key', async () => {
      const sink = await makeSink(base, root);
      const target = path.join(outside, 'passwd');
      await writeFile(target, 'outside secret');
      await symlink(target, path.join(root, 'link.cxar'));
      const error = (await sink.put('link.cxar', bytes('overwrite!'), {}))._unsafeUnwrapErr();
      expect(error._tag).toBe('Permanent');
      expect(await readFile(target, 'utf8')).toBe('outside secret');
      expect((await sink.head('link.cxar'))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      expect((await sink.get('link.cxar'))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    });

    it('allows a symlink that stays inside the root', async () => {
      const sink = await makeSink(base, root);
      await mkdir(path.join(root, 'real'));
      await symlink(path.join(root, 'real'), path.join(root, 'alias'));
      expect((await sink.put('alias/x.cxar', bytes('inside'), {})).isOk()).toBe(true);
      expect(await readFile(path.join(root, 'real', 'x.cxar'), 'utf8')).toBe('inside');
    });

    it('refuses a hostile key and destroys the unread body', async () => {
      const sink = await makeSink(base, root);
      const body = bytes('x');
      const error = (await sink.put('../escape', body, {}))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput' });
      expect(error.message).toContain('".." path segment');
      expect(body.destroyed).toBe(true);
      expect(await allEntries(base)).toEqual(['outside', 'root']);
    });
  });

  describe('temp files', () => {
    const temps = async (dir: string) =>
      (await allEntries(dir)).filter((entry) => path.basename(entry).startsWith(TEMP_PREFIX));

    it('none remain after a success, a failing body or a refused duplicate', async () => {
      const sink = await makeSink(base, root);
      expect((await sink.put('t/a.cxar', generatedStream(100_000, 1), {})).isOk()).toBe(true);
      expect((await sink.put('t/b.cxar', failingStream(70_000, new Error('cut')), {})).isErr()).toBe(true);
      expect((await sink.put('t/a.cxar', generatedStream(10, 2), {}))._unsafeUnwrapErr()._tag).toBe(
        'AlreadyExists',
      );
      expect(await temps(root)).toEqual([]);
      expect(await allEntries(root)).toEqual(['t', 't/a.cxar']);
    });

    it('the object is invisible under its name while the body is still arriving', async () => {
      const sink = await makeSink(base, root);
      const body = new PassThrough();
      const put = sink.put('t/slow.cxar', body, {});
      body.write(Buffer.alloc(1000, 1));
      // Wait until the sink has taken the bytes into its temp file (observed, not timed).
      while ((await temps(root)).length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect((await sink.head('t/slow.cxar'))._unsafeUnwrap()).toBeNull();
      expect(await readdir(path.join(root, 't'))).not.toContain('slow.cxar');
      body.end(Buffer.alloc(24, 2));
      expect((await put)._unsafeUnwrap().size).toBe(1024);
      expect((await sink.head('t/slow.cxar'))._unsafeUnwrap()?.size).toBe(1024);
      expect(await temps(root)).toEqual([]);
    });
  });

  describe('create-only', () => {
    it('AlreadyExists carries the existing object sha256 as checksum', async () => {
      const sink = await makeSink(base, root);
      const first = (await sink.put('k.cxar', bytes('first'), {}))._unsafeUnwrap();
      const error = (await sink.put('k.cxar', bytes('second'), {}))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'AlreadyExists', checksum: first.sha256 });
      expect(error.message).not.toContain('second');
      expect(await readFile(path.join(root, 'k.cxar'), 'utf8')).toBe('first');
    });

    it('a key that names an existing directory is Permanent, not AlreadyExists', async () => {
      const sink = await makeSink(base, root);
      expect((await sink.put('a/b', bytes('x'), {})).isOk()).toBe(true);
      expect((await sink.put('a', bytes('y'), {}))._unsafeUnwrapErr()._tag).toBe('Permanent');
      expect((await sink.head('a'))._unsafeUnwrapErr()._tag).toBe('Permanent');
    });
  });

  describe('verification by read-back', () => {
    it('detects a file changed between write and read-back', async () => {
      const resolved = resolveOptions({ root }, base)._unsafeUnwrap();
      await mkdir(root, { recursive: true });
      const sink = createFsSink(resolved, {
        realRoot: root,
        afterLink: (file) => appendFile(file, 'X'),
      });
      const error = (await sink.put('t/v.cxar', bytes('clean bytes'), {}))._unsafeUnwrapErr();
      expect(error._tag).toBe('Permanent');
      expect(error.message).toMatch(
        /verification failed for t\/v\.cxar: wrote 11 bytes .* read back 12 bytes/,
      );
      expect(error.message).not.toContain('clean bytes');
    });

    it('returns what it read back', async () => {
      const sink = await makeSink(base, root);
      const stored = (await sink.put('t/ok.cxar', generatedStream(5000, 4), {}))._unsafeUnwrap();
      const head = (await sink.head('t/ok.cxar'))._unsafeUnwrap();
      expect(head).toEqual({ key: 't/ok.cxar', size: 5000, sha256: stored.sha256 });
    });
  });

  describe('options', () => {
    it('applies the default file mode 0640', async () => {
      const sink = await makeSink(base, root);
      await sink.put('m.cxar', bytes('x'), {});
      expect((await stat(path.join(root, 'm.cxar'))).mode & 0o777).toBe(0o640);
    });

    it('applies the configured file mode exactly, whatever the umask', async () => {
      const sink = await makeSink(base, root, { fileMode: '0666' });
      await sink.put('m.cxar', bytes('x'), {});
      expect((await stat(path.join(root, 'm.cxar'))).mode & 0o777).toBe(0o666);
    });

    it('resolves a relative root against the base directory and creates it', async () => {
      const sink = await makeSink(base, 'nested/archive', { fsync: false });
      await sink.put('t/r.cxar', bytes('relative'), {});
      expect(await readFile(path.join(base, 'nested', 'archive', 't', 'r.cxar'), 'utf8')).toBe('relative');
      expect((await collect((await sink.get('t/r.cxar'))._unsafeUnwrap())).toString()).toBe('relative');
    });

    it('fails InvalidInput when the root cannot be created', async () => {
      await writeFile(path.join(base, 'file'), 'not a directory');
      const created = await plugin.create({ root: 'file/archive' }, contextFor(base));
      const error = created._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'root' });
      expect(error.message).toContain('"file/archive"');
      expect(error.message).not.toContain(base);
    });

    it('refuses an invalid file mode at create', async () => {
      const created = await plugin.create({ root, fileMode: '999' }, contextFor(base));
      expect(created._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'fileMode' });
    });
  });

  describe('plugin definition', () => {
    it('is the fs sink of this API version', async () => {
      const { PLUGIN_API_VERSION } = await import('@cxarchive/core');
      expect(plugin).toMatchObject({ kind: 'sink', name: 'fs', apiVersion: PLUGIN_API_VERSION });
    });
  });
});
