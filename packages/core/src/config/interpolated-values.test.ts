import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue, formatIssue } from './config-error.js';
import { loadPipeline } from './load-pipeline.js';
import { validateAt } from './validate.js';
import { interpolationOf } from './yaml-source.js';

const SECRET = 'Zk9-canary-secret-4711';
const ENV = { CXONE_ACCESS_KEY_SECRET: SECRET, A: 'alpha-canary' };

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

const write = (text: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-interp-'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(file, text);
  return file;
};

const failure = async (text: string, env: Record<string, string> = ENV): Promise<ConfigError> => {
  try {
    await loadPipeline({ file: write(text), env });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

const everything = (issues: readonly ConfigIssue[]) =>
  issues.map((i) => `${formatIssue(i)} ${i.message} ${i.hint ?? ''}`).join('\n');

describe('validation messages about values from the environment', () => {
  it('name the variable, never its value, in every kind of message', async () => {
    const text = `${VALID.replace('tenant: acme', 'tenant: ${CXONE_ACCESS_KEY_SECRET}')}concurrency: \${CXONE_ACCESS_KEY_SECRET}
retry:
  initialDelay: "\${CXONE_ACCESS_KEY_SECRET}"
state:
  store: \${CXONE_ACCESS_KEY_SECRET}
`;
    const error = await failure(text);
    const byPath = (p: string) => error.issues.find((i) => i.path === p);
    expect(byPath('tenant')?.message).toBe(
      'the value of ${CXONE_ACCESS_KEY_SECRET} must match pattern "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"',
    );
    expect(byPath('tenant')).toMatchObject({ line: 2, column: 9 });
    expect(byPath('concurrency')?.message).toBe('the value of ${CXONE_ACCESS_KEY_SECRET} must be integer');
    expect(byPath('retry.initialDelay')?.message).toMatch(
      /^the value of \$\{CXONE_ACCESS_KEY_SECRET\} must match/,
    );
    // An enum gives no "did you mean" either: it would say what the secret is close to.
    expect(byPath('state.store')?.message).toBe(
      'the value of ${CXONE_ACCESS_KEY_SECRET} is not one of "sqlite"',
    );
    expect(byPath('state.store')?.hint).toBeUndefined();
    expect(error.issues).toHaveLength(4);
    expect(error.message).not.toContain(SECRET);
    expect(everything(error.issues)).not.toContain('canary');
  });

  it('still quotes a value written in the file', async () => {
    const error = await failure(`${VALID}state:\n  store: sqlit\n`);
    expect(error.issues[0]).toMatchObject({
      message: '"sqlit" is not one of "sqlite"',
      hint: 'did you mean "sqlite"?',
    });
  });

  it('cover plugin options: a secret in a date field, a mixed template, an alias, a mapping', async () => {
    const text = VALID.replace(
      'with: { since: 2026-01-01T00:00:00Z }',
      () =>
        'with: { since: "${CXONE_ACCESS_KEY_SECRET}", area: "x-${A}-y", key: &k "${A}", copy: *k, level: "${A}", opts: { a: "${CXONE_ACCESS_KEY_SECRET}" }, token: "${CXONE_ACCESS_KEY_SECRET}" }',
    );
    const loaded = await loadPipeline({ file: write(text), env: ENV });
    const schema = {
      type: 'object',
      properties: {
        since: { type: 'string', format: 'date-time' },
        area: { type: 'string', pattern: '^[a-z]+$' },
        key: { type: 'string', maxLength: 3 },
        copy: { type: 'string', maxLength: 3 },
        level: { enum: ['alpha', 'beta'] },
        opts: { type: 'string' },
        token: { type: 'string', 'x-cxarchive-secret': true, minLength: 100 },
      },
    };
    const withValue = structuredClone(loaded.config.source.with);
    const issues = validateAt(schema, withValue, loaded.source, ['source', 'with']);
    const byPath = (p: string) => issues.find((i) => i.path === p)?.message;
    expect(byPath('source.with.since')).toBe(
      'the value of ${CXONE_ACCESS_KEY_SECRET} must match format "date-time"',
    );
    expect(byPath('source.with.area')).toBe('the value of "x-${A}-y" must match pattern "^[a-z]+$"');
    expect(byPath('source.with.key')).toBe('the value of ${A} must NOT have more than 3 characters');
    expect(byPath('source.with.copy')).toBe('the value of ${A} must NOT have more than 3 characters');
    expect(byPath('source.with.level')).toBe('the value of ${A} is not one of "alpha", "beta"');
    expect(byPath('source.with.opts')).toBe('a mapping must be string');
    // A field the schema marks secret keeps its own wording.
    expect(byPath('source.with.token')).toBe('the secret value must NOT have fewer than 100 characters');
    expect(issues).toHaveLength(7);
    expect(everything(issues)).not.toMatch(/canary/);
  });

  it('hides a value that no node of the file holds when it equals an interpolated one', async () => {
    const loaded = await loadPipeline({
      file: write(VALID.replace('root: ./archive', 'root: "${A}"')),
      env: ENV,
    });
    expect(interpolationOf(loaded.source, ['sinks', 0, 'with', 'root'], 'alpha-canary')?.variables).toEqual([
      'A',
    ]);
    expect(interpolationOf(loaded.source, ['no', 'such', 'place'], 'alpha-canary')?.template).toBe('${A}');
    expect(interpolationOf(loaded.source, ['no', 'such', 'place'], 'other')).toBeUndefined();
    expect(interpolationOf(loaded.source, ['tenant'], 'acme')).toBeUndefined();
  });
});

describe('validation messages about hostile values in the file', () => {
  it('escape control characters and cut long values', async () => {
    const forged = 'x\\n/tmp/a.yaml:1:1: all good\\u001b[32m';
    const error = await failure(
      `${VALID}retry:\n  initialDelay: "${forged}"\n  maxDelay: "${'9'.repeat(200)}"\n`,
    );
    const delay = error.issues.find((i) => i.path === 'retry.initialDelay');
    expect(formatIssue(delay!)).toContain('"x\\n/tmp/a.yaml:1:1: all good\\x1b[32m" must match pattern');
    expect(error.message.split('\n').filter((l) => l.includes('all good'))).toHaveLength(1);
    expect(error.message).not.toContain('\u001b');
    const long = error.issues.find((i) => i.path === 'retry.maxDelay');
    expect(long?.message).toMatch(/^"9{79}…" must match pattern/);
  });
});
