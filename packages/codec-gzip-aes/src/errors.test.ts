import { createCipheriv, createDecipheriv } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abortFailure,
  chunkOpenFailure,
  keyFileReadFailure,
  sealFailure,
  unwrapFailure,
  zlibFailure,
} from './errors.js';
import { loadKek } from './key-provider.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (cause) {
    return cause;
  }
  throw new Error('expected a throw');
};

/** The error node's GCM raises when a tag does not verify. */
const gcmAuthError = (): unknown =>
  thrown(() => {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    decipher.setAuthTag(Buffer.alloc(16));
    decipher.update(Buffer.from('tampered'));
    decipher.final();
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxar-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('errors.ts mappings', () => {
  it('GCM tag failure of a chunk → Permanent naming the chunk', () => {
    expect(chunkOpenFailure(5, gcmAuthError())).toEqual({
      _tag: 'Permanent',
      message:
        'chunk 5 failed authentication (the object was tampered with, truncated, reordered or spliced)',
    });
  });

  it('any other chunk decryption failure → Permanent with the cause', () => {
    const error = chunkOpenFailure(2, new RangeError('chunk 2 is shorter than its tag'));
    expect(error._tag).toBe('Permanent');
    expect(error.message).toBe('chunk 2 could not be decrypted: chunk 2 is shorter than its tag');
  });

  it('a cipher failure while encrypting → Permanent', () => {
    const cause = thrown(() => createCipheriv('aes-256-gcm', Buffer.alloc(16), Buffer.alloc(12)));
    const error = sealFailure(cause);
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/^encryption failed: .*key length/i);
  });

  it('GCM tag failure of the wrapped DEK → Permanent naming the key id', () => {
    expect(unwrapFailure('kek:0123456789abcdef', gcmAuthError())).toEqual({
      _tag: 'Permanent',
      message:
        'the data key could not be unwrapped with key kek:0123456789abcdef (the header or key slot was tampered with, or the key is wrong)',
    });
  });

  it('any other unwrap failure → Permanent with the cause', () => {
    const cause = thrown(() => createDecipheriv('aes-256-gcm', Buffer.alloc(3), Buffer.alloc(12)));
    const error = unwrapFailure('kek:0123456789abcdef', cause);
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/^the data key could not be unwrapped: /);
  });

  it('corrupt gzip inside an object → Permanent (Z_DATA_ERROR)', () => {
    const error = zlibFailure(
      'decompress',
      thrown(() => gunzipSync(Buffer.from('definitely not gzip'))),
    );
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/^the gzip payload inside the object is corrupt \(Z_DATA_ERROR: /);
  });

  it('truncated gzip inside an object → Permanent (Z_BUF_ERROR)', () => {
    const zipped = gzipSync(Buffer.from('hello '.repeat(100)));
    const error = zlibFailure(
      'decompress',
      thrown(() => gunzipSync(zipped.subarray(0, zipped.length - 8))),
    );
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/^the gzip payload inside the object is corrupt \(Z_BUF_ERROR: /);
  });

  it('zlib out of memory → Transient', () => {
    const cause = Object.assign(new Error('zlib: out of memory'), { code: 'Z_MEM_ERROR', errno: -4 });
    expect(zlibFailure('compress', cause)._tag).toBe('Transient');
    expect(zlibFailure('decompress', cause)._tag).toBe('Transient');
  });

  it('a gzip failure while compressing → Permanent', () => {
    const error = zlibFailure(
      'compress',
      thrown(() => createGzip({ level: 99 })),
    );
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(/^gzip failed while compressing \(ERR_OUT_OF_RANGE: /);
  });

  it('the caller aborted → Transient naming the operation, the reason kept as the cause only', () => {
    const reason = new Error('interrupted: token abc123 revoked');
    expect(abortFailure('encode', reason)).toEqual({
      _tag: 'Transient',
      message: 'encode was aborted',
      cause: reason,
    });
    expect(abortFailure('decode', undefined)).toEqual({
      _tag: 'Transient',
      message: 'decode was aborted',
      cause: undefined,
    });
  });

  it('key file missing → InvalidInput naming the path', async () => {
    const path = join(dir, 'missing.key');
    const cause = (await loadKek({ provider: 'file', path }, dir))._unsafeUnwrapErr();
    expect(cause).toEqual(keyFileReadFailure(path, Object.assign(new Error('x'), { code: 'ENOENT' })));
    expect(cause).toEqual({ _tag: 'InvalidInput', message: `key file not found: ${path}`, path: 'key.path' });
  });

  it('key file unreadable → InvalidInput naming the path', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const error = keyFileReadFailure('/k/acme.key', Object.assign(new Error('denied'), { code }));
      expect(error).toEqual({
        _tag: 'InvalidInput',
        message: 'key file is not readable: /k/acme.key',
        path: 'key.path',
      });
    }
  });

  it('key file is a directory → InvalidInput naming the path', async () => {
    const error = (await loadKek({ provider: 'file', path: dir }, dir))._unsafeUnwrapErr();
    expect(error).toEqual({
      _tag: 'InvalidInput',
      message: `key file is a directory: ${dir}`,
      path: 'key.path',
    });
  });

  it('any other read failure → Permanent naming the path and the code', async () => {
    await writeFile(join(dir, 'plain'), 'x');
    const path = join(dir, 'plain', 'child.key');
    const error = (await loadKek({ provider: 'file', path }, dir))._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).toBe(`could not read key file ${path} (ENOTDIR)`);
  });
});
