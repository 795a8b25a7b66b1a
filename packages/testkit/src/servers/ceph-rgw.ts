import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { answersHttp, freePort, stopPid, waitUntil } from './process.js';

const run = promisify(execFile);

/** A single-node Ceph cluster (memstore) with RGW on loopback, and one S3 user. */
export interface CephRgw {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: 'us-east-1';
  /** The scratch directory (config, logs, run dir): for debugging. */
  readonly dir: string;
  /** Kills the three daemons by the pids in the run dir and removes the scratch directory. */
  stop(): Promise<void>;
}

const PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd'] as const;
const APT_LOCK = path.join(tmpdir(), 'cxarchive-apt-install.lock');

const onPath = (command: string): boolean =>
  (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .concat(['/usr/bin', '/usr/sbin'])
    .some((dir) => existsSync(path.join(dir, command)));

/**
 * Why Ceph RGW cannot be installed here (not root, no apt), or undefined when it is installed or
 * can be. A test skips only when this says so, with the reason in its title.
 */
export const cephRgwUnavailable = (): string | undefined => {
  if (onPath('radosgw') && onPath('ceph-mon') && onPath('ceph-osd')) return undefined;
  if (process.getuid?.() !== 0) return 'Ceph RGW is not installed and installing it needs root';
  if (!onPath('apt-get')) return 'Ceph RGW is not installed and there is no apt-get to install it';
  return undefined;
};

/**
 * Installs radosgw, ceph-mon and ceph-osd with apt when missing. `flock` serialises parallel test
 * files: the second one waits, then finds them installed.
 */
export const installCephRgw = async (): Promise<void> => {
  if (onPath('radosgw') && onPath('ceph-mon') && onPath('ceph-osd')) return;
  const script = `command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && exit 0
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${PACKAGES.join(' ')} >/dev/null`;
  await run('flock', [APT_LOCK, 'bash', '-c', script], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
};

/** The bootstrap of test-servers.md, with the scratch dir and ports from the environment. */
const BOOTSTRAP = String.raw`set -euo pipefail; : "$D" "$RGW_PORT" "$MON_PORT"
mkdir -p "$D"/{run,log,mon,osd/ceph-0,rgw}; FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms mon service mode = crc secure
ms mon cluster mode = crc secure
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
mon data = $D/mon/\$cluster-\$id
osd data = $D/osd/\$cluster-\$id
keyring = $D/keyring
ms bind ipv6 = false
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
CONF
C="$D/ceph.conf"
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon -c "$C" -i a --pid-file "$D/run/mon.pid"
ceph -c "$C" osd create >/dev/null
ceph-osd -c "$C" -i 0 --mkfs >/dev/null 2>&1
ceph-osd -c "$C" -i 0 --pid-file "$D/run/osd.pid" 2>/dev/null
radosgw -c "$C" -n client.rgw.a --pid-file "$D/run/rgw.pid"
`;

const ACCESS_KEY = 'TESTKEY';
const SECRET_KEY = 'TESTSECRET';

/**
 * Stops the daemons whose pid files are in `dir/run`, RGW and the OSD before the monitor (stopped
 * after the monitor, they wait for it for seconds). The cluster is throwaway (memstore): a short
 * grace, then SIGKILL.
 */
const stopDaemons = async (dir: string): Promise<void> => {
  for (const name of ['rgw.pid', 'osd.pid', 'mon.pid']) {
    const text = await readFile(path.join(dir, 'run', name), 'utf8').catch(() => '');
    const pid = Number.parseInt(text, 10);
    if (Number.isInteger(pid) && pid > 0) await stopPid(pid, 1000);
  }
};

const logTail = async (dir: string): Promise<string> => {
  const parts: string[] = [];
  for (const name of ['mon.a.log', 'osd.0.log', 'client.rgw.a.log']) {
    const text = await readFile(path.join(dir, 'log', name), 'utf8').catch(() => '');
    if (text !== '') parts.push(`--- ${name}\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.join('\n');
};

const started = new Set<string>();
let exitHookInstalled = false;
const installExitHook = () => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test file dies before its afterAll: SIGKILL what is still running.
  process.on('exit', () => {
    for (const dir of started) {
      for (const name of ['mon.pid', 'osd.pid', 'rgw.pid']) {
        try {
          const pid = Number.parseInt(readFileSync(path.join(dir, 'run', name), 'utf8'), 10);
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  });
};

/**
 * Installs Ceph RGW if missing, then starts a single-node memstore cluster with RGW on free
 * loopback ports in a temp dir (about 12–15 s) and creates the S3 user. Share one per test file.
 * Fails loudly (with the daemons' log tails) when it cannot start.
 */
export const startCephRgw = async (): Promise<CephRgw> => {
  await installCephRgw();
  const dir = await mkdtemp(path.join(tmpdir(), 'cxarchive-ceph-'));
  const [rgwPort, monPort] = [await freePort(), await freePort()];
  started.add(dir);
  installExitHook();
  const stop = async () => {
    await stopDaemons(dir);
    started.delete(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('bash', ['-c', BOOTSTRAP], {
      env: { ...process.env, D: dir, RGW_PORT: String(rgwPort), MON_PORT: String(monPort) },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitUntil('Ceph RGW', () => answersHttp(`${endpoint}/`), { timeoutMs: 90_000, everyMs: 250 });
    await run(
      'radosgw-admin',
      [
        '-c',
        path.join(dir, 'ceph.conf'),
        'user',
        'create',
        '--uid=test',
        '--display-name=test',
        `--access-key=${ACCESS_KEY}`,
        `--secret-key=${SECRET_KEY}`,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return {
      endpoint,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      region: 'us-east-1',
      dir,
      stop,
    };
  } catch (error) {
    const tail = await logTail(dir);
    await stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Ceph RGW did not start: ${message}\n${tail}`);
  }
};
