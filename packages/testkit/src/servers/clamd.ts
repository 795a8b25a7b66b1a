import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, stopPid, waitUntil } from './process.js';

const run = promisify(execFile);

/**
 * The EICAR anti-malware test file (68 bytes), which every scanner reports and which is harmless.
 * Assembled at run time so that no file of this repository holds it whole (a scanner on a
 * developer's machine would quarantine the file).
 */
export const eicarTestFile = (): Buffer =>
  Buffer.from(
    ['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join(''),
    'latin1',
  );

/**
 * The bytes of the fixture's own signature (an `.ndb` body signature, matched at any offset): a
 * file that contains them is reported as `CLAMD_CUSTOM_SIGNATURE`. Assembled at run time for the
 * same reason as EICAR.
 */
export const clamdCustomMarker = (): Buffer =>
  Buffer.from(['CXARCHIVE', 'TEST-MALWARE-MARKER', '7f3a'].join('-'));

/** How clamd reports the two signatures of the fixture's database (local signatures get `.UNOFFICIAL`). */
export const CLAMD_EICAR_SIGNATURE = 'Local.Test.EICAR.UNOFFICIAL';
export const CLAMD_CUSTOM_SIGNATURE = 'Cxarchive.Test.Marker.UNOFFICIAL';

/** A private clamd on a unix socket and a loopback TCP port, with a local signature database. */
export interface Clamd {
  /** Its unix socket (LocalSocket). */
  readonly socket: string;
  readonly host: '127.0.0.1';
  /** Its TCP port (TCPSocket). */
  readonly port: number;
  /** The scratch directory (config, database, log, socket): for debugging. */
  readonly dir: string;
  /** Stops the daemon and keeps its directory and config: `start` brings it back on the same socket and port. */
  kill(): Promise<void>;
  /** Starts the daemon again after `kill` (same config, same socket and port), ready when it resolves. */
  start(): Promise<void>;
  /** Stops the daemon and removes the scratch directory. */
  stop(): Promise<void>;
}

export interface ClamdOptions {
  /** clamd's StreamMaxLength (e.g. `1M`): the most an INSTREAM scan accepts. Default clamd's (100M). */
  readonly streamMaxLength?: string;
  /** How long to wait for clamd to answer PING (default 60 s; it loads its database first). */
  readonly readyTimeoutMs?: number;
}

const APT_LOCK = path.join(tmpdir(), 'cxarchive-apt-install.lock');

const onPath = (command: string): boolean =>
  (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .concat(['/usr/bin', '/usr/sbin'])
    .some((dir) => existsSync(path.join(dir, command)));

const clamdBinary = (): string =>
  ['/usr/sbin/clamd', '/usr/bin/clamd'].find((candidate) => existsSync(candidate)) ?? 'clamd';

/**
 * Why clamd cannot be installed here (not root, no apt), or undefined when it is installed or can
 * be. A test skips only when this says so, with the reason in its title.
 */
export const clamdUnavailable = (): string | undefined => {
  if (onPath('clamd')) return undefined;
  if (process.getuid?.() !== 0) return 'clamd is not installed and installing it needs root';
  if (!onPath('apt-get')) return 'clamd is not installed and there is no apt-get to install it';
  return undefined;
};

/**
 * Installs Debian's clamav-daemon when clamd is missing. `flock` serialises parallel test files.
 * The package's own services are not started here (no systemd), and freshclam is never run: tests
 * use the fixture's local database, and there is no internet.
 */
export const installClamd = async (): Promise<void> => {
  if (onPath('clamd')) return;
  const script = `command -v clamd >/dev/null && exit 0
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clamav-daemon >/dev/null`;
  await run('flock', [APT_LOCK, 'bash', '-c', script], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
};

/** Sends one `z`-command and reads the answer up to its NUL (at most 2 s): PING → PONG. */
const ask = (socket: string, command: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const client = connect(socket);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => client.destroy(new Error('no answer')), 2000);
    client.on('connect', () => client.write(`z${command}\0`));
    client.on('data', (chunk) => chunks.push(chunk));
    client.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    client.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8').replace(/\0$/, ''));
    });
  });

