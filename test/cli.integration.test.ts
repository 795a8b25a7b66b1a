import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqliteLedger, processHost } from '@cxarchive/core/host';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, ROOT, type Tenant } from './helpers.js';

// These tests drive the built CLI (`pnpm run build` runs before the suite) as a user would.
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

const cli = (args: string[], env: Record<string, string> = {}, cwd = ROOT) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** The report line `run --json` ends with (JSON Lines: every event first). */
const reportLine = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!);

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'run.js'))) {
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
  }
});

describe('cxarchive validate', () => {
  it('accepts a valid pipeline and names every plugin it resolved', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }');
    tenants.push(t);
    const { code, stdout } = await cli(['validate', t.file], t.env);
    expect(code).toBe(0);
    expect(stdout).toContain('is valid (tenant e2e)');
    expect(stdout).toMatch(/source\s+@cxarchive\/source-cxone@0\.1\.0/);
    expect(stdout).toMatch(/sinks\[0\]\s+@cxarchive\/sink-fs@0\.1\.0/);
  });

  it('rejects a broken file with exit 2 and the line of every problem', async () => {
    const t = await makeTenant('  - use: fs\n    with: { rot: ./archive }');
    tenants.push(t);
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('concurrency: 3', 'concurency: 3'));
    const { code, stderr, stdout } = await cli(['validate', t.file], t.env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${t.file}:20:1: unknown key "concurency"`);
    expect(stderr).toContain('did you mean "concurrency"?');
    expect(stderr).toMatch(
      new RegExp(
        `${t.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:18:13: unknown key "rot" \\(at sinks\\[0\\]\\.with\\.rot\\)`,
      ),
    );
    expect(stderr).toContain('did you mean "root"?');
  });

  it('names an unset environment variable without printing any secret', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }');
    tenants.push(t);
    const { CXONE_CLIENT_SECRET: _unset, ...env } = t.env;
    const { code, stderr } = await cli(['validate', t.file], { ...env, CXONE_CLIENT_SECRET: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('environment variable CXONE_CLIENT_SECRET is not set');
    expect(stderr).not.toContain(t.env.CXONE_ACCESS_KEY_SECRET!);
  });
});

describe('cxarchive run', () => {
  it('archives, writes the report where asked, and prints a summary', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 5 });
    tenants.push(t);
    const reportFile = path.join(t.dir, 'out', 'report.json');
    const { code, stdout, stderr } = await cli(['run', t.file, '--report', reportFile], t.env);
    expect(stderr).not.toContain(t.env.CXONE_ACCESS_KEY_SECRET!);
    expect(code).toBe(0);
    expect(stdout).toContain('archived 5, failed 0, skipped 0');
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.counts).toMatchObject({ archived: 5, failed: 0, skipped: 0 });
  });

  it('exits 3 while another live run holds the tenant', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 2 });
    tenants.push(t);
    const ledger = openSqliteLedger(path.join(t.dir, '.cxarchive', 'e2e.db'));
    await ledger.acquireLease(
      'e2e',
      {
        runId: 'other-run',
        pid: process.pid,
        host: processHost(),
        since: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
      new Date(),
    );
    await ledger.close();
    const { code, stderr } = await cli(['run', t.file], t.env);
    expect(code).toBe(3);
    expect(stderr).toContain('another run (other-run');
  });

  it('unlock releases a tenant held by a run that is gone, without the source credentials', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 2 });
    tenants.push(t);
    const ledger = openSqliteLedger(path.join(t.dir, '.cxarchive', 'e2e.db'));
    await ledger.recordRun('gone-run', 'e2e', new Date());
    await ledger.acquireLease(
      'e2e',
      {
        runId: 'gone-run',
        pid: 1,
        host: 'another-host',
        since: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      new Date(),
    );
    await ledger.close();
    expect((await cli(['run', t.file], t.env)).code).toBe(3);
    // only the tenant and the ledger's place are needed: no CXONE_* variables set here
    const unlocked = await cli(['unlock', t.file], { CXONE_ISSUER: t.env.CXONE_ISSUER! });
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain('released tenant e2e: run gone-run (pid 1 on another-host');
    expect((await cli(['unlock', t.file], {})).stdout).toContain('tenant e2e was not locked');
    const { code, stdout } = await cli(['run', t.file, '--json'], t.env);
    expect(code).toBe(0);
    expect(reportLine(stdout).counts.archived).toBe(2);
  });

  it('sync fills a sink added after the tenant was archived, which run warns about until then', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 3 });
    tenants.push(t);
    expect((await cli(['run', t.file], t.env)).code).toBe(0);
    writeFileSync(
      t.file,
      readFileSync(t.file, 'utf8').replace(
        '  - use: fs\n    with: { root: ./archive }',
        '  - use: fs\n    with: { root: ./archive }\n  - use: fs\n    with: { root: ./second }',
      ),
    );
    const lagging = await cli(['run', t.file, '--json'], t.env);
    expect(lagging.code).toBe(0);
    const warning = (reportLine(lagging.stdout).warnings as string[]).find((w) => w.startsWith('sinks[1]'));
    expect(warning).toMatch(/lacks \d+ objects .*cxarchive sync/);
    const synced = await cli(['sync', t.file], t.env);
    expect(synced.code).toBe(0);
    expect(listFiles(path.join(t.dir, 'second'))).toEqual(listFiles(path.join(t.dir, 'archive')));
    const after = await cli(['run', t.file, '--json'], t.env);
    expect((reportLine(after.stdout).warnings as string[]).filter((w) => w.includes('lacks'))).toEqual([]);
  });

  it('exits 3 (could not start) and reports why when the source refuses the credentials', async () => {
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 2 });
    tenants.push(t);
    const { code, stdout } = await cli(['run', t.file, '--json'], {
      ...t.env,
      CXONE_ACCESS_KEY_SECRET: 'wrong-secret-canary',
    });
    expect(code).toBe(3);
    const report = reportLine(stdout);
    expect(report.status).toBe('failed');
    expect(report.error.errorTag).toBe('Auth');
    expect(stdout).not.toContain('wrong-secret-canary');
  });
});
