import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKeyFile } from './key-file.js';
import { generateKey, keyIdOf, parseKeyText } from './key-material.js';
import { loadKek } from './key-provider.js';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxar-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectNoKeyMaterial = (text: string, key: Buffer = KEY): void => {
  expect(text).not.toContain(key.toString('hex'));
  expect(text).not.toContain(key.toString('base64'));
  expect(text).not.toContain(key.toString('base64').slice(0, 20));
};

describe('key text', () => {
  it('accepts base64 and 64 hex characters, surrounding whitespace ignored', () => {
    expect(parseKeyText(KEY.toString('base64'))).toEqual(KEY);
    expect(parseKeyText(`  ${KEY.toString('base64')}\n`)).toEqual(KEY);
    expect(parseKeyText(KEY.toString('base64').replace(/=$/, ''))).toEqual(KEY);
    expect(parseKeyText(KEY.toString('hex'))).toEqual(KEY);
    expect(parseKeyText(`\t${KEY.toString('hex').toUpperCase()}\r\n`)).toEqual(KEY);
  });

  it('refuses other lengths and encodings', () => {
    expect(parseKeyText(KEY.subarray(0, 31).toString('base64'))).toBeUndefined();
    expect(parseKeyText(Buffer.concat([KEY, KEY]).toString('base64'))).toBeUndefined();
    expect(parseKeyText(KEY.toString('hex').slice(2))).toBeUndefined();
    expect(parseKeyText(Buffer.alloc(32, 0xfb).toString('base64url'))).toBeUndefined();
    expect(
      parseKeyText(`${KEY.toString('base64').slice(0, 20)}\n${KEY.toString('base64').slice(20)}`),
    ).toBeUndefined();
    expect(parseKeyText('')).toBeUndefined();
  });
});

describe('key id', () => {
  it('is kek: + 16 hex characters of HMAC-SHA-256(KEK, "cxar/v1 key-id")', () => {
    const id = keyIdOf(KEY);
    expect(id).toMatch(/^kek:[0-9a-f]{16}$/);
    expect(keyIdOf(Buffer.from(KEY))).toBe(id);
    expect(keyIdOf(generateKey())).not.toBe(id);
    expect(id).not.toContain(KEY.toString('hex').slice(0, 8));
  });

  it('generateKey gives 32 fresh bytes', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });
});

