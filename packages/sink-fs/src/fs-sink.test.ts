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
import { PassThrough } from 'node:stream';
import { collect, describeSinkConformance, failingStream, generatedStream } from '@cxarchive/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  allEntries,
  bytes,
  contextFor,
  live,
  makeSink,
  objectEntries,
  putOptions,
  tempFiles,
} from '../test-support/helpers.js';
import plugin from './index.js';
import { openFsSink } from './open.js';
import { resolveOptions } from './schema.js';

describeSinkConformance(
  'fs',
  async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-'));
    // Pages of 2 objects, so the list case walks many of them.
    const resolved = resolveOptions({ root: 'archive' }, base)._unsafeUnwrap();
    const sink = (await openFsSink(resolved, { listPageSize: 2 }))._unsafeUnwrap();
    return {
      sink,
      listPageSize: 2,
      cleanup: async () => {
        await sink.close?.();
        await rm(base, { recursive: true, force: true });
      },
    };
  },
  {
    metadataUnsupported:
      'a file has no user metadata: the fs sink ignores PutOptions.metadata and contentType (the codec binds what matters into the object)',
    skip: {
      'missing-container':
        'the fs sink creates its root directory when it opens (there is no container to miss); a root that cannot be created is InvalidInput, tested below',
      'bad-credentials': 'the fs sink has no credentials (EACCES/EPERM → Auth is tested in errors.test.ts)',
      'fault-unavailable': 'the fs sink talks to no server: there is no HTTP to put a fault proxy in',
      'fault-throttled': 'the fs sink talks to no server: a file system does not throttle',
      'fault-reset': 'the fs sink talks to no server: there is no connection to reset',
      retention: 'the fs sink declares no retention capability: a file system has no object lock',
      'retention-unavailable':
        'the fs sink declares no retention capability: a file system has no object lock',
    },
  },
);

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
        const error = (await sink.put(key, bytes('payload'), putOptions()))._unsafeUnwrapErr();
        expect(error._tag).toBe('InvalidInput');
        expect(error.message).toContain('outside the sink root');
        expect(error.message).not.toContain(base);
      }
      expect(await readdir(outside)).toEqual([]);
      expect((await sink.head('evil/x.cxar', live()))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      expect((await sink.get('evil/x.cxar', live()))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    });

    it('never writes through or reads through a file symlink at the key', async () => {
      const sink = await makeSink(base, root);
      const target = path.join(outside, 'passwd');
      await writeFile(target, 'outside secret');
      await symlink(target, path.join(root, 'link.cxar'));
      const error = (await sink.put('link.cxar', bytes('overwrite!'), putOptions()))._unsafeUnwrapErr();
      expect(error._tag).toBe('Permanent');
      expect(await readFile(target, 'utf8')).toBe('outside secret');
      expect((await sink.head('link.cxar', live()))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      expect((await sink.get('link.cxar', live()))._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    });

    it('allows a symlink that stays inside the root', async () => {
      const sink = await makeSink(base, root);
      await mkdir(path.join(root, 'real'));
      await symlink(path.join(root, 'real'), path.join(root, 'alias'));
      expect((await sink.put('alias/x.cxar', bytes('inside'), putOptions())).isOk()).toBe(true);
      expect(await readFile(path.join(root, 'real', 'x.cxar'), 'utf8')).toBe('inside');
    });

    it('refuses a hostile key and destroys the unread body', async () => {
      const sink = await makeSink(base, root);
      const body = bytes('x');
      const error = (await sink.put('../escape', body, putOptions()))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput' });
      expect(error.message).toContain('".." path segment');
      expect(body.destroyed).toBe(true);
      expect(await allEntries(base)).toEqual(['outside', 'root', 'root/.cxarchive~tmp']);
    });
  });

  describe('temp files', () => {
    const temps = tempFiles;

    it('none remain after a success, a failing body or a refused duplicate', async () => {
      const sink = await makeSink(base, root);
      expect((await sink.put('t/a.cxar', generatedStream(100_000, 1), putOptions())).isOk()).toBe(true);
      expect(
        (await sink.put('t/b.cxar', failingStream(70_000, new Error('cut')), putOptions())).isErr(),
      ).toBe(true);
      expect((await sink.put('t/a.cxar', generatedStream(10, 2), putOptions()))._unsafeUnwrapErr()._tag).toBe(
        'AlreadyExists',
      );
      expect(await temps(root)).toEqual([]);
      expect(await objectEntries(root)).toEqual(['t', 't/a.cxar']);
    });

    it('live in the one temp directory under the root, named for this host and process', async () => {
      const sink = await makeSink(base, root);
      const body = new PassThrough();
      const put = sink.put('t/deep/er/a.cxar', body, putOptions());
      body.write(Buffer.alloc(10, 1));
      while ((await temps(root)).length === 0) await new Promise((resolve) => setImmediate(resolve));
      const [name] = await temps(root);
      expect(name).toMatch(new RegExp(`^[A-Za-z0-9._-]+~\\d+~${process.pid}~[0-9a-f-]{36}\\.tmp$`));
      expect((await stat(path.join(root, '.cxarchive~tmp'))).mode & 0o777).toBe(0o700);
      body.end();
      expect((await put).isOk()).toBe(true);
    });

    it('the temp directory is removed by close when empty, and recreated by a later put', async () => {
      const sink = await makeSink(base, root);
      await sink.close?.();
      expect(await allEntries(root)).toEqual([]);
      expect((await sink.put('t/after-close.cxar', bytes('again'), putOptions())).isOk()).toBe(true);
      expect(await objectEntries(root)).toEqual(['t', 't/after-close.cxar']);
    });

    it('close leaves the temp directory of a writer still busy', async () => {
      const sink = await makeSink(base, root);
      const other = await makeSink(base, root);
      const body = new PassThrough();
      const put = other.put('t/busy.cxar', body, putOptions());
      body.write(Buffer.alloc(10, 1));
      while ((await temps(root)).length === 0) await new Promise((resolve) => setImmediate(resolve));
      await sink.close?.();
      body.end();
      expect((await put)._unsafeUnwrap().size).toBe(10);
    });

    it('the object is invisible under its name while the body is still arriving', async () => {
      const sink = await makeSink(base, root);
      const body = new PassThrough();
      const put = sink.put('t/slow.cxar', body, putOptions());
      body.write(Buffer.alloc(1000, 1));
      // Wait until the sink has taken the bytes into its temp file (observed, not timed).
      while ((await temps(root)).length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect((await sink.head('t/slow.cxar', live()))._unsafeUnwrap()).toBeNull();
      expect(await readdir(path.join(root, 't'))).not.toContain('slow.cxar');
      body.end(Buffer.alloc(24, 2));
      expect((await put)._unsafeUnwrap().size).toBe(1024);
      expect((await sink.head('t/slow.cxar', live()))._unsafeUnwrap()?.size).toBe(1024);
      expect(await temps(root)).toEqual([]);
    });
  });

  describe('create-only', () => {
    it('AlreadyExists carries the existing object sha256 as checksum', async () => {
      const sink = await makeSink(base, root);
      const first = (await sink.put('k.cxar', bytes('first'), putOptions()))._unsafeUnwrap();
      const error = (await sink.put('k.cxar', bytes('second'), putOptions()))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'AlreadyExists', checksum: first.checksum });
      expect(error.message).not.toContain('second');
      expect(await readFile(path.join(root, 'k.cxar'), 'utf8')).toBe('first');
    });

    it('a key that names an existing directory is Permanent, not AlreadyExists', async () => {
      const sink = await makeSink(base, root);
      expect((await sink.put('a/b', bytes('x'), putOptions())).isOk()).toBe(true);
      expect((await sink.put('a', bytes('y'), putOptions()))._unsafeUnwrapErr()._tag).toBe('Permanent');
      expect((await sink.head('a', live()))._unsafeUnwrapErr()._tag).toBe('Permanent');
    });
  });

  describe('verification by read-back', () => {
    it('detects a file changed between write and read-back', async () => {
      const resolved = resolveOptions({ root }, base)._unsafeUnwrap();
      const sink = (
        await openFsSink(resolved, { afterLink: (file) => appendFile(file, 'X') })
      )._unsafeUnwrap();
      const error = (await sink.put('t/v.cxar', bytes('clean bytes'), putOptions()))._unsafeUnwrapErr();
      expect(error._tag).toBe('Permanent');
      expect(error.message).toMatch(
        /verification failed for t\/v\.cxar: wrote 11 bytes .* read back 12 bytes/,
      );
      expect(error.message).not.toContain('clean bytes');
    });

    it('returns what it read back: the physical key, the size and the SHA-256 of the file', async () => {
      const sink = await makeSink(base, root);
      expect(sink.checksums).toEqual(['sha256']);
      const stored = (await sink.put('t/ok.cxar', generatedStream(5000, 4), putOptions()))._unsafeUnwrap();
      const onDisk = await readFile(path.join(root, 't', 'ok.cxar'));
      const { createHash } = await import('node:crypto');
      const sha256 = createHash('sha256').update(onDisk).digest('hex');
      expect(stored).toEqual({
        key: 't/ok.cxar',
        size: 5000,
        checksum: { algorithm: 'sha256', value: sha256 },
      });
      const head = (await sink.head('t/ok.cxar', live()))._unsafeUnwrap();
      expect(head).toEqual(stored);
    });

    it('refuses a body whose length differs from the announced size, leaving nothing', async () => {
      const sink = await makeSink(base, root);
      const error = (
        await sink.put('t/short.cxar', bytes('four'), putOptions({ size: 5 }))
      )._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput' });
      expect(error.message).toContain('had 4 bytes, not the 5 announced');
      expect(await objectEntries(root)).toEqual(['t']);
      expect(await tempFiles(root)).toEqual([]);
    });
  });

  describe('options', () => {
    it('applies the default file mode 0640', async () => {
      const sink = await makeSink(base, root);
      await sink.put('m.cxar', bytes('x'), putOptions());
      expect((await stat(path.join(root, 'm.cxar'))).mode & 0o777).toBe(0o640);
    });

    it('applies the configured file mode exactly, whatever the umask', async () => {
      const sink = await makeSink(base, root, { fileMode: '0666' });
      await sink.put('m.cxar', bytes('x'), putOptions());
      expect((await stat(path.join(root, 'm.cxar'))).mode & 0o777).toBe(0o666);
    });

    it('resolves a relative root against the base directory and creates it', async () => {
      const sink = await makeSink(base, 'nested/archive', { fsync: false });
      await sink.put('t/r.cxar', bytes('relative'), putOptions());
      expect(await readFile(path.join(base, 'nested', 'archive', 't', 'r.cxar'), 'utf8')).toBe('relative');
      expect((await collect((await sink.get('t/r.cxar', live()))._unsafeUnwrap())).toString()).toBe(
        'relative',
      );
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
