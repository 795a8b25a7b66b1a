import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PluginFailure, type Sink } from '@cxarchive/core';
import {
  collect,
  describeSinkConformance,
  failingStream,
  generatedStream,
  stallingStream,
} from '@cxarchive/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, contextFor, live, makeSink, optionsFor, putOptions } from '../test-support/helpers.js';
import { createCasSink } from './cas-sink.js';
import plugin from './index.js';
import { blobPath, entryPath } from './layout.js';
import { resolveOptions } from './schema.js';

// The whole testkit suite on a store prepared by the plugin's own `create`, a fresh store per case.
describeSinkConformance(
  'cas',
  async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-cas-'));
    await makeSink(base, 'store'); // prepares the store as the plugin does
    // The sink as the plugin makes it, with pages of 2 objects so the list case walks many.
    const sink = createCasSink(resolveOptions(optionsFor('store'), base), { listPageSize: 2 });
    return { sink, listPageSize: 2, cleanup: () => rm(base, { recursive: true, force: true }) };
  },
  {
    // What the suite's error-classification cases need does not exist for a local store.
    skip: {
      'missing-container':
        'the cas sink creates its root (objects/, index/, tmp/) when it opens: no container to miss',
      'bad-credentials': 'the cas sink has no credentials',
      'fault-unavailable': 'the cas sink talks to no server: there is no HTTP to put a fault proxy in',
      'fault-throttled': 'the cas sink talks to no server: a file system does not throttle',
      'fault-reset': 'the cas sink talks to no server: there is no connection to reset',
      retention: 'the cas sink declares no retention capability',
      'retention-unavailable': 'the cas sink declares no retention capability',
    },
  },
);

