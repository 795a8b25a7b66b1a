// The demo: a simulated CXone tenant archived end to end on embedded defaults.
// Starts the CXone simulator in-process, makes a key (and a redaction key) if there is none,
// starts a local webhook receiver that verifies every message the run sends and prints its
// events, runs the quickstart pipeline through the real `cxarchive` CLI, and leaves everything
// under demo-output/ (or the directory DEMO_OUTPUT names; DEMO_CONTACTS sets the data set's size).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = path.resolve(process.env.DEMO_OUTPUT ?? path.join(root, 'demo-output'));
/** Where the output is, as printed: relative to the repository when it is inside it. */
const shown = (...parts) => {
  const full = path.join(out, ...parts);
  return full.startsWith(root + path.sep) ? path.relative(root, full) : full;
};
// With DEMO_OUTPUT, the quickstart's key, archive and ledger go there too (its ${…:-default}s).
const outputEnv = process.env.DEMO_OUTPUT
  ? {
      CXARCHIVE_KEY_FILE: path.join(out, 'keys', 'quickstart.key'),
      CXARCHIVE_ARCHIVE_DIR: path.join(out, 'archive'),
      CXARCHIVE_STATE_FILE: path.join(out, 'state', 'quickstart.db'),
    }
  : {};
const withEnv = Object.entries(outputEnv)
  .map(([name, value]) => `${name}=${value} `)
  .join('');
const { startSimulator } = await import('@cxarchive/cxone-simulator');
const { writeKeyFile } = await import('@cxarchive/codec-gzip-aes');

mkdirSync(path.join(out, 'keys'), { recursive: true });
const key = await writeKeyFile(path.join(out, 'keys', 'quickstart.key'));
console.log(
  key.created
    ? `made a new key ${key.keyId} in ${shown('keys')}/`
    : `using the key ${key.keyId} in ${shown('keys')}/`,
);

// The redaction key (HMAC of the hash rules) is kept with the other key: the same phone number
// gives the same token in every run, so the hashed fields still join.
const redactKeyFile = path.join(out, 'keys', 'redact.key');
if (!existsSync(redactKeyFile))
  writeFileSync(redactKeyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
const redactKey = readFileSync(redactKeyFile, 'utf8').trim();

// The webhook receiver, as a data lake would run one: createWebhookListener from the notifier's
// package (resolved through the CLI, which bundles it) checks each message's signature and
// timestamp, answers a repeat without handling it again, and hands over the events.
const { createReplayGuard, createWebhookListener } = await import(
  pathToFileURL(
    createRequire(path.join(root, 'packages', 'cli', 'package.json')).resolve('@cxarchive/notifier-webhook'),
  ).href
);
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`; // a new one for each demo run
const received = { messages: 0, refused: [], types: new Map(), completed: undefined };
const describe = (event) => {
  if (event.type === 'run.completed' || event.type === 'run.failed') {
    const c = event.counts ?? {};
    return `${event.type} ${event.status}: archived ${c.archived ?? 0}, failed ${c.failed ?? 0}`;
  }
  if (event.type === 'run.started') return `run.started ${event.runId}`;
  const objects = Array.isArray(event.objects) ? ` (${event.objects.length} objects)` : '';
  return `${event.type} ${event.itemId ?? ''}${objects}`;
};
/** A batch in one line: its events by type, and the first few items. */
const summary = (events) => {
  const byType = new Map();
  for (const event of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  const items = events.map((event) => event.itemId).filter(Boolean);
  const shown = items.slice(0, 3).join(', ') + (items.length > 3 ? `, … ${items.length - 3} more` : '');
  return `batch of ${events.length}: ${[...byType].map(([type, n]) => `${n} ${type}`).join(', ')} (${shown})`;
};
const receiver = createServer(
  createWebhookListener({
    secrets: webhookSecret,
    replay: createReplayGuard(),
    onMessage: ({ id, events }) => {
      received.messages++;
      for (const event of events) {
        received.types.set(event.type, (received.types.get(event.type) ?? 0) + 1);
        if (event.type === 'run.completed') received.completed = event;
      }
      console.log(
        `[receiver] verified ${id}: ${events.length === 1 ? describe(events[0]) : summary(events)}`,
      );
    },
    onRejected: (reason) => {
      received.refused.push(reason);
      console.log(`[receiver] refused a message: ${reason}`);
    },
  }),
);
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const webhookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/cxone`;
console.log(`webhook receiver at ${webhookUrl} (verifies every message with the run's secret)`);

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
    CXARCHIVE_WEBHOOK_URL: webhookUrl,
    CXARCHIVE_WEBHOOK_SECRET: webhookSecret,
    REDACT_KEY: redactKey,
    ...outputEnv,
  },
});
// Ctrl-C reaches the CLI too (same process group): it stops cleanly and writes its report. The demo
// waits for it, so the simulator stays up until the CLI has let go of its requests.
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', () => undefined);
process.on('SIGTERM', forward('SIGTERM'));
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await simulator.stop();
// The CLI has finished delivering (or given up) before it exits: what the receiver got is all.
receiver.closeAllConnections();
await new Promise((resolve) => receiver.close(resolve));
const counted = [...received.types].map(([type, n]) => `${n} ${type}`).join(', ');
console.log(
  `\nWebhook receiver: ${received.messages} messages verified${counted ? ` (${counted})` : ''}, ${received.refused.length} refused`,
);
if (received.completed) console.log(`  the run's own account: ${describe(received.completed)}`);
if (code === 0) {
  console.log(`\nArchive:  ${shown('archive')}/   (CXAR v1 objects, one directory per contact)`);
  console.log(`Report:   ${shown('report.json')}`);
  console.log(
    `Redacted: each record before it is stored: callers' numbers and agent names hashed (HMAC, key in ${shown('keys', 'redact.key')}), first names removed, last names masked`,
  );
  console.log(
    `Verify:   ${withEnv}pnpm exec cxarchive verify examples/quickstart/archive.pipeline.yaml --deep`,
  );
  console.log(
    `Restore:  ${withEnv}pnpm exec cxarchive restore examples/quickstart/archive.pipeline.yaml --item ${recordedContact() ?? '<contactId>'} --out restored/`,
  );
  console.log('Run `npm run demo` again: nothing new is archived the second time.');
}
process.exit(code);
