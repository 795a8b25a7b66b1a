import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { escapeControl } from '@cxarchive/core/host';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLI_PACKAGE_DIR } from '../pipeline-setup.js';
import Validate from './validate.js';

// Local plugins: plain definitions, so the test needs no built package; create() answers with an
// object shaped like an Ok Result of an instance without a health check.
const plugin = (kind: string, name: string) =>
  `export default { kind: '${kind}', name: '${name}', apiVersion: 2, configSchema: { type: 'object' }, create() { return { isErr: () => false, isOk: () => true, value: {} }; } };\n`;

/** A pipeline directory whose path, plugin path and plugin package carry control characters. */
const hostileTenant = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-validate-'));
  const nested = path.join(dir, 'a\n\u001b[31mforged\u202e');
  mkdirSync(nested);
  writeFileSync(path.join(nested, 'source.mjs'), plugin('source', 'src'));
  writeFileSync(path.join(nested, 'codec.mjs'), plugin('codec', 'codec'));
  const sinkFile = 'sink\n  notifiers[0]     evil@1.mjs';
  writeFileSync(path.join(nested, sinkFile), plugin('sink', 'sink'));
  const pkg = path.join(nested, 'evil-pkg');
  mkdirSync(pkg);
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: 'evil\u001b[2J',
      version: '1.0.0\ninjected',
      type: 'module',
      exports: './index.mjs',
      cxarchive: { kind: 'notifier', apiVersion: 2 },
    }),
  );
  writeFileSync(path.join(pkg, 'index.mjs'), plugin('notifier', 'evil'));
  const file = path.join(nested, 'archive.pipeline.yaml');
  const pipeline = `version: 1
tenant: acme
source: { use: ./source.mjs }
codec: { use: ./codec.mjs }
sinks: [{ use: ${JSON.stringify(`./${sinkFile}`)} }]
notifiers: [{ use: ./evil-pkg }]
`;
  writeFileSync(file, pipeline);
  return { file, pipeline };
};

const run = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  // oclif's `this.log` prints through console.log.
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.push(`${format(...args)}\n`);
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  let exit: number | undefined;
  try {
    await Validate.run(argv, CLI_PACKAGE_DIR);
  } catch (e) {
    exit = (e as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw e;
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout: out.join(''), stderr: err.join(''), exit };
};

afterEach(() => vi.restoreAllMocks());

describe('cxarchive validate output', () => {
  it('shows hostile paths and package names escaped, one line per plugin', async () => {
    const { file } = hostileTenant();
    const { stdout, exit } = await run([file]);
    expect(exit).toBeUndefined();
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`${escapeControl(file)} is valid (tenant acme)`);
    expect(lines[3]).toBe('  sinks[0]       ./sink\\n  notifiers[0]     evil@1.mjs@0.0.0');
    expect(lines[4]).toBe('  notifiers[0]   evil\\x1b[2J@1.0.0\\ninjected');
    expect(escapeControl(stdout.replace(/\n/g, ''))).toBe(stdout.replace(/\n/g, ''));
  });

  it('shows every problem of an invalid file escaped, and exits 2', async () => {
    const { file, pipeline } = hostileTenant();
    writeFileSync(file, pipeline.replace('tenant: acme', 'tenant: "x\\n\\u001b[0m:1:1: ok"'));
    const { stderr, exit } = await run([file]);
    expect(exit).toBe(2);
    expect(stderr).toContain(`${escapeControl(file)}:2:9: "x\\n\\x1b[0m:1:1: ok" must match pattern`);
    expect(stderr).not.toContain('\u001b');
  });

  it('refuses a device as the pipeline file', async () => {
    const { stderr, exit } = await run(['/dev/null']);
    expect(exit).toBe(2);
    expect(stderr).toContain('/dev/null: is a character device, not a pipeline file');
  });
});

describe('cxarchive validate: codes, JSON and hostile plugins (in process)', () => {
  const tenantWith = (source: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-validate-'));
    writeFileSync(path.join(dir, 'codec.mjs'), plugin('codec', 'codec'));
    writeFileSync(path.join(dir, 'sink.mjs'), plugin('sink', 'sink'));
    const file = path.join(dir, 'archive.pipeline.yaml');
    writeFileSync(
      file,
      `version: 1\ntenant: acme\nsource: { use: ${source} }\ncodec: { use: ./codec.mjs }\nsinks: [{ use: ./sink.mjs }]\nconcurency: 3\n`,
    );
    return { dir, file };
  };

  it('prints every finding as JSON with its code and place, and exits 2', async () => {
    const { dir, file } = tenantWith('./source.mjs');
    writeFileSync(path.join(dir, 'source.mjs'), plugin('source', 'src'));
    const { stdout, exit } = await run([file, '--format', 'json']);
    expect(exit).toBe(2);
    const out = JSON.parse(stdout) as { valid: boolean; exitCode: number; findings: unknown[] };
    expect(out).toMatchObject({ valid: false, exitCode: 2 });
    expect(out.findings).toEqual([
      {
        severity: 'error',
        code: 'schema.unknown-key',
        file,
        line: 6,
        column: 1,
        path: 'concurency',
        message: 'unknown key "concurency"',
        hint: 'did you mean "concurrency"?',
      },
    ]);
  });

  it('puts the severity and the code around each line of text', async () => {
    const { dir, file } = tenantWith('./source.mjs');
    writeFileSync(path.join(dir, 'source.mjs'), plugin('source', 'src'));
    const { stderr, exit } = await run([file]);
    expect(exit).toBe(2);
    expect(stderr).toContain(
      `1 problem in the pipeline file:\n  error: ${escapeControl(file)}:6:1: unknown key "concurency" (at concurency) [schema.unknown-key]\n    did you mean "concurrency"?`,
    );
  });

  it('survives a plugin that calls process.exit(0) while loading, and reports it with the other problems', async () => {
    const { dir, file } = tenantWith('./exit.mjs');
    writeFileSync(path.join(dir, 'exit.mjs'), 'process.exit(0);\n');
    const { stderr, exit } = await run([file]);
    expect(exit).toBe(2);
    expect(stderr).toContain('2 problems in the pipeline file:');
    expect(stderr).toContain(
      ':3:16: "./exit.mjs" called process.exit(0) while loading (at source.use) [plugin.unresolved]',
    );
    expect(stderr).toContain('[schema.unknown-key]');
  });
});
