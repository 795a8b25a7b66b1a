import { format } from 'node:util';
import { vi } from 'vitest';
import { CLI_DIR } from './helpers.js';

/**
 * Runs a CLI command through its oclif `run` entry point, as the binary does, capturing stdout
 * (also what `this.log` prints) and stderr; `exit` is the code it exited with (undefined: 0).
 */
export const runCommand = async (
  command: { run(argv: string[], opts: string): Promise<unknown> },
  argv: string[],
) => {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.push(`${format(...args)}\n`);
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  // Node's process warnings (oclif's, about other commands' modules) are not the command's output.
  vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  let exit: number | undefined;
  try {
    await command.run(argv, CLI_DIR);
  } catch (e) {
    exit = (e as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw e;
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout: out.join(''), stderr: err.join(''), exit };
};
