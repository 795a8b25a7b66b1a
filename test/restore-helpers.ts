import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

// These tests drive the built CLI (`pnpm run build` runs before the suite) as a user would.
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

export const assertBuilt = () => {
  for (const command of ['restore.js', 'verify.js', path.join('keys', 'generate.js')])
    if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', command)))
      throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
};

/** No variable of the source's: restore, verify and keys must not need them. */
const withoutSourceSecrets = (): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CXONE_')));

/** Runs the CLI with `env` added to an environment that holds no CXONE_* variable. */
export const cli = (args: string[], env: Record<string, string> = {}, cwd = ROOT) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...withoutSourceSecrets(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
