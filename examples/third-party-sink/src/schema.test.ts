import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CasSinkOptions, configSchema, DEFAULTS, resolveOptions } from './schema.js';

describe('configSchema', () => {
  it('is closed, requires root, and describes every property', () => {
    expect(configSchema.type).toBe('object');
    expect(configSchema.additionalProperties).toBe(false);
    expect(configSchema.required).toEqual(['root']);
    for (const [name, property] of Object.entries(configSchema.properties))
      expect((property as { description?: string }).description, name).toBeTruthy();
  });

  it('declares DEFAULTS as its defaults, for every option but root', () => {
    const defaults = Object.fromEntries(
      Object.entries(configSchema.properties).flatMap(([name, property]) =>
        'default' in property ? [[name, property.default]] : [],
      ),
    );
    expect(defaults).toEqual(DEFAULTS);
  });

  it('has exactly the fields CasSinkOptions has', () => {
    const sample: Record<keyof CasSinkOptions, true> = {
      root: true,
      fsync: true,
      fileMode: true,
      maxInFlight: true,
    };
    expect(Object.keys(configSchema.properties).sort()).toEqual(Object.keys(sample).sort());
  });

  it('accepts only octal permission bits as fileMode', () => {
    const pattern = new RegExp(configSchema.properties.fileMode.pattern);
    for (const good of ['0640', '640', '0600', '777']) expect(pattern.test(good), good).toBe(true);
    for (const bad of ['0980', 'rw-r-----', '04755', '', '64']) expect(pattern.test(bad), bad).toBe(false);
  });
});

describe('resolveOptions converts units only', () => {
  it('resolves a relative root against the pipeline directory and keeps how the user wrote it', () => {
    expect(resolveOptions({ root: 'archive', ...DEFAULTS }, '/tenants/acme')).toEqual({
      root: path.resolve('/tenants/acme', 'archive'),
      rootLabel: 'archive',
      fsync: true,
      fileMode: 0o640,
      maxInFlight: 8,
    });
  });

  it('keeps an absolute root and reads the mode as octal', () => {
    const resolved = resolveOptions(
      { root: '/data/cas', fsync: false, fileMode: '600', maxInFlight: 2 },
      '/x',
    );
    expect(resolved).toMatchObject({
      root: path.resolve('/data/cas'),
      fsync: false,
      fileMode: 0o600,
      maxInFlight: 2,
    });
  });
});
