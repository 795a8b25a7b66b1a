// The demo: a simulated CXone tenant archived end to end on embedded defaults.
// Starts the CXone simulator in-process, makes a key if there is none, runs the quickstart
// pipeline through the real `cxarchive` CLI, and leaves everything under demo-output/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = path.join(root, 'demo-output');
const { startSimulator } = await import('@cxarchive/cxone-simulator');
const { writeKeyFile } = await import('@cxarchive/codec-gzip-aes');

mkdirSync(path.join(out, 'keys'), { recursive: true });
const key = await writeKeyFile(path.join(out, 'keys', 'quickstart.key'));
console.log(
  key.created
    ? `made a new key ${key.keyId} in demo-output/keys/`
    : `using the key ${key.keyId} in demo-output/keys/`,
);

const contacts = Number(process.env.DEMO_CONTACTS ?? 25);
const simulator = await startSimulator({ seed: 1, contacts });
console.log(`CXone simulator at ${simulator.url} with ${contacts} contacts (seed 1)\n`);

// A ledger from an earlier development version (schema 1 kept whole contact records) cannot be
// read: the demo starts a new one and keeps the old one aside. The archived objects are found in
// the archive directory and adopted, not stored twice.
const ledger = path.join(out, 'state', 'quickstart.db');
if (existsSync(ledger)) {
  const { default: Database } = await import(
    createRequire(path.join(root, 'packages', 'core', 'package.json')).resolve('better-sqlite3')
  );
  const db = new Database(ledger, { readonly: true, fileMustExist: true });
  let version = 0;
  try {
    version = Number(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value ?? 0);
  } catch {
    version = 0;
  }
  db.close();
  if (version < 2) {
    const aside = path.join(out, `state.schema${version}.${Date.now()}`);
    renameSync(path.join(out, 'state'), aside);
    console.log(`moved an old demo ledger aside to ${path.relative(root, aside)}/ (a new one is started)`);
  }
}

/** The first archived contact with a recording (…/<yyyy>/<mm>/<dd>/<contactId>/recording.*), for the hint. */
const recordedContact = () => {
  const walk = (dir, depth) => {
    for (const name of readdirSync(dir).sort()) {
      const next = path.join(dir, name);
      if (depth < 4) {
        const found = walk(next, depth + 1);
        if (found) return found;
      } else if (readdirSync(next).some((file) => file.startsWith('recording'))) return name;
    }
    return undefined;
  };
  try {
    return walk(path.join(out, 'archive', 'quickstart'), 1);
  } catch {
    return undefined;
  }
};

const cli = path.join(root, 'packages', 'cli', 'bin', 'run.js');
const pipeline = path.join(root, 'examples', 'quickstart', 'archive.pipeline.yaml');
const child = spawn(process.execPath, [cli, 'run', pipeline, '--report', path.join(out, 'report.json')], {
  stdio: 'inherit',
  env: {
    ...process.env,
    CXONE_ISSUER: simulator.url,
    CXONE_ACCESS_KEY_ID: simulator.credentials.accessKeyId,
    CXONE_ACCESS_KEY_SECRET: simulator.credentials.accessKeySecret,
    CXONE_CLIENT_ID: simulator.credentials.clientId,
    CXONE_CLIENT_SECRET: simulator.credentials.clientSecret,
  },
});
// Ctrl-C reaches the CLI too (same process group): it stops cleanly and writes its report. The demo
// waits for it, so the simulator stays up until the CLI has let go of its requests.
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', () => undefined);
process.on('SIGTERM', forward('SIGTERM'));
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await simulator.stop();
if (code === 0) {
  console.log('\nArchive:  demo-output/archive/   (CXAR v1 objects, one directory per contact)');
  console.log('Report:   demo-output/report.json');
  console.log('Verify:   pnpm exec cxarchive verify examples/quickstart/archive.pipeline.yaml --deep');
  console.log(
    `Restore:  pnpm exec cxarchive restore examples/quickstart/archive.pipeline.yaml --item ${recordedContact() ?? '<contactId>'} --out restored/`,
  );
  console.log('Run `npm run demo` again: nothing new is archived the second time.');
}
process.exit(code);