const SHA256_OF_HELLO = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('cas sink', () => {
  let base: string;
  let root: string;
  let sink: Sink;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-cas-'));
    root = path.join(base, 'store');
    sink = await makeSink(base, 'store');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const tempFiles = () => readdir(path.join(root, 'tmp'));

  describe('plugin', () => {
    it('is the sink "cas" for plugin API 2, as package.json declares', () => {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
      expect(pkg.cxarchive).toEqual({ kind: plugin.kind, name: plugin.name, apiVersion: plugin.apiVersion });
      expect(plugin.apiVersion).toBe(2);
      expect(plugin.budgets).toBeUndefined();
    });

    it('create makes the store below a root relative to the pipeline file; sha256 and maxInFlight', async () => {
      const created = await makeSink(base, 'nested/cas', { maxInFlight: 3 });
      expect((await readdir(path.join(base, 'nested/cas'))).sort()).toEqual(['index', 'objects', 'tmp']);
      expect(created.checksums).toEqual(['sha256']);
      expect(created.limits).toEqual({ maxInFlight: 3 });
    });

    it('create fails InvalidInput at "root" when the root cannot be made, naming it as written', async () => {
      await writeFile(path.join(base, 'a-file'), 'x');
      const result = await plugin.create(optionsFor('a-file/cas'), contextFor(base));
      expect(result._unsafeUnwrapErr()).toEqual({
        _tag: 'InvalidInput',
        message: 'cas sink: cannot create the store at "a-file/cas" (ENOTDIR)',
        path: 'root',
      });
    });
  });

  describe('layout', () => {
    it('stores the bytes under their SHA-256 and indexes the key with its content type and metadata', async () => {
      const stored = await sink.put(
        't/2026/10/01/c-1/contact.json.cxar',
        bytes('hello'),
        putOptions({ contentType: 'application/vnd.cxarchive.cxar', metadata: { cxitem: 'c-1' } }),
      );
      expect(stored._unsafeUnwrap()).toEqual({
        key: 't/2026/10/01/c-1/contact.json.cxar',
        size: 5,
        checksum: { algorithm: 'sha256', value: SHA256_OF_HELLO },
      });
      expect(await readFile(blobPath(root, SHA256_OF_HELLO), 'utf8')).toBe('hello');
      expect(blobPath(root, SHA256_OF_HELLO)).toBe(
        path.join(root, 'objects', 'sha256', '2c', SHA256_OF_HELLO),
      );
      const entry = JSON.parse(await readFile(entryPath(root, 't/2026/10/01/c-1/contact.json.cxar'), 'utf8'));
      expect(entry).toEqual({
        sha256: SHA256_OF_HELLO,
        size: 5,
        contentType: 'application/vnd.cxarchive.cxar',
        metadata: { cxitem: 'c-1' },
      });
      expect(await tempFiles()).toEqual([]);
    });

    it('writes files with exactly the configured mode', async () => {
      const strict = await makeSink(base, 'strict', { fileMode: '0600' });
      await strict.put('k.bin', bytes('hello'), putOptions());
      const strictRoot = path.join(base, 'strict');
      expect((await stat(blobPath(strictRoot, SHA256_OF_HELLO))).mode & 0o777).toBe(0o600);
      expect((await stat(entryPath(strictRoot, 'k.bin'))).mode & 0o777).toBe(0o600);
    });

    it('two keys with the same bytes share one blob', async () => {
      await sink.put('a/one.bin', bytes('hello'), putOptions());
      await sink.put('b/two.bin', bytes('hello'), putOptions());
      expect(await readdir(path.join(root, 'objects', 'sha256', '2c'))).toEqual([SHA256_OF_HELLO]);
      for (const key of ['a/one.bin', 'b/two.bin'])
        expect((await collect((await sink.get(key, live()))._unsafeUnwrap())).toString()).toBe('hello');
    });

    it('a key that is a path prefix of another is refused, not overwritten', async () => {
      await sink.put('a/b', bytes('x'), putOptions());
      const below = (await sink.put('a/b/c', bytes('y'), putOptions()))._unsafeUnwrapErr();
      expect(below).toMatchObject({ _tag: 'Permanent' });
      await sink.put('p/q/r', bytes('y'), putOptions());
      const above = (await sink.put('p/q', bytes('z'), putOptions()))._unsafeUnwrapErr();
      expect(above).toEqual({
        _tag: 'Permanent',
        message: 'cas sink: p/q collides with another key (one is a path prefix of the other)',
      });
      expect((await sink.head('p/q', live()))._unsafeUnwrap()).toBeNull();
      expect(await tempFiles()).toEqual([]);
    });
  });

  describe('create-only', () => {
    it('a second put fails AlreadyExists with the first object’s checksum, and the first stays', async () => {
      await sink.put('k.bin', bytes('hello'), putOptions());
      const error = (await sink.put('k.bin', bytes('other'), putOptions()))._unsafeUnwrapErr();
      expect(error).toEqual({
        _tag: 'AlreadyExists',
        message: 'cas sink: k.bin already exists',
        checksum: { algorithm: 'sha256', value: SHA256_OF_HELLO },
      });
      expect((await collect((await sink.get('k.bin', live()))._unsafeUnwrap())).toString()).toBe('hello');
      expect(await tempFiles()).toEqual([]);
    });
  });

  describe('failures leave no object and no temp file', () => {
    it('a body with fewer bytes than the announced size: InvalidInput, nothing stored', async () => {
      const error = (await sink.put('k.bin', bytes('hello'), putOptions({ size: 6 })))._unsafeUnwrapErr();
      expect(error).toMatchObject({
        _tag: 'InvalidInput',
        message: expect.stringContaining('had 5 bytes, not the 6'),
      });
      expect((await sink.head('k.bin', live()))._unsafeUnwrap()).toBeNull();
      expect(await tempFiles()).toEqual([]);
    });

    it('a failing body: its error, and the temp file removed', async () => {
      const body = failingStream(70_000, new Error('socket hang up'));
      const error = (await sink.put('k.bin', body, putOptions()))._unsafeUnwrapErr();
      expect(error._tag).toBe('Transient');
      expect(body.destroyed).toBe(true);
      expect(await tempFiles()).toEqual([]);
      expect(await readdir(path.join(root, 'index'))).toEqual([]);
    });

    it('a put cancelled mid-body: Transient "cancelled", body destroyed, temp file removed', async () => {
      const controller = new AbortController();
      const { stream, stalled } = stallingStream(100_000, 7);
      const put = sink.put('k.bin', stream, putOptions({ signal: controller.signal }));
      await stalled;
      expect(await tempFiles()).toHaveLength(1); // the copy is under way
      controller.abort();
      expect((await put)._unsafeUnwrapErr()).toEqual({
        _tag: 'Transient',
        message: 'cas sink: put of k.bin was cancelled',
      });
      expect(stream.destroyed).toBe(true);
      expect(await tempFiles()).toEqual([]);
      expect((await sink.head('k.bin', live()))._unsafeUnwrap()).toBeNull();
    });

    it('an unsafe key is refused before any I/O', async () => {
      const error = (await sink.put('../escape', bytes('x'), putOptions()))._unsafeUnwrapErr();
      expect(error._tag).toBe('InvalidInput');
      expect(await readdir(base)).toEqual(['store']);
      expect(await tempFiles()).toEqual([]);
    });
  });

  describe('a damaged store is reported, never served', () => {
    it('get of a blob whose bytes changed fails the stream Permanent at its end', async () => {
      await sink.put('k.bin', bytes('hello'), putOptions());
      await writeFile(blobPath(root, SHA256_OF_HELLO), 'jello');
      const stream = (await sink.get('k.bin', live()))._unsafeUnwrap();
      const error = await collect(stream).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginFailure);
      expect((error as PluginFailure).error).toMatchObject({
        _tag: 'Permanent',
        message: expect.stringMatching(
          /^cas sink: the blob of k\.bin \(sha256:2cf2.*\) is corrupt: its bytes hash to sha256:/,
        ),
      });
    });

    it('a blob of another length: head and get both fail Permanent', async () => {
      await sink.put('k.bin', bytes('hello'), putOptions());
      await writeFile(blobPath(root, SHA256_OF_HELLO), 'hello!');
      expect((await sink.head('k.bin', live()))._unsafeUnwrapErr().message).toContain(
        'it holds 6 bytes, the index says 5',
      );
      const stream = (await sink.get('k.bin', live()))._unsafeUnwrap();
      const error = await collect(stream).catch((e: unknown) => e);
      expect((error as PluginFailure).error.message).toContain('it holds 6 bytes, the index says 5');
    });

    it('a missing blob: head and get fail Permanent naming it', async () => {
      await sink.put('k.bin', bytes('hello'), putOptions());
      await unlink(blobPath(root, SHA256_OF_HELLO));
      const message = `cas sink: k.bin names blob sha256:${SHA256_OF_HELLO}, which is missing from the store`;
      expect((await sink.head('k.bin', live()))._unsafeUnwrapErr()).toEqual({ _tag: 'Permanent', message });
      expect((await sink.get('k.bin', live()))._unsafeUnwrapErr()).toEqual({ _tag: 'Permanent', message });
    });

    it('an index entry that is not what the sink writes: Permanent "corrupt"', async () => {
      await sink.put('k.bin', bytes('hello'), putOptions());
      for (const [text, why] of [
        ['{not json', 'not JSON'],
        ['[]', 'not a JSON object'],
        ['{"sha256":"xyz","size":5,"contentType":"a","metadata":{}}', 'no valid sha256'],
        [`{"sha256":"${SHA256_OF_HELLO}","size":-1,"contentType":"a","metadata":{}}`, 'no valid size'],
        [
          `{"sha256":"${SHA256_OF_HELLO}","size":5,"contentType":"a","metadata":{"n":1}}`,
          'no valid contentType or metadata',
        ],
      ]) {
        await writeFile(entryPath(root, 'k.bin'), text as string);
        expect((await sink.head('k.bin', live()))._unsafeUnwrapErr()).toEqual({
          _tag: 'Permanent',
          message: `cas sink: the index entry of k.bin is corrupt (${why})`,
        });
      }
    });
  });

  describe('signals', () => {
    it('a get aborted mid-read destroys the stream with a cancellation', async () => {
      await sink.put('big.bin', generatedStream(1024 * 1024, 3), putOptions());
      const controller = new AbortController();
      const stream = (await sink.get('big.bin', controller.signal))._unsafeUnwrap();
      await new Promise<void>((resolve) => stream.once('data', () => resolve()));
      const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
      controller.abort();
      const error = await failed;
      expect((error as PluginFailure).error).toEqual({
        _tag: 'Transient',
        message: 'cas sink: reading big.bin was cancelled',
      });
    });
  });
});
