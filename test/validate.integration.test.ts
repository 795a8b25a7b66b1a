import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTenant, ROOT, runTenant, type Tenant } from './helpers.js';

// `cxarchive validate` through the built CLI against the simulator and sink-fs: the checks a run
// would otherwise trip over, --connect's health checks, --no-env and --format json.
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

const cli = (args: string[], env: Record<string, string | undefined>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

interface JsonOut {
  valid: boolean;
  exitCode: number;
  checks: { label: string; status: string; checked: string[]; message?: string }[];
  findings: {
    severity: string;
    code: string;
    line?: number;
    column?: number;
    path: string;
    message: string;
  }[];
}

const tenants: Tenant[] = [];
const tenant = async (extra = {}) => {
  const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 3, ...extra });
  tenants.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'validate.js')))
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
});

const edit = (t: Tenant, from: string | RegExp, to: string) =>
  writeFileSync(t.file, readFileSync(t.file, 'utf8').replace(from, to));

describe('cxarchive validate --connect', () => {
  it('logs in to the simulator, lists one contact, reaches the fs sink and loads the key', async () => {
    const t = await tenant();
    const { code, stdout, stderr } = await cli(['validate', t.file, '--connect'], t.env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/source\s+ok: token obtained from http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/source\s+ok: listed completed contacts since 2026-01-01T00:00:00Z: found some/);
    expect(stdout).toMatch(/codec\s+ok: key: key kek:[0-9a-f]+ loaded \(file\)/);
    expect(stdout).toMatch(/sinks\[0\]\s+ok: head of a missing key answered "not found"/);
    // Nothing was written to the sink.
    expect(readdirSync(path.join(t.dir, 'archive')).filter((n) => !n.startsWith('.'))).toEqual([]);
    // No credential in the machine output either.
    const json = await cli(['validate', t.file, '--connect', '--format', 'json'], t.env);
    expect((JSON.parse(json.stdout) as JsonOut).checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    for (const name of ['CXONE_ACCESS_KEY_ID', 'CXONE_ACCESS_KEY_SECRET', 'CXONE_CLIENT_SECRET'])
      expect(json.stdout).not.toContain(t.env[name]!);
    expect(json.stdout).not.toContain(readFileSync(t.keyFile, 'utf8').trim());
  });

  it('exits 3 naming the source when CXone refuses the credentials, without printing them', async () => {
    const t = await tenant();
    const wrong = 'wrong-secret-canary-81c2';
    const { code, stderr } = await cli(['validate', t.file, '--connect'], {
      ...t.env,
      CXONE_CLIENT_SECRET: wrong,
    });
    expect(code).toBe(3);
    expect(stderr).toContain(`${t.file}:4:8: source (@cxarchive/source-cxone):`);
    expect(stderr).toContain('[check.failed]');
    expect(stderr).not.toContain(wrong);
    expect(stderr).not.toContain(t.env.CXONE_ACCESS_KEY_SECRET!);
  });

  it('fails a sink that cannot be created, at its use', async () => {
    const t = await tenant();
    writeFileSync(path.join(t.dir, 'blocker'), 'a file where the root should be');
    edit(t, 'root: ./archive', 'root: ./blocker/archive');
    const out = await cli(['validate', t.file, '--connect', '--format', 'json'], t.env);
    expect(out.code).toBe(3);
    const json = JSON.parse(out.stdout) as JsonOut;
    expect(json.findings).toEqual([
      expect.objectContaining({ severity: 'error', code: 'check.failed', path: 'sinks[0].with.root' }),
    ]);
    expect(json.checks.find((c) => c.label === 'sinks[0]')?.status).toBe('failed');
    expect(json.checks.find((c) => c.label === 'source')?.status).toBe('ok');
  });

  it('--write-probe writes one object under _probe/ in the sink', async () => {
    const t = await tenant();
    const { code, stdout } = await cli(['validate', t.file, '--write-probe'], t.env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/sinks\[0\]\s+ok: probe object written: _probe\/e2e-[\w-]+\.txt/);
    expect(readdirSync(path.join(t.dir, 'archive', '_probe'))).toHaveLength(1);
  });
});

describe('cxarchive validate: what a run would trip over', () => {
  it('a key file readable by others: exit 2 at key.path, with the chmod that fixes it', async () => {
    const t = await tenant();
    chmodSync(t.keyFile, 0o644);
    const { code, stderr } = await cli(['validate', t.file], t.env);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `${t.file}:15:40: codec (@cxarchive/codec-gzip-aes): could not start: key file ${t.keyFile} can be read by group or others (mode 0644)`,
    );
    expect(stderr).toContain('chmod 600');
    expect(stderr).toContain('(at codec.with.key.path) [key.unusable]');
  });

  it.skipIf(process.getuid?.() !== 0)('a key file owned by another user: exit 2', async () => {
    const t = await tenant();
    chownSync(t.keyFile, 4321, 4321);
    const { code, stderr } = await cli(['validate', t.file], t.env);
    expect(code).toBe(2);
    expect(stderr).toContain('belongs to user id 4321, not to the user running cxarchive');
  });

  it('a missing key file: exit 2', async () => {
    const t = await tenant();
    edit(t, './keys/tenant.key', './keys/missing.key');
    const { code, stderr } = await cli(['validate', t.file], t.env);
    expect(code).toBe(2);
    expect(stderr).toContain('[key.unusable]');
    expect(stderr).toContain('missing.key');
  });

  it('a replaced key for a tenant with archived objects: exit 2, fine again with the old key in readKeys', async () => {
    const t = await tenant();
    await runTenant(t, { env: t.env });
    copyFileSync(t.keyFile, path.join(t.dir, 'keys', 'old.key'));
    chmodSync(path.join(t.dir, 'keys', 'old.key'), 0o600);
    await writeKeyFile(path.join(t.dir, 'keys', 'new.key'));
    edit(t, './keys/tenant.key', './keys/new.key');
    const changed = await cli(['validate', t.file], t.env);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/written under key kek:[0-9a-f]+, which the configured keys cannot open/);
    expect(changed.stderr).toContain('(at codec.with.key) [key.changed]');
    edit(
      t,
      '{ key: { provider: file, path: ./keys/new.key } }',
      '{ key: { provider: file, path: ./keys/new.key }, readKeys: [{ provider: file, path: ./keys/old.key }] }',
    );
    const rotated = await cli(['validate', t.file], t.env);
    expect(rotated.stderr).not.toContain('key.changed');
    expect(rotated.code).toBe(0);
  });

  it('a since later than the stored checkpoint: a warning naming the gap, exit 0', async () => {
    const t = await tenant();
    await runTenant(t, { env: t.env });
    edit(t, 'since: 2026-01-01T00:00:00Z', 'since: 2099-01-01T00:00:00Z');
    const { code, stdout, stderr } = await cli(['validate', t.file], t.env);
    expect(code).toBe(0);
    expect(stdout).toContain('is valid');
    expect(stderr).toMatch(
      /warning: .*:11:12: since \(2099-01-01T00:00:00Z\) is later than where the stored checkpoint reached \(.+\): contacts updated between them will not be archived/,
    );
    expect(stderr).toContain('[checkpoint.gap]');
  });

  it('no issuer is a warning (production CXone), a plain-http issuer an error', async () => {
    const t = await tenant();
    edit(t, '    issuer: ${CXONE_ISSUER}\n', '');
    const missing = await cli(['validate', t.file, '--format', 'json'], t.env);
    expect(missing.code).toBe(0);
    const json = JSON.parse(missing.stdout) as JsonOut;
    expect(json.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'cxone.issuer-default',
        path: 'source.with.issuer',
        line: 6,
      }),
    ]);
    expect(json.findings[0]?.message).toContain('production CXone (https://cxone.niceincontact.com)');
    edit(t, '  with:\n', '  with:\n    issuer: http://cxone.example.com\n');
    const plain = await cli(['validate', t.file], t.env);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(':6:13: issuer must be https (plain http only to a loopback host)');
    expect(plain.stderr).toContain('[cxone.url]');
  });
});