/**
 * The database: EICAR by its MD5 (an `.hdb` line `md5:size:name`) and the fixture's marker as an
 * `.ndb` body signature (`name:target:offset:hex`, target 0 = any file, offset `*` = anywhere).
 * clamd starts with nothing else: it only refuses to start without any database.
 */
const writeDatabase = async (db: string): Promise<void> => {
  const { createHash } = await import('node:crypto');
  const eicar = eicarTestFile();
  const md5 = createHash('md5').update(eicar).digest('hex');
  await writeFile(path.join(db, 'local.hdb'), `${md5}:${eicar.length}:Local.Test.EICAR\n`);
  await writeFile(
    path.join(db, 'local.ndb'),
    `Cxarchive.Test.Marker:0:*:${clamdCustomMarker().toString('hex')}\n`,
  );
};

const configOf = (dir: string, port: number, options: ClamdOptions): string =>
  [
    `DatabaseDirectory ${path.join(dir, 'db')}`,
    `LocalSocket ${path.join(dir, 'clamd.sock')}`,
    `TCPSocket ${port}`,
    'TCPAddr 127.0.0.1',
    'Foreground yes',
    `PidFile ${path.join(dir, 'clamd.pid')}`,
    `LogFile ${path.join(dir, 'clamd.log')}`,
    'LogTime yes',
    // Never reload behind the test's back, never phone out.
    'SelfCheck 0',
    ...(options.streamMaxLength === undefined ? [] : [`StreamMaxLength ${options.streamMaxLength}`]),
    ...(process.getuid?.() === 0 ? ['User root'] : []),
    '',
  ].join('\n');

const started = new Set<ChildProcess>();
let exitHookInstalled = false;
const installExitHook = () => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test file dies before its afterAll.
  process.on('exit', () => {
    for (const child of started) child.kill('SIGKILL');
  });
};

/**
 * Installs clamd if missing, then starts a private one in a temp dir: a unix socket and a free
 * loopback port, the fixture's two signatures (EICAR and `clamdCustomMarker`), `Foreground` so it
 * is stopped by its own pid. Ready (answers PING) in well under a second with so small a database;
 * waits up to `readyTimeoutMs`, and fails with its log if it exits or never answers.
 */
export const startClamd = async (options: ClamdOptions = {}): Promise<Clamd> => {
  await installClamd();
  const dir = await mkdtemp(path.join(tmpdir(), 'cxarchive-clamd-'));
  await mkdir(path.join(dir, 'db'));
  await writeDatabase(path.join(dir, 'db'));
  const port = await freePort();
  const config = path.join(dir, 'clamd.conf');
  await writeFile(config, configOf(dir, port, options));
  const socket = path.join(dir, 'clamd.sock');
  installExitHook();
  let child: ChildProcess | undefined;
  let output = '';

  const kill = async () => {
    const current = child;
    child = undefined;
    if (current?.pid !== undefined && current.exitCode === null && current.signalCode === null)
      await stopPid(current.pid, 5000);
    if (current !== undefined) started.delete(current);
    await rm(socket, { force: true });
  };

  const start = async () => {
    if (child !== undefined) return;
    output = '';
    const spawned = spawn(clamdBinary(), ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    started.add(spawned);
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code, signal) => reject(new Error(`clamd exited (${signal ?? code})`))),
    );
    exited.catch(() => {});
    try {
      await Promise.race([
        waitUntil('clamd', async () => (await ask(socket, 'PING')) === 'PONG', {
          timeoutMs: options.readyTimeoutMs ?? 60_000,
          everyMs: 100,
        }),
        exited,
      ]);
    } catch (error) {
      const log = await readFile(path.join(dir, 'clamd.log'), 'utf8').catch(() => '');
      await kill();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`clamd did not start: ${message}\n${output}\n${log.split('\n').slice(-20).join('\n')}`);
    }
  };

  try {
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    socket,
    host: '127.0.0.1',
    port,
    dir,
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
