import { describe, expect, it } from 'vitest';
import { cancelled, errnoCode, mapFsError, sizeMismatch } from './errors.js';

const fsError = (code: string, syscall = 'open'): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failed, ${syscall} '/secret/abs/path/root/t/x.cxar'`), { code, syscall });

const WHAT = 'writing t/2026/10/01/1/contact.json.cxar';

describe('mapFsError', () => {
  const cases: readonly [string, string, RegExp][] = [
    ['EEXIST', 'AlreadyExists', /already exists/],
    ['ENOENT', 'NotFound', /no such object/],
    ['EACCES', 'Auth', /permission denied on the sink root \(EACCES\)/],
    ['EPERM', 'Auth', /permission denied on the sink root \(EPERM\)/],
    ['EROFS', 'Auth', /permission denied on the sink root \(EROFS\)/],
    ['ENOSPC', 'Permanent', /no space left on the sink root \(ENOSPC\)/],
    ['EDQUOT', 'Permanent', /no space left on the sink root \(EDQUOT\)/],
    ['EXDEV', 'Permanent', /the sink root spans more than one filesystem \(EXDEV\)/],
    ['EIO', 'Transient', /I\/O error \(EIO\)/],
    ['EAGAIN', 'Transient', /I\/O error \(EAGAIN\)/],
    ['EBUSY', 'Transient', /I\/O error \(EBUSY\)/],
    ['EMFILE', 'Transient', /I\/O error \(EMFILE\)/],
    ['ENFILE', 'Transient', /I\/O error \(ENFILE\)/],
    ['ETIMEDOUT', 'Transient', /I\/O error \(ETIMEDOUT\)/],
    ['ENAMETOOLONG', 'Permanent', /failed \(ENAMETOOLONG\)/],
    ['EISDIR', 'Permanent', /failed \(EISDIR\)/],
  ];
  for (const [code, tag, message] of cases) {
    it(`${code} → ${tag}`, () => {
      const error = mapFsError(fsError(code), WHAT);
      expect(error._tag).toBe(tag);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('t/2026/10/01/1/contact.json.cxar');
      expect(error.message, 'no absolute path in the message').not.toContain('/secret/abs/path');
    });
  }

  it('keeps only the errno code and syscall as the cause', () => {
    const error = mapFsError(fsError('EIO', 'write'), WHAT);
    expect(error._tag === 'Transient' ? error.cause : undefined).toEqual({ code: 'EIO', syscall: 'write' });
  });

  it('an error without an errno code is Permanent, named by its class', () => {
    const error = mapFsError(new TypeError('x is not a function'), WHAT);
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('TypeError');
  });

  it('names the root as the user wrote it when the disk is full', () => {
    const error = mapFsError(fsError('ENOSPC', 'write'), WHAT, './archive');
    expect(error).toMatchObject({ _tag: 'Permanent', cause: { code: 'ENOSPC', syscall: 'write' } });
    expect(error.message).toBe(
      'fs sink: writing t/2026/10/01/1/contact.json.cxar: no space left on ./archive (ENOSPC)',
    );
  });
});

describe('cancelled', () => {
  it('is Transient and says the operation was cancelled', () => {
    expect(cancelled('put of t/x.cxar')).toEqual({
      _tag: 'Transient',
      message: 'fs sink: put of t/x.cxar was cancelled',
      cause: undefined,
    });
  });
});

describe('sizeMismatch', () => {
  it('is InvalidInput naming both sizes', () => {
    const error = sizeMismatch('t/x.cxar', 10, 7);
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toContain('had 7 bytes, not the 10 announced');
  });
});

describe('errnoCode', () => {
  it('reads the code of an fs error and nothing else', () => {
    expect(errnoCode(fsError('EIO'))).toBe('EIO');
    expect(errnoCode(new Error('plain'))).toBeUndefined();
    expect(errnoCode(null)).toBeUndefined();
    expect(errnoCode({ code: 42 })).toBeUndefined();
  });
});
