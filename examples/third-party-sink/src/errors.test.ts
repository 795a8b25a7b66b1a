import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromStreamError, PluginErrors, PluginFailure } from '@cxarchive/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelled,
  copyFailure,
  corruptBlob,
  corruptEntry,
  keyConflict,
  keyTaken,
  mapFsError,
  missingBlob,
  noObject,
  rootFailure,
  sizeMismatch,
  unsafeKey,
} from './errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cas-errors-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const errno = (code: string, syscall = 'open'): Error =>
  Object.assign(new Error(`${code}: x`), { code, syscall });
const live = (): AbortSignal => new AbortController().signal;

describe('mapFsError', () => {
  it('a real ENOENT → NotFound naming what was done', async () => {
    const error = await readFile(path.join(dir, 'missing')).catch((e: unknown) => e);
    expect(mapFsError(error, 'reading a/b.bin')).toEqual({
      _tag: 'NotFound',
      message: 'cas sink: reading a/b.bin: no such file',
    });
  });

  it('a real aborted call (ABORT_ERR) → Transient cancellation', async () => {
    const error = await readFile(path.join(dir, 'missing'), { signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect(mapFsError(error, 'reading a/b.bin')).toEqual(cancelled('reading a/b.bin'));
    expect(cancelled('reading a/b.bin')).toEqual({
      _tag: 'Transient',
      message: 'cas sink: reading a/b.bin was cancelled',
    });
  });

  it('EEXIST → AlreadyExists', () => {
    expect(mapFsError(errno('EEXIST', 'link'), 'storing k')._tag).toBe('AlreadyExists');
  });

  it('EACCES, EPERM, EROFS → Auth', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS'])
      expect(mapFsError(errno(code), 'writing k')).toEqual({
        _tag: 'Auth',
        message: `cas sink: writing k: permission denied (${code})`,
      });
  });

  it('a full disk (ENOSPC, EDQUOT) → Permanent "no space left", never retried', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const error = mapFsError(errno(code, 'write'), 'writing k');
      expect(error).toMatchObject({
        _tag: 'Permanent',
        message: `cas sink: writing k: no space left (${code})`,
      });
    }
  });

  it('EIO, EAGAIN, EBUSY, EMFILE, ENFILE, ETIMEDOUT → Transient', () => {
    for (const code of ['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT'])
      expect(mapFsError(errno(code), 'writing k')._tag, code).toBe('Transient');
  });

  it('anything else → Permanent with the code (or the error name), the cause holding only code and syscall', () => {
    const error = mapFsError(errno('ENOTDIR', 'mkdir'), 'storing k');
    expect(error).toEqual({
      _tag: 'Permanent',
      message: 'cas sink: storing k: failed (ENOTDIR)',
      cause: { code: 'ENOTDIR', syscall: 'mkdir' },
    });
    expect(mapFsError(new TypeError('boom'), 'storing k').message).toBe(
      'cas sink: storing k: failed (TypeError)',
    );
  });

  it('never puts an absolute path into a message', () => {
    const error = Object.assign(new Error(`ENOENT: no such file, open '${dir}/index/k'`), { code: 'ENOENT' });
    expect(mapFsError(error, 'reading k').message).not.toContain(dir);
  });
});

describe('copyFailure: which error wins when a body copy stops', () => {
  it("the store's own write error first", () => {
    const aborted = AbortSignal.abort();
    expect(
      copyFailure(new Error('premature close'), {
        storeError: errno('ENOSPC', 'write'),
        signal: aborted,
        key: 'k',
      }),
    ).toMatchObject({ _tag: 'Permanent', message: 'cas sink: writing k: no space left (ENOSPC)' });
  });

  it('then the cancellation', () => {
    expect(
      copyFailure(new Error('premature close'), {
        storeError: undefined,
        signal: AbortSignal.abort(),
        key: 'k',
      }),
    ).toEqual(cancelled('put of k'));
  });

  it("then the body's own error, as core's fromStreamError classifies it (a tag is kept)", () => {
    const tagged = new PluginFailure(PluginErrors.permanent('source says no'));
    expect(copyFailure(tagged, { storeError: undefined, signal: live(), key: 'k' })).toEqual(tagged.error);
    const plain = new Error('socket hang up');
    expect(copyFailure(plain, { storeError: undefined, signal: live(), key: 'k' })).toEqual(
      fromStreamError(plain),
    );
    expect(copyFailure(plain, { storeError: undefined, signal: live(), key: 'k' })._tag).toBe('Transient');
  });
});

describe('the sink’s own conditions', () => {
  it('sizeMismatch → InvalidInput with both lengths', () => {
    expect(sizeMismatch('k', 10, 7)).toEqual({
      _tag: 'InvalidInput',
      message: 'cas sink: the body of k had 7 bytes, not the 10 announced; nothing stored',
    });
  });

  it('unsafeKey → InvalidInput', () => {
    expect(unsafeKey('the key is empty')).toEqual({
      _tag: 'InvalidInput',
      message: 'cas sink: invalid object key: the key is empty',
    });
  });

  it('keyTaken → AlreadyExists with the existing checksum when known', () => {
    expect(keyTaken('k', 'ab'.repeat(32))).toEqual({
      _tag: 'AlreadyExists',
      message: 'cas sink: k already exists',
      checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) },
    });
    expect(keyTaken('k', undefined)).toEqual({
      _tag: 'AlreadyExists',
      message: 'cas sink: k already exists',
    });
  });

  it('noObject → NotFound; keyConflict, corruptEntry, missingBlob, corruptBlob → Permanent', () => {
    expect(noObject('k')).toEqual({ _tag: 'NotFound', message: 'cas sink: no object at k' });
    expect(keyConflict('a/b')._tag).toBe('Permanent');
    expect(corruptEntry('k', 'not JSON')).toEqual({
      _tag: 'Permanent',
      message: 'cas sink: the index entry of k is corrupt (not JSON)',
    });
    expect(missingBlob('k', 'ab'.repeat(32)).message).toBe(
      `cas sink: k names blob sha256:${'ab'.repeat(32)}, which is missing from the store`,
    );
    expect(corruptBlob('k', 'cd'.repeat(32), 'its bytes hash to sha256:00').message).toBe(
      `cas sink: the blob of k (sha256:${'cd'.repeat(32)}) is corrupt: its bytes hash to sha256:00`,
    );
  });

  it('rootFailure → InvalidInput at "root", naming the root as the user wrote it', () => {
    expect(rootFailure(errno('ENOTDIR', 'mkdir'), './archive')).toEqual({
      _tag: 'InvalidInput',
      message: 'cas sink: cannot create the store at "./archive" (ENOTDIR)',
      path: 'root',
    });
  });
});
