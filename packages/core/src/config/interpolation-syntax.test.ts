import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadPipeline } from './load-pipeline.js';

const pipeline = (sourceWith: string) => `version: 1
tenant: acme
source:
  use: cxone
  with: ${sourceWith}
codec:
  use: gzip-aes
sinks:
  - use: fs
    with: { root: ./archive }
`;

const write = (text: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-interp-'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(file, text);
  return file;
};

const load = (text: string, env: Record<string, string> = {}) => loadPipeline({ file: write(text), env });

const issuesOf = async (text: string, env: Record<string, string> = {}) => {
  const error = await load(text, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
};

describe('interpolation syntax', () => {
  it('refuses $VAR without braces, with a hint to write ${VAR}', async () => {
    const issues = await issuesOf(pipeline('{ a: "x-$HOST-y" }'), { HOST: 'h' });
    expect(issues).toEqual([
      expect.objectContaining({ line: 5, path: 'source.with.a', code: 'env.bare-reference' }),
    ]);
    expect(issues[0]?.message).toBe('$HOST is not expanded: variables are written ${HOST}');
    expect(issues[0]?.hint).toContain('$$HOST');
  });

  it('reads $$VAR as the literal $VAR, and keeps a $ before anything else as text', async () => {
    const loaded = await load(pipeline('{ a: "$$HOME", b: "cost: 5$ or $1", c: "a$$1" }'), { HOME: 'h' });
    expect(loaded.config.source.with).toMatchObject({ a: '$HOME', b: 'cost: 5$ or $1', c: 'a$$1' });
  });

  it('refuses a nested default instead of leaving ${B} as literal text', async () => {
    for (const env of [{}, { A: 'a' }, { B: 'b' }] as Record<string, string>[]) {
      const issues = await issuesOf(pipeline('{ a: "${A:-${B}}" }'), env);
      expect(issues).toEqual([
        expect.objectContaining({ line: 5, path: 'source.with.a', code: 'env.nested-default' }),
      ]);
      expect(issues[0]?.message).toContain('references are not nested');
    }
  });

  it('expands a default with a $ that is no reference', async () => {
    const loaded = await load(pipeline('{ a: "${A:-$5 off}" }'));
    expect(loaded.config.source.with.a).toBe('$5 off');
  });

  it('gives one "quote it" message for an unquoted ${A}:${B} in flow style', async () => {
    const issues = await issuesOf(pipeline('{ baseUrl: ${A}:${B} }'), { A: 'a', B: 'b' });
    expect(issues).toEqual([expect.objectContaining({ line: 5, column: 20, code: 'yaml.quote-reference' })]);
    expect(issues[0]?.message).toContain('put the value in quotes');
    expect(issues[0]?.hint).toContain('"${A}:${B}"');
  });

  it('gives one "quote it" message for a flow value starting with ${', async () => {
    const issues = await issuesOf(pipeline('{ accessKeyId: ${KEY} }'), { KEY: 'k' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 5, code: 'yaml.quote-reference' });
  });

  it('gives one message for a block value that reads as a nested mapping', async () => {
    const issues = await issuesOf(pipeline('\n    a: ${A}: ${B}'), { A: 'a', B: 'b' });
    expect(issues).toEqual([expect.objectContaining({ line: 6, code: 'yaml.quote-reference' })]);
  });

  it('still reports other YAML errors as they are, each with a code', async () => {
    const issues = await issuesOf(pipeline('{ a: "${A}" ]'), { A: 'a' });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.code === 'yaml.syntax')).toBe(true);
  });

  it('reads the quoted forms it suggests', async () => {
    const loaded = await load(pipeline('{ baseUrl: "${A}:${B}", accessKeyId: "${KEY}" }'), {
      A: 'a',
      B: 'b',
      KEY: 'k',
    });
    expect(loaded.config.source.with).toMatchObject({ baseUrl: 'a:b', accessKeyId: 'k' });
  });
});
