import { execFile, spawn } from 'node:child_process';
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
import { promisify } from 'node:util';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, simulatorEnv } from './helpers.js';

// `@cxarchive/cli` installed as a user installs it: every workspace package the CLI needs is packed
// with `pnpm pack` (which turns `workspace:*` into versions), the tarballs are installed together
// with npm into an empty directory outside the repository (third-party dependencies come from the
// registry), and the installed `cxarchive` is run there against the simulator with sink-fs.

const execFileAsync = promisify(execFile);
/** The repository's Node first: the packed bin's `#!/usr/bin/env node` must find a Node 22. */
const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The workspace packages by name, with their directories. */
const workspacePackages = (): Map<string, { dir: string; manifest: Manifest }> => {
  const packages = new Map<string, { dir: string; manifest: Manifest }>();
  for (const entry of readdirSync(path.join(ROOT, 'packages'))) {
    const dir = path.join(ROOT, 'packages', entry);
    if (!existsSync(path.join(dir, 'package.json'))) continue;
    const manifest = readManifest(path.join(dir, 'package.json'));
    packages.set(manifest.name, { dir, manifest });
  }
  return packages;
};

/** The CLI and every workspace package it depends on, directly or not (peers included). */
const packagesOfCli = (): string[] => {
  const all = workspacePackages();
  const needed = new Set<string>();
  const visit = (name: string) => {
    const found = all.get(name);
    if (!found || needed.has(name)) return;
    needed.add(name);
    const { dependencies = {}, peerDependencies = {} } = found.manifest;
    for (const dependency of [...Object.keys(dependencies), ...Object.keys(peerDependencies)])
      visit(dependency);
  };
  visit('@cxarchive/cli');
  return [...needed].map((name) => all.get(name)!.dir);
};

const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** Why the registry cannot be used from here, or undefined when it can. */
const registryProblem = async (): Promise<string | undefined> => {
  try {
    await execFileAsync(
      'npm',
      ['view', '@oclif/core@5.1.9', 'version', '--fetch-timeout=15000', '--fetch-retries=0'],
      {
        env: { ...process.env, PATH },
        timeout: 30_000,
      },
    );
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `the npm registry is not reachable (npm view @oclif/core failed: ${message})`;
  }
};

let work = '';
let app = '';
let skipReason: string | undefined;
let simulator: RunningSimulator | undefined;
let tarballs: string[] = [];

beforeAll(async () => {
  const unbuilt = packagesOfCli().filter((dir) => !existsSync(path.join(dir, 'dist')));
  if (unbuilt.length > 0) {
    throw new Error(`not built: ${unbuilt.join(', ')}; run \`pnpm run build\` first (npm test does)`);
  }
  skipReason = await registryProblem();
  if (skipReason) return;
  work = mkdtempSync(path.join(tmpdir(), 'cxarchive-install-'));
  const packed = path.join(work, 'tarballs');
  mkdirSync(packed);
  for (const dir of packagesOfCli()) {
    const result = await run('pnpm', ['pack', '--pack-destination', packed], dir);
    if (result.code !== 0) throw new Error(`pnpm pack in ${dir} failed: ${result.stderr}`);
  }
  tarballs = readdirSync(packed).map((file) => path.join(packed, file));
  app = path.join(work, 'tenant');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), '{ "name": "tenant", "private": true }\n');
  const installed = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs],
    app,
  );
  if (installed.code !== 0) throw new Error(`npm install failed (${installed.code}): ${installed.stderr}`);
  simulator = await startSimulator({ seed: 11, contacts: 6, recordingSeconds: [1, 3] });
}, 170_000);

afterAll(async () => {
  await simulator?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cxarchive = (args: string[], env: Record<string, string> = {}) =>
  run(path.join(app, 'node_modules', '.bin', 'cxarchive'), args, app, env);

describe('@cxarchive/cli installed with npm outside the repository', () => {
  it('packs every workspace package the CLI needs with its workspace: ranges turned into versions', (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    expect(tarballs.length).toBe(packagesOfCli().length);
    const cli = tarballs.find((file) => path.basename(file).startsWith('cxarchive-cli-'));
    expect(cli).toBeDefined();
    const manifest = readManifest(path.join(app, 'node_modules', '@cxarchive', 'cli', 'package.json'));
    const ranges = Object.values(manifest.dependencies ?? {});
    expect(ranges.filter((range) => range.startsWith('workspace:'))).toEqual([]);
    expect(manifest.dependencies?.['@cxarchive/core']).toBe(manifest.version);
    // nothing of the repository is reachable from the installed package
    expect(existsSync(path.join(app, 'node_modules', '@cxarchive', 'cli', 'src'))).toBe(false);
  });

  it('prints its version', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { code, stdout } = await cxarchive(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^@cxarchive\/cli\/0\.1\.0 \S+ node-v22\./);
  });

  it('makes a tenant directory with init, validates it and archives from the simulator into sink-fs', async (ctx) => {
    if (skipReason || !simulator) return ctx.skip(skipReason ?? 'no simulator');
    const init = await cxarchive(['init', '--tenant', 'installed', '--sink', 'fs', '--since', '2026-01-01']);
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(path.join(app, 'keys', 'installed.key'))).toBe(true);
    expect(readFileSync(path.join(app, 'archive.pipeline.yaml'), 'utf8')).toContain('use: fs');
    const env = simulatorEnv(simulator);
    const valid = await cxarchive(['validate'], env);
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('is valid (tenant installed)');
    // resolved from the installation, not from the repository
    expect(valid.stdout).toMatch(/sinks\[0\]\s+@cxarchive\/sink-fs@0\.1\.0/);

    const ran = await cxarchive(['run', '--json'], env);
    expect(ran.code, ran.stderr).toBe(0);
    // the report: the whole output, or the last of its JSON Lines
    const json = (() => {
      try {
        return JSON.parse(ran.stdout);
      } catch {
        return JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? '');
      }
    })();
    const report = json as { status: string; counts: { archived: number; failed: number } };
    expect(report.status).toBe('succeeded');
    expect(report.counts.failed).toBe(0);
    expect(report.counts.archived).toBeGreaterThan(0);
    const stored = readdirSync(path.join(app, 'archive'), { recursive: true }).map(String);
    expect(stored.filter((file) => file.endsWith('.cxar')).length).toBeGreaterThanOrEqual(
      report.counts.archived,
    );
    for (const secret of [env.CXONE_ACCESS_KEY_SECRET!, env.CXONE_CLIENT_SECRET!]) {
      expect(ran.stdout + ran.stderr).not.toContain(secret);
    }
  });
});