describe('file provider', () => {
  it('reads base64 or hex; the key id does not depend on provider or encoding', async () => {
    await writeFile(join(dir, 'b64.key'), `${KEY.toString('base64')}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'hex.key'), KEY.toString('hex'), { mode: 0o600 });
    const b64 = await loadKek({ provider: 'file', path: 'b64.key' }, dir);
    const hex = await loadKek({ provider: 'file', path: join(dir, 'hex.key') }, '/elsewhere');
    const env = await loadKek({ provider: 'env', variable: 'K' }, dir, { K: KEY.toString('hex') });
    expect(b64._unsafeUnwrap().key).toEqual(KEY);
    expect(b64._unsafeUnwrap().keyId).toBe(keyIdOf(KEY));
    expect(hex._unsafeUnwrap().keyId).toBe(keyIdOf(KEY));
    expect(env._unsafeUnwrap().keyId).toBe(keyIdOf(KEY));
  });

  it('a missing file is InvalidInput naming the resolved path', async () => {
    const result = await loadKek({ provider: 'file', path: 'nope/acme.key' }, dir);
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toBe(`key file not found: ${join(dir, 'nope/acme.key')}`);
  });

  it('a file of the wrong length is InvalidInput naming the path, never the contents', async () => {
    const short = KEY.subarray(0, 24);
    await writeFile(join(dir, 'short.key'), short.toString('base64'), { mode: 0o600 });
    const error = (await loadKek({ provider: 'file', path: 'short.key' }, dir))._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toContain(join(dir, 'short.key'));
    expect(error.message).toContain('does not hold a valid key');
    expect(error.message).not.toContain(short.toString('base64'));
    expectNoKeyMaterial(JSON.stringify(error));
  });

  it('a huge file is refused without reading it all', async () => {
    await writeFile(join(dir, 'big.key'), `${KEY.toString('hex')}\n${' '.repeat(10_000)}`, { mode: 0o600 });
    const error = (await loadKek({ provider: 'file', path: 'big.key' }, dir))._unsafeUnwrapErr();
    expect(error.message).toBe(`key file ${join(dir, 'big.key')} is larger than 4096 bytes: not a key file`);
  });
});

describe('env provider', () => {
  it('an unset variable is InvalidInput naming the variable', async () => {
    const error = (await loadKek({ provider: 'env', variable: 'CXAR_KEK' }, dir, {}))._unsafeUnwrapErr();
    expect(error).toEqual({
      _tag: 'InvalidInput',
      message: 'environment variable CXAR_KEK is not set',
      path: 'key.variable',
    });
  });

  it('a wrong length is InvalidInput naming the variable, never the value', async () => {
    const value = KEY.subarray(0, 16).toString('hex');
    const error = (
      await loadKek({ provider: 'env', variable: 'CXAR_KEK' }, dir, { CXAR_KEK: value })
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toContain('environment variable CXAR_KEK');
    expect(error.message).not.toContain(value);
  });

  it('reads base64 with surrounding whitespace', async () => {
    const kek = await loadKek({ provider: 'env', variable: 'K' }, dir, { K: ` ${KEY.toString('base64')} ` });
    expect(kek._unsafeUnwrap().key).toEqual(KEY);
  });
});

describe('writeKeyFile', () => {
  it('creates a 0600 key file once, then leaves it and reports its key id', async () => {
    const path = join(dir, 'new/dir/acme.key');
    const first = await writeKeyFile(path);
    expect(first.created).toBe(true);
    expect(first.keyId).toMatch(/^kek:[0-9a-f]{16}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = (await loadKek({ provider: 'file', path }, dir))._unsafeUnwrap();
    expect(loaded.keyId).toBe(first.keyId);
    const second = await writeKeyFile(path);
    expect(second).toEqual({ keyId: first.keyId, created: false });
    expect((await loadKek({ provider: 'file', path }, dir))._unsafeUnwrap().key).toEqual(loaded.key);
  });

  it('an existing file without a valid key is an error naming the path', async () => {
    const path = join(dir, 'junk.key');
    await writeFile(path, 'not a key', { mode: 0o600 });
    await expect(writeKeyFile(path)).rejects.toThrow(`key file ${path} does not hold a valid key`);
  });
});

describe('key file permissions', () => {
  it('a key file group or others can read is refused with the chmod that fixes it, never the key', async () => {
    for (const mode of [0o640, 0o604, 0o644, 0o660]) {
      const path = join(dir, `open-${mode.toString(8)}.key`);
      await writeFile(path, KEY.toString('base64'), { mode });
      await chmod(path, mode);
      const error = (await loadKek({ provider: 'file', path }, dir))._unsafeUnwrapErr();
      expect(error).toEqual({
        _tag: 'InvalidInput',
        message: `key file ${path} can be read by group or others (mode 0${mode.toString(8)}): run chmod 600 ${path}`,
        path: 'key.path',
      });
      expectNoKeyMaterial(JSON.stringify(error));
      await chmod(path, 0o600);
      expect((await loadKek({ provider: 'file', path }, dir))._unsafeUnwrap().key).toEqual(KEY);
    }
  });

  it('writeKeyFile makes the directories it creates 0700 and leaves existing ones alone', async () => {
    const umask = process.umask(0o022);
    try {
      const path = join(dir, 'fresh/keys/tenant.key');
      await writeKeyFile(path);
      expect((await stat(join(dir, 'fresh'))).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'fresh/keys'))).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700); // mkdtemp's own mode, untouched
    } finally {
      process.umask(umask);
    }
  });

  it('writeKeyFile never overwrites: an existing key file keeps its bytes', async () => {
    const path = join(dir, 'kept.key');
    await writeFile(path, KEY.toString('hex'), { mode: 0o600 });
    expect(await writeKeyFile(path)).toEqual({ keyId: keyIdOf(KEY), created: false });
    expect(await readFile(path, 'utf8')).toBe(KEY.toString('hex'));
  });
});
