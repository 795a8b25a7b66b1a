import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// Hostile pipeline files through the built CLI, each in its own process: the exit code, a located
// message, and bounds: the V8 heap is capped (--max-old-space-size), so a file that made the
// loader grow would crash the process (exit 134) instead of passing; every case must finish (the
// test's timeout). Plugin loads are given 1 s (CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS).
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const HEAP_MB = 160;

const validate = (file: string, extra: string[] = []) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, BIN, 'validate', file, ...extra],
      {
        env: { ...process.env, CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS: '1000', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      if (stdout.length < 1_000_000) stdout += d;
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 1_000_000) stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

const VALID = `version: 1
tenant: acme
source: { use: cxone, with: { issuer: "http://127.0.0.1:1", accessKeyId: a, accessKeySecret: b, clientId: c, clientSecret: d, since: "2026-01-01T00:00:00Z" } }
codec: { use: gzip-aes, with: { key: { provider: env, variable: NO_SUCH_KEY_VARIABLE } } }
sinks: [{ use: fs, with: { root: ./archive } }]
`;

const tenant = (content: string | Buffer) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-hostile-cli-'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(file, content);
  return { dir, file };
};

/** The pipeline with the source replaced by `use`. */
const withSource = (use: string) => VALID.replace(/^source: .*$/m, `source: { use: ${JSON.stringify(use)} }`);

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'validate.js')))
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
});

describe('validate on hostile pipeline files', () => {
  it('an alias bomb: exit 2 at its first alias', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      bomb.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    }
    const { file } = tenant(`${bomb.join('\n')}\n`);
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:2:8: YAML aliases (*name) here expand to too many nodes`);
    expect(stderr).toContain('[yaml.alias-limit]');
    expect(stderr).not.toContain('ReferenceError');
  });

  it('a 50 MB value: refused before parsing, the value never printed', async () => {
    const { file } = tenant(VALID.replace('tenant: acme', `tenant: ${'a'.repeat(50 * 1024 * 1024)}`));
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain('is 50.0 MiB, over the 1 MiB limit for a pipeline file');
    expect(stderr).toContain('[file.too-large]');
    expect(stderr.length).toBeLessThan(2_000);
  });

  it('40,000 unknown keys: a bounded list, exit 2', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}x: 1`).join('\n');
    const { file } = tenant(`${VALID}${keys}\n`);
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:6:1: unknown key "k0x"`);
    expect(stderr).toContain('[schema.too-many]');
    expect(stderr.split('\n').filter((l) => l.includes('[schema.unknown-key]')).length).toBeLessThanOrEqual(
      50,
    );
  });

  it('a Latin-1 byte: located, never U+FFFD, nothing created', async () => {
    const { dir, file } = tenant(
      Buffer.concat([
        Buffer.from(`${VALID}state: { path: ./archiv`),
        Buffer.from([0xe9]),
        Buffer.from('.db }\n'),
      ]),
    );
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:6:24: is not valid UTF-8: byte 0xe9`);
    expect(stderr).not.toContain('\uFFFD');
    expect(existsSync(path.join(dir, 'archiv\uFFFD.db'))).toBe(false);
  });

  it('a UTF-16 file: says to save it as UTF-8', async () => {
    const { file } = tenant(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]));
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:1:1: is UTF-16 encoded`);
    expect(stderr).toContain('[file.encoding]');
  });

  it('state.path: /dev/null is refused and no /dev/null-journal appears', async () => {
    const { file } = tenant(`${VALID}state: { path: /dev/null }\n`);
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:6:16: state.path is a character device, not a ledger file`);
    expect(existsSync('/dev/null-journal')).toBe(false);
  });

  it('a path plugin that calls process.exit(0) while loading: exit 2, located', async () => {
    const { dir, file } = tenant(withSource('./exit.mjs'));
    writeFileSync(path.join(dir, 'exit.mjs'), 'process.exit(0);\nexport default 1;\n');
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `${file}:3:16: "./exit.mjs" called process.exit(0) while loading (at source.use)`,
    );
    expect(stderr).toContain('[plugin.unresolved]');
  });

  it('a path plugin that never finishes loading: exit 2 after the load timeout', async () => {
    const { dir, file } = tenant(withSource('./hang.mjs'));
    writeFileSync(path.join(dir, 'hang.mjs'), 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\n');
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3:16: "./hang.mjs" did not finish loading within 1 s`);
  });

  it('use: /dev/zero: refused without reading it', async () => {
    const { file } = tenant(withSource('/dev/zero'));
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `${file}:3:16: source plugin "/dev/zero" is a character device, not a plugin file`,
    );
  });

  it('a directory without package.json: a located error, not a raw ENOENT', async () => {
    const { dir, file } = tenant(withSource('./plugin-dir'));
    mkdirSync(path.join(dir, 'plugin-dir'));
    const { code, stderr } = await validate(file);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `${file}:3:16: directory "${path.join(dir, 'plugin-dir')}" has no package.json: it is not a plugin package`,
    );
    expect(stderr).not.toContain('ENOENT');
  });

  it('an unquoted ${A}:${B} in flow style: one message saying to quote it', async () => {
    const { file } = tenant(VALID.replace('root: ./archive', 'root: ${A}:${B}'));
    const { code, stdout, stderr } = await validate(file, ['--format', 'json']);
    expect(code).toBe(2);
    const out = JSON.parse(stdout) as { findings: { code: string; line: number }[] };
    expect(out.findings).toEqual([expect.objectContaining({ code: 'yaml.quote-reference', line: 5 })]);
    expect(stderr).not.toContain('YAML:');
  });
});
