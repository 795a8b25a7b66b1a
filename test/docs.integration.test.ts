import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLUGIN_API_VERSION } from '@cxarchive/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// The options tables in the READMEs and docs/configuration.md are generated from the built
// schemas (`pnpm run build` runs before the suite), so a schema change without regenerated docs
// fails here.
const SCRIPT = path.join(ROOT, 'scripts', 'gen-docs.mjs');
const START = '<!-- options:start -->';
const END = '<!-- options:end -->';

const genDocs = (args: string[]) => {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const packageDirs = (root: string): string[] =>
  readdirSync(path.join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, 'packages', d.name));

const isPlugin = (dir: string): boolean => {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { cxarchive?: unknown };
  return pkg.cxarchive !== undefined;
};

const markerLines = (text: string) => {
  const lines = text.split('\n').map((l) => l.trim());
  return {
    starts: lines.filter((l) => l === START).length,
    ends: lines.filter((l) => l === END).length,
    ordered: lines.indexOf(START) < lines.indexOf(END),
  };
};

describe('generated docs', () => {
  it('are current: gen-docs --check passes', () => {
    const { code, stderr } = genDocs(['--check']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exist for every package, and every plugin README has the options markers', () => {
    const dirs = packageDirs(ROOT);
    expect(dirs.length).toBeGreaterThan(0);
    const missing = dirs.filter((d) => !existsSync(path.join(d, 'README.md')));
    expect(missing.map((d) => path.relative(ROOT, d))).toEqual([]);
    const plugins = dirs.filter(isPlugin);
    expect(plugins.length).toBeGreaterThan(0);
    for (const dir of [
      ...plugins.map((d) => path.join(d, 'README.md')),
      path.join(ROOT, 'docs', 'configuration.md'),
    ]) {
      expect({ file: path.relative(ROOT, dir), ...markerLines(readFileSync(dir, 'utf8')) }).toEqual({
        file: path.relative(ROOT, dir),
        starts: 1,
        ends: 1,
        ordered: true,
      });
    }
  });
});

describe('docs/configuration.md', () => {
  it('names the plugin API version core speaks', () => {
    const text = readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const named = [...text.matchAll(/`PLUGIN_API_VERSION` \((\d+)\)/g)].map((m) => Number(m[1]));
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((v) => v === PLUGIN_API_VERSION)).toBe(true);
  });
});

// The generator itself, on a throwaway repository, so the check is known to fail when it should.
describe('gen-docs on a scratch repository', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  const SCHEMA = `export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'key'],
  properties: {
    token: { type: 'string', description: 'API token | for <svc>.', 'x-cxarchive-secret': true },
    retries: { type: 'integer', minimum: 0, maximum: 9, default: 3, description: 'How often.' },
    key: {
      description: 'Where the key comes from.',
      oneOf: [
        { type: 'object', description: 'From a file.', required: ['provider', 'path'],
          properties: { provider: { const: 'file', description: 'File.' }, path: { type: 'string', description: 'Its path.' } } },
        { type: 'object', description: 'From the environment.', required: ['provider', 'variable'],
          properties: { provider: { const: 'env', description: 'Env.' }, variable: { type: 'string', description: 'Its name.' } } },
      ],
    },
  },
};
`;

  const scratch = (readme: string) => {
    const root = mkdtempSync(path.join(tmpdir(), 'cxarchive-gen-docs-'));
    roots.push(root);
    const plugin = path.join(root, 'packages', 'sink-demo');
    mkdirSync(path.join(plugin, 'dist'), { recursive: true });
    writeFileSync(
      path.join(plugin, 'package.json'),
      JSON.stringify({
        name: 'sink-demo',
        cxarchive: { kind: 'sink', name: 'demo', apiVersion: PLUGIN_API_VERSION },
      }),
    );
    writeFileSync(path.join(plugin, 'dist', 'schema.js'), SCHEMA);
    writeFileSync(path.join(plugin, 'README.md'), readme);
    const core = path.join(root, 'packages', 'core', 'dist', 'config');
    mkdirSync(core, { recursive: true });
    writeFileSync(path.join(root, 'packages', 'core', 'package.json'), '{"name":"core"}');
    writeFileSync(
      path.join(core, 'pipeline-schema.js'),
      "export const pipelineSchema = { type: 'object', required: ['version'], properties: { version: { const: 1, description: 'Always 1.' } } };\n",
    );
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'docs', 'configuration.md'), `# Config\n\n${START}\n${END}\n`);
    return {
      root,
      readme: path.join(plugin, 'README.md'),
      config: path.join(root, 'docs', 'configuration.md'),
    };
  };

  it('reports stale tables without writing, then writes them, then passes', () => {
    const s = scratch(`# demo\n\n## Options\n\n${START}\nold table\n${END}\n\n## More\n`);
    const before = readFileSync(s.readme, 'utf8');

    const check = genDocs(['--check', '--root', s.root]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('stale options table: packages/sink-demo/README.md');
    expect(check.stderr).toContain('stale options table: docs/configuration.md');
    expect(readFileSync(s.readme, 'utf8')).toBe(before);

    expect(genDocs(['--root', s.root]).code).toBe(0);
    const text = readFileSync(s.readme, 'utf8');
    expect(text).not.toContain('old table');
    expect(text.startsWith('# demo\n\n## Options\n\n')).toBe(true);
    expect(text.endsWith(`${END}\n\n## More\n`)).toBe(true);
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => r.split(' | ')[0]?.replace(/^\| /, '').trim())).toEqual([
      '`token`',
      '`retries`',
      '`key`',
      '`key` (`provider: "file"`)',
      '`key.provider`',
      '`key.path`',
      '`key` (`provider: "env"`)',
      '`key.provider`',
      '`key.variable`',
    ]);
    // Secret and required columns, escaped pipe and angle brackets, range and default.
    expect(rows[0]).toMatch(/\| yes +\| yes +\| API token \\\| for &lt;svc&gt;\. +\|$/);
    expect(rows[1]).toMatch(/^\| `retries` +\| integer 0–9 +\| `3` +\| +\| +\| How often\. +\|$/);
    expect(readFileSync(s.config, 'utf8')).toMatch(/\| `version` \| `1` +\| +\| yes +\|/);

    expect(genDocs(['--check', '--root', s.root])).toMatchObject({ code: 0, stderr: '' });
    // Deterministic: a second run changes nothing.
    genDocs(['--root', s.root]);
    expect(readFileSync(s.readme, 'utf8')).toBe(text);
  });

  it('fails when a plugin README lacks the markers', () => {
    const s = scratch('# demo\n\nno markers here\n');
    const r = genDocs(['--check', '--root', s.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('packages/sink-demo/README.md: needs exactly one');
  });

  it('fails with exit 2 when a plugin is not built', () => {
    const s = scratch(`${START}\n${END}\n`);
    rmSync(path.join(s.root, 'packages', 'sink-demo', 'dist'), { recursive: true });
    const r = genDocs(['--check', '--root', s.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('packages/sink-demo: no built schema');
  });
});
