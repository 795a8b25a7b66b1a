import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers.js';

/** The built CLI (`pnpm run build` runs before the suite). */
export const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `cxarchive args…` as a user would, with stdin a pipe that stays open unless `input` is
 * given (so a command that waited for an answer would hang, and the timeout would show it).
 */
export const cli = (
  args: string[],
  {
    env = {},
    cwd = ROOT,
    input,
    timeoutMs = 60_000,
  }: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {},
) =>
  new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `cxarchive ${args.join(' ')} did not finish in ${timeoutMs} ms (waiting for input?)\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
