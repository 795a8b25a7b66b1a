import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, DEFAULTS, resolveOptions } from './schema.js';

describe('configSchema', () => {
  it('is closed, requires root and documents every property', () => {
    expect(configSchema.additionalProperties).toBe(false);
    expect(configSchema.required).toEqual(['root']);
    for (const [name, property] of Object.entries(configSchema.properties)) {
      expect((property as { description?: string }).description, name).toBeTruthy();
    }
  });

  it('declares the DEFAULTS as schema defaults', () => {
    expect(configSchema.properties.fsync.default).toBe(DEFAULTS.fsync);
    expect(configSchema.properties.fileMode.default).toBe(DEFAULTS.fileMode);
  });
});

describe('resolveOptions', () => {
  it('applies the defaults and resolves a relative root against the base directory', () => {
    const resolved = resolveOptions({ root: 'archive' }, '/tenants/acme')._unsafeUnwrap();
    expect(resolved).toEqual({
      root: path.resolve('/tenants/acme', 'archive'),
      rootLabel: 'archive',
      fsync: true,
      fileMode: 0o640,
    });
  });

  it('keeps an absolute root and explicit values', () => {
    const resolved = resolveOptions(
      { root: '/data/archive', fsync: false, fileMode: '600' },
      '/x',
    )._unsafeUnwrap();
    expect(resolved.root).toBe(path.resolve('/data/archive'));
    expect(resolved.fsync).toBe(false);
    expect(resolved.fileMode).toBe(0o600);
  });

  it('refuses a mode that is not octal permission bits', () => {
    for (const fileMode of ['0980', 'rw-r-----', '04755', '']) {
      const error = resolveOptions({ root: 'a', fileMode }, '/x')._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'fileMode' });
    }
  });

  it('refuses an empty root', () => {
    expect(resolveOptions({ root: '' }, '/x')._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'root',
    });
  });
});
