import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadPipeline } from './load-pipeline.js';

const VALID = `version: 1
tenant: acme
source:
  use: cxone
  with: { since: 2026-01-01T00:00:00Z }
codec:
  use: gzip-aes
sinks:
  - use: fs
    with: { root: ./archive }
`;

const write = (text: string, name = 'archive.pipeline.yaml'): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const issuesOf = async (text: string, env: Record<string, string> = {}) => {
  const file = write(text);
  try {
    await loadPipeline({ file, env });
  } catch (e) {
    if (e instanceof ConfigError) return { file, issues: e.issues, message: e.message };
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('loadPipeline', () => {
  it('loads a valid file and applies defaults', async () => {
    const loaded = await loadPipeline({ file: write(VALID), env: {} });
    expect(loaded.config.tenant).toBe('acme');
    expect(loaded.config.concurrency).toBe(8);
    expect(loaded.config.retry).toEqual({
      attempts: 5,
      initialDelay: '500ms',
      maxDelay: '20s',
      maxElapsed: '10m',
      maxWait: '5m',
    });
    expect(loaded.config.budgets).toEqual({});
    expect(loaded.config.state).toEqual({ store: 'sqlite', lease: '1m' });
    expect(loaded.config.transforms).toEqual([]);
    expect(loaded.config.sinks[0]?.with).toEqual({ root: './archive' });
    // YAML core schema: a timestamp stays the string the user wrote.
    expect(loaded.config.source.with.since).toBe('2026-01-01T00:00:00Z');
  });

  it('locates a mistyped top-level key and suggests the right one', async () => {
    const { issues, file, message } = await issuesOf(VALID.replace('sinks:', 'sinsk:'));
    const typo = issues.find((i) => i.message.includes('"sinsk"'));
    expect(typo).toMatchObject({ file, line: 8, column: 1, path: 'sinsk', hint: 'did you mean "sinks"?' });
    // The missing `sinks` is reported too: every problem at once, not just the first.
    expect(issues.some((i) => i.message === 'missing required key "sinks"')).toBe(true);
    expect(message).toContain(`${file}:8:1`);
  });

  it('locates a bad value deep in the file with its JSON path', async () => {
    const { issues } = await issuesOf(
      `${VALID}concurrency: eight\nretry:\n  attempts: 0\n  initialDelay: soon\n`,
    );
    expect(issues.find((i) => i.path === 'concurrency')).toMatchObject({ line: 11, column: 14 });
    expect(issues.find((i) => i.path === 'retry.attempts')).toMatchObject({ line: 13, column: 13 });
    const delay = issues.find((i) => i.path === 'retry.initialDelay');
    expect(delay).toMatchObject({ line: 14, column: 17 });
    expect(delay?.message).toContain('"soon"');
  });

  it('rejects a tenant outside the confined charset, pointing at it', async () => {
    const { issues } = await issuesOf(VALID.replace('tenant: acme', 'tenant: Acme_Corp'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, column: 9, path: 'tenant' });
    expect(issues[0]?.hint).toMatch(/lowercase letters/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const { issues } = await issuesOf('version: 1\ntenant: acme\nsource:\n  use: cxone\n   with: {}\n');
    expect(issues[0]).toMatchObject({ line: 4, column: 8 });
    expect(issues[0]?.message).toMatch(/^YAML: Nested mappings/);
  });

  it('reports duplicate keys', async () => {
    const { issues } = await issuesOf(`${VALID}tenant: other\n`);
    expect(issues[0]?.message).toMatch(/unique|duplicate/i);
    expect(issues[0]?.line).toBe(11);
  });

  it('refuses language-specific YAML tags', async () => {
    const { issues } = await issuesOf(`${VALID}x: !!js/function "function(){}"\n`);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.line).toBe(11);
  });

  it('stops an alias bomb', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const file = write(`${bomb.join('\n')}\n`);
    await expect(loadPipeline({ file, env: {} })).rejects.toThrow(/alias|ConfigError|problem/i);
  });

  it('says plainly when the file is not a mapping', async () => {
    const { issues } = await issuesOf('- just\n- a list\n');
    expect(issues[0]?.message).toMatch(/mapping/);
  });

  it('names a missing file', async () => {
    const missing = path.join(tmpdir(), 'no-such-dir-cxarchive', 'archive.pipeline.yaml');
    await expect(loadPipeline({ file: missing })).rejects.toThrow(/no such file/);
  });

  it('finds archive.pipeline.yaml in a parent directory', async () => {
    const file = write(VALID);
    const nested = path.join(path.dirname(file), 'a', 'b');
    mkdirSync(nested, { recursive: true });
    const loaded = await loadPipeline({ cwd: nested, env: {} });
    expect(loaded.file).toBe(file);
    expect(loaded.dir).toBe(path.dirname(file));
  });
});

describe('interpolation', () => {
  // A replacer function: a replacement string would turn the `$$` under test into `$`.
  const withSource = (extra: string) =>
    VALID.replace(
      'with: { since: 2026-01-01T00:00:00Z }',
      () => `with: { since: 2026-01-01T00:00:00Z, ${extra} }`,
    );

  it('expands ${VAR} and ${VAR:-default}', async () => {
    const file = write(withSource('a: "${A}", b: "${B:-fallback}", c: "x-${A}-y"'));
    const loaded = await loadPipeline({ file, env: { A: 'alpha' } });
    expect(loaded.config.source.with).toMatchObject({ a: 'alpha', b: 'fallback', c: 'x-alpha-y' });
  });

  it('names an unset variable without default, with its place', async () => {
    const { issues } = await issuesOf(withSource('key: "${CXONE_SECRET}"'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      line: 5,
      path: 'source.with.key',
      message: 'environment variable CXONE_SECRET is not set',
    });
    expect(issues[0]?.hint).toContain('${CXONE_SECRET:-value}');
  });

  it('is not recursive: a value that looks like a reference stays literal', async () => {
    const file = write(withSource('a: "${A}"'));
    const loaded = await loadPipeline({ file, env: { A: '${B}', B: 'leaked' } });
    expect(loaded.config.source.with.a).toBe('${B}');
  });

  it('keeps $${ as a literal ${', async () => {
    const file = write(withSource('a: "price $${AMOUNT}"'));
    const loaded = await loadPipeline({ file, env: {} });
    expect(loaded.config.source.with.a).toBe('price ${AMOUNT}');
  });

  it('reads a whole plain reference as a YAML scalar, a quoted one as a string', async () => {
    const file = write(`${VALID}concurrency: \${WORKERS:-8}\n`.replace('root: ./archive', 'root: "${N}"'));
    const loaded = await loadPipeline({ file, env: { WORKERS: '3', N: '42' } });
    expect(loaded.config.concurrency).toBe(3);
    expect(loaded.config.sinks[0]?.with.root).toBe('42');
  });

  it('flags a malformed reference', async () => {
    const { issues } = await issuesOf(withSource('a: "${not valid}"'));
    expect(issues[0]?.message).toBe('malformed variable reference');
    expect(issues[0]?.line).toBe(5);
  });

  it('does not expand keys', async () => {
    const { issues } = await issuesOf(`${VALID}\${X}: 1\n`, { X: 'concurrency' });
    expect(issues[0]?.message).toContain('unknown key "${X}"');
  });
});
