import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on loopback (asks the kernel; the port is free when this returns). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Polls `ready` every `everyMs` until it resolves true, or fails after `timeoutMs` naming `what`. */
export const waitUntil = async (
  what: string,
  ready: () => Promise<boolean>,
  { timeoutMs = 60_000, everyMs = 200 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** True once something answers HTTP at `url` (any status). */
export const answersHttp = async (url: string): Promise<boolean> => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
};

/** Stops a process by pid: SIGTERM, then SIGKILL after `graceMs` if it is still there. */
export const stopPid = async (pid: number, graceMs = 5000): Promise<void> => {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(pid, 'SIGKILL');
};

/** A background process started by a fixture, with its output kept for error messages. */
export interface Background {
  readonly child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

export const startBackground = (
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Background => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => lines.join('\n').trim(),
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null) await stopPid(child.pid);
    },
  };
};
