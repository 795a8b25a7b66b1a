import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

// docs/cli.md: one generated block per command (scripts/gen-cli-docs.mjs, from the built oclif
// classes), between `<!-- cli:<id>:start -->` and `<!-- cli:<id>:end -->`.
interface CommandClass {
  summary?: string;
  hidden?: boolean;
  flags?: Record<string, { hidden?: boolean; char?: string; default?: unknown }>;
  args?: Record<string, unknown>;
  examples?: unknown[];
}

const COMMANDS = path.join(ROOT, 'packages', 'cli', 'dist', 'commands');
const CLI_MD = path.join(ROOT, 'docs', 'cli.md');

const commandIds = (dir: string, prefix: string[] = []): Array<[string, string]> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, string]> => {
    if (e.isDirectory()) return commandIds(path.join(dir, e.name), [...prefix, e.name]);
    if (!e.name.endsWith('.js') || e.name.endsWith('.test.js')) return [];
    return [[[...prefix, e.name.slice(0, -3)].join(':'), path.join(dir, e.name)]];
  });

const blockOf = (text: string, id: string): string | undefined => {
  const start = text.indexOf(`<!-- cli:${id}:start -->`);
  const end = text.indexOf(`<!-- cli:${id}:end -->`);
  return start < 0 || end < start ? undefined : text.slice(start, end);
};

describe('docs/cli.md command reference', () => {
  it('has a block for every command with its usage, summary, every flag and every argument', async () => {
    const text = readFileSync(CLI_MD, 'utf8');
    const ids = commandIds(COMMANDS);
    const index = blockOf(text, 'commands');
    expect(index).toBeDefined();
    expect(ids.map(([id]) => id)).toEqual(
      expect.arrayContaining(['init', 'validate', 'plan', 'run', 'status', 'report']),
    );
    for (const [id, file] of ids) {
      const cls = (await import(pathToFileURL(file).href)).default as CommandClass;
      if (cls.hidden) continue;
      expect(index).toMatch(new RegExp(`^\\| \`cxarchive ${id.split(':').join(' ')}\` +\\| \\S`, 'm'));
      const block = blockOf(text, id);
      expect(block, `no block for ${id}`).toBeDefined();
      expect(block).toContain(`cxarchive ${id.split(':').join(' ')}`);
      expect(block).toContain((cls.summary ?? '').replace(/[<>*]/g, '').slice(0, 30));
      for (const [name, flag] of Object.entries(cls.flags ?? {})) {
        if (flag.hidden) continue;
        expect(block, `${id} --${name}`).toMatch(
          new RegExp(`\\| \`(-${flag.char ?? 'x'}, )?--(\\[no-\\])?${name}[ \`]`),
        );
        if (typeof flag.default === 'string' || typeof flag.default === 'number')
          expect(block).toContain(`\`${flag.default}\``);
      }
      for (const name of Object.keys(cls.args ?? {})) expect(block).toContain(`| ${name.toUpperCase()} `);
      if ((cls.examples ?? []).length > 0) expect(block).toContain('Examples:');
      expect(block).not.toContain('<%=');
    }
  });

  describe('on a copy of the repository', () => {
    const roots: string[] = [];
    afterEach(() => {
      for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
    });

    /** A scratch root: the real built cli and core packages, copies of the docs. */
    const copy = (edit: (cli: string) => string) => {
      const root = mkdtempSync(path.join(tmpdir(), 'cxarchive-gen-cli-docs-'));
      roots.push(root);
      mkdirSync(path.join(root, 'packages'));
      mkdirSync(path.join(root, 'docs'));
      for (const pkg of ['cli', 'core'])
        symlinkSync(path.join(ROOT, 'packages', pkg), path.join(root, 'packages', pkg));
      for (const doc of ['cli.md', 'configuration.md'])
        copyFileSync(path.join(ROOT, 'docs', doc), path.join(root, 'docs', doc));
      const file = path.join(root, 'docs', 'cli.md');
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      return { root, file };
    };

    it('detects a stale block without writing, regenerates it and keeps the prose around it', () => {
      const real = readFileSync(CLI_MD, 'utf8');
      const s = copy((text) => text.replace(/(\| `--limit <n>` +\| )integer[^|]*\|/, '$1string |'));
      const stale = readFileSync(s.file, 'utf8');
      expect(stale).not.toBe(real);

      const check = genDocs(['--check', '--root', s.root]);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('stale command reference: docs/cli.md');
      expect(readFileSync(s.file, 'utf8')).toBe(stale);

      expect(genDocs(['--root', s.root]).code).toBe(0);
      expect(readFileSync(s.file, 'utf8')).toBe(real);
      expect(genDocs(['--check', '--root', s.root])).toMatchObject({ code: 0, stderr: '' });
    });

    it('fails naming a command whose block is missing, and markers naming no command', () => {
      const s = copy((text) =>
        text
          .replace('<!-- cli:commands:end -->\n', '')
          .replace('<!-- cli:status:start -->\n', '')
          .replace(
            '<!-- cli:status:end -->\n',
            '<!-- cli:frobnicate:start -->\n<!-- cli:frobnicate:end -->\n',
          ),
      );
      const before = readFileSync(s.file, 'utf8');
      const r = genDocs(['--root', s.root]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('docs/cli.md: no block for the command `status`');
      expect(r.stderr).toContain('docs/cli.md: markers for `frobnicate`, which is not a command');
      expect(r.stderr).toContain('docs/cli.md: needs one list of the commands');
      expect(readFileSync(s.file, 'utf8')).toBe(before);
    });

    it('fails with exit 2 when the command line is not built', () => {
      const root = mkdtempSync(path.join(tmpdir(), 'cxarchive-gen-cli-docs-'));
      roots.push(root);
      mkdirSync(path.join(root, 'packages', 'cli'), { recursive: true });
      writeFileSync(path.join(root, 'packages', 'cli', 'package.json'), '{"name":"@cxarchive/cli"}');
      symlinkSync(path.join(ROOT, 'packages', 'core'), path.join(root, 'packages', 'core'));
      mkdirSync(path.join(root, 'docs'));
      copyFileSync(path.join(ROOT, 'docs', 'configuration.md'), path.join(root, 'docs', 'configuration.md'));
      const r = genDocs(['--check', '--root', root]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('packages/cli/dist/commands is missing');
    });
  });
});
