import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryJobStore, PLUGIN_API_VERSION, type PluginContext, silentLogger } from '@cxarchive/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CTX, collect, NEVER, readableOf } from '../test-support/helpers.js';
import { createCodec, type GzipAesCodec } from './codec.js';
import plugin, {
  CXAR_CONTENT_TYPE,
  CXAR_EXTENSION,
  configSchema,
  DEFAULTS,
  resolveOptions,
} from './index.js';
import { generateKey, keyIdOf } from './key-material.js';

let dir: string;
const key = generateKey();
const context = (): PluginContext => ({
  tenant: 'acme',
  baseDir: dir,
  label: 'codec:gzip-aes',
  logger: silentLogger,
  jobs: memoryJobStore(),
  now: () => new Date(0),
  budget: (family) => {
    throw new Error(`the codec declares no budgets, yet asked for "${family}"`);
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxar-plugin-'));
  await writeFile(join(dir, 'acme.key'), `${key.toString('base64')}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('plugin definition', () => {
  it('is the codec "gzip-aes" for plugin API 2, as its package.json declares', () => {
    expect(plugin.kind).toBe('codec');
    expect(plugin.name).toBe('gzip-aes');
    expect(plugin.apiVersion).toBe(2);
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(plugin.configSchema).toBe(configSchema);
    expect(plugin.budgets).toBeUndefined();
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.cxarchive).toEqual({ kind: 'codec', name: 'gzip-aes', apiVersion: 2 });
  });

  it('create() loads the key relative to baseDir and round-trips an object', async () => {
    const result = await plugin.create({ key: { provider: 'file', path: 'acme.key' } }, context());
    const instance = result._unsafeUnwrap() as GzipAesCodec;
    expect(instance.extension).toBe(CXAR_EXTENSION);
    expect(instance.keyId).toBe(keyIdOf(key));
    const encoded = (await instance.encode(readableOf(Buffer.from('hello')), CTX, NEVER))._unsafeUnwrap();
    expect(encoded.contentType).toBe(CXAR_CONTENT_TYPE);
    expect(encoded.keyId).toBe(keyIdOf(key));
    const object = await collect(encoded.stream);
    const decoded = (await instance.decode(readableOf(object), CTX, NEVER))._unsafeUnwrap();
    expect((await collect(decoded)).toString()).toBe('hello');
  });

  it('create() with a missing key file fails naming the path', async () => {
    const result = await plugin.create({ key: { provider: 'file', path: 'missing.key' } }, context());
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toBe(`key file not found: ${join(dir, 'missing.key')}`);
  });

  it('create() refuses invalid options that bypassed schema validation', async () => {
    const result = await plugin.create(
      { key: { provider: 'file', path: 'acme.key' }, chunkSizeLog2: 30 } as never,
      context(),
    );
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'chunkSizeLog2' });
  });

  it('encode refuses an incomplete context', async () => {
    const codec = (
      await createCodec({ key: { provider: 'env', variable: 'K' }, ...DEFAULTS }, dir, {
        K: key.toString('hex'),
      })
    )._unsafeUnwrap();
    const input = readableOf(Buffer.from('x'));
    const error = (await codec.encode(input, { ...CTX, objectKey: '' }, NEVER))._unsafeUnwrapErr();
    expect(error).toEqual({
      _tag: 'InvalidInput',
      message: 'encode context: "objectKey" must be a non-empty string',
    });
    expect(input.destroyed).toBe(true);
  });
});

describe('options', () => {
  it('applies the defaults', () => {
    expect(resolveOptions({ key: { provider: 'env', variable: 'CXAR_KEK' } })._unsafeUnwrap()).toEqual({
      key: { provider: 'env', variable: 'CXAR_KEK' },
      readKeys: [],
      compression: 'auto',
      chunkSizeLog2: 16,
    });
  });

  it('rejects what the schema rejects', () => {
    const bad = [
      [{}, 'key'],
      [{ key: { provider: 'kms' } }, 'key.provider'],
      [{ key: { provider: 'file', path: '' } }, 'key.path'],
      [{ key: { provider: 'env', variable: 'A-B' } }, 'key.variable'],
      [{ key: { provider: 'env', variable: 'K' }, compression: 'brotli' }, 'compression'],
      [{ key: { provider: 'passphrase' } }, 'key'],
      [{ key: { provider: 'passphrase', path: 'p', variable: 'P' } }, 'key'],
      [{ key: { provider: 'passphrase', variable: 'P', iterations: 100_000 } }, 'key.iterations'],
      [
        { key: { provider: 'env', variable: 'K' }, readKeys: [{ provider: 'file', path: '' }] },
        'readKeys[0].path',
      ],
      [{ key: { provider: 'env', variable: 'K' }, readKeys: {} }, 'readKeys'],
      [{ key: { provider: 'env', variable: 'K' }, chunkSizeLog2: 11 }, 'chunkSizeLog2'],
      [{ key: { provider: 'env', variable: 'K' }, chunkSizeLog2: 16.5 }, 'chunkSizeLog2'],
    ] as const;
    for (const [input, path] of bad)
      expect(resolveOptions(input as never)._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path });
  });
});

describe('config schema', () => {
  type Node = { [key: string]: unknown };
  /** Every object schema closes additionalProperties and every property has a description. */
  const walk = (node: Node, path: string, visit: (node: Node, path: string) => void): void => {
    visit(node, path);
    const properties = (node.properties ?? {}) as Record<string, Node>;
    for (const [name, child] of Object.entries(properties)) walk(child, `${path}.${name}`, visit);
    for (const [i, child] of ((node.oneOf ?? []) as Node[]).entries())
      walk(child, `${path}.oneOf[${i}]`, visit);
    if (node.items !== undefined) walk(node.items as Node, `${path}[]`, visit);
  };

  it('has additionalProperties false everywhere and a description on every property', () => {
    let objects = 0;
    let properties = 0;
    walk(configSchema as Node, '$', (node, path) => {
      if (node.type === 'object') {
        objects += 1;
        expect(node.additionalProperties, path).toBe(false);
      }
      if (path !== '$' && !path.endsWith(']')) {
        properties += 1;
        expect(typeof node.description, path).toBe('string');
      }
    });
    // root, and file/env/passphrase under key and under readKeys[]
    expect(objects).toBe(7);
    // key, readKeys, compression, chunkSizeLog2, and 2 + 2 + 4 provider properties twice
    expect(properties).toBe(20);
  });

  it('declares the defaults DEFAULTS holds and the 12..20 range', () => {
    const props = (configSchema as { properties: Record<string, Node> }).properties;
    expect(props.compression).toMatchObject({
      default: DEFAULTS.compression,
      enum: ['auto', 'gzip', 'zstd', 'none'],
    });
    expect(props.chunkSizeLog2).toMatchObject({ default: DEFAULTS.chunkSizeLog2, minimum: 12, maximum: 20 });
    expect((configSchema as { required: string[] }).required).toEqual(['key']);
  });
});
