import { describe, expect, it } from 'vitest';
import { classify, errnoCode, mapFsError, SinkFailure } from './errors.js';

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
    ['ENOSPC', 'Permanent', /no space left \(ENOSPC\)/],
    ['EDQUOT', 'Permanent', /no space left \(EDQUOT\)/],
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
});

describe('classify', () => {
  it('passes an already classified failure through unchanged', () => {
    const failure = new SinkFailure({ _tag: 'InvalidInput', message: 'bad key' });
    expect(classify(failure, WHAT)).toEqual({ _tag: 'InvalidInput', message: 'bad key' });
  });

  it('maps anything else as an fs error', () => {
    expect(classify(fsError('EACCES'), WHAT)._tag).toBe('Auth');
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
