import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
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

// Schemas are checked with the ajv core compiles its own with (draft-07, ajv-formats, strict off
// for the x-cxarchive-secret keyword), as an editor's validator would.
const fromCore = createRequire(path.join(ROOT, 'packages', 'core', 'package.json'));
interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}
export type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
type AjvInstance = { compile(schema: object): Validator };
const { Ajv } = fromCore('ajv') as { Ajv: new (options: object) => AjvInstance };
const addFormats = fromCore('ajv-formats') as { default: (ajv: AjvInstance) => void };
// biome-ignore lint/suspicious/noExplicitAny: a parsed pipeline file, changed by each test as it needs.
export type Pipeline = Record<string, any>;
/** The YAML parser core reads pipeline files with. */
export const YAML = fromCore('yaml') as { parse(text: string): Pipeline };

export const compile = (schema: object): Validator => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
};
