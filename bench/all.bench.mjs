// Runs every benchmark in this directory (`bench/*.bench.mjs`) one after the other, each in its
// own process, and passes on the arguments (`--json`, also set as BENCH_JSON=1): `pnpm bench` runs this after a build. The
// original four come first, in their order; any other bench file is picked up in name order, so a
// new one needs no wiring (BENCH_ONLY=e2e,simulator runs only those). With `--json`, stdout carries only the JSON figures (one object a line);
// any other line goes to stderr. Exits non-zero if any bench failed (the others still run).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const SELF = path.basename(fileURLToPath(import.meta.url));
const FIRST = ['e2e.bench.mjs', 'runtime.bench.mjs', 'codec.bench.mjs', 's3.bench.mjs'];
const args = process.argv.slice(2);
const json = args.includes('--json') || process.env.BENCH_JSON === '1';

const found = readdirSync(DIR)
  .filter((name) => name.endsWith('.bench.mjs') && name !== SELF)
  .sort();
// BENCH_ONLY=e2e,simulator runs only those.
const only = process.env.BENCH_ONLY?.split(',').map((name) => `${name.trim()}.bench.mjs`);
const order = [
  ...FIRST.filter((name) => found.includes(name)),
  ...found.filter((name) => !FIRST.includes(name)),
].filter((name) => only === undefined || only.includes(name));

const isJsonObject = (line) => {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};

const run = (name) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(DIR, name), ...args], {
      stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'],
      env: json ? { ...process.env, BENCH_JSON: '1' } : process.env,
    });
    if (json)
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (isJsonObject(line)) process.stdout.write(`${line}\n`);
        else process.stderr.write(`${line}\n`);
      });
    child.on('close', (code, signal) =>
      resolve(code === 0 ? undefined : `${name}: ${signal ?? `exit ${code}`}`),
    );
  });

const failures = [];
for (const name of order) {
  const failure = await run(name);
  if (failure !== undefined) failures.push(failure);
}
if (failures.length > 0) {
  console.error(`bench failures: ${failures.join('; ')}`);
  process.exitCode = 1;
}
