// Installs what the project needs on a machine that has only Node and npm:
// pnpm (pinned), then the workspace dependencies (which bring Node 22 for every script).
// Runs under whatever Node the machine has, so it uses nothing newer than Node 18.
import { execFileSync, spawnSync } from 'node:child_process';

const PNPM_VERSION = '12.21.0';
const ci = process.env.CI === 'true' || process.env.CI === '1';

const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) {
    console.error(`bootstrap: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
};

const pnpmVersion = () => {
  try {
    return execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
};

if (pnpmVersion() !== PNPM_VERSION) {
  console.error(`bootstrap: installing pnpm ${PNPM_VERSION}`);
  run('npm', ['install', '--global', '--no-fund', '--no-audit', `pnpm@${PNPM_VERSION}`]);
  if (pnpmVersion() !== PNPM_VERSION) {
    console.error(
      `bootstrap: pnpm ${PNPM_VERSION} is not on PATH after installing it (npm prefix: ${execFileSync('npm', ['prefix', '-g'], { encoding: 'utf8' }).trim()})`,
    );
    process.exit(1);
  }
}

run('pnpm', ['install', ...(ci ? ['--frozen-lockfile'] : []), '--reporter', ci ? 'append-only' : 'default']);