describe('cxarchive validate --no-env', () => {
  it('checks the structure without secrets: unset variables are notes, exit 0', async () => {
    const t = await tenant();
    const { code, stdout } = await cli(['validate', t.file, '--no-env', '--format', 'json'], {
      CXONE_ISSUER: undefined,
      CXONE_ACCESS_KEY_ID: undefined,
      CXONE_ACCESS_KEY_SECRET: undefined,
      CXONE_CLIENT_ID: undefined,
      CXONE_CLIENT_SECRET: undefined,
    });
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as JsonOut;
    expect(json.valid).toBe(true);
    expect(json.findings.length).toBeGreaterThanOrEqual(5);
    expect(json.findings.every((f) => f.severity === 'note')).toBe(true);
    expect(json.findings.map((f) => f.code)).toContain('env.unset');
  });

  it('still fails on a structural error', async () => {
    const t = await tenant();
    edit(t, 'concurrency: 3', 'concurency: 3');
    const { code, stderr } = await cli(['validate', t.file, '--no-env'], { CXONE_CLIENT_SECRET: undefined });
    expect(code).toBe(2);
    expect(stderr).toContain('unknown key "concurency"');
    expect(stderr).toContain('[schema.unknown-key]');
  });

  it('refuses --connect with --no-env', async () => {
    const t = await tenant();
    const { code, stderr } = await cli(['validate', t.file, '--no-env', '--connect'], t.env);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot go with --no-env');
  });
});
