// The attachments demo: files pushed into customers' CXone digital conversations (the attach flow).
// Starts the CXone simulator in-process (with digital contacts), a private clamd with a local
// signature database (installed with apt when missing, as `npm test` does), and a local webhook
// receiver that verifies every message; writes the inputs that must not be committed (the EICAR
// test file, a file over the size cap) into examples/attachments/files/ for the run and removes them
// after; runs examples/attachments/archive.pipeline.yaml through the real `cxarchive` CLI; and prints
// what each contact received, what was refused and why. Output under demo-output/attachments/ (or
// <DEMO_OUTPUT>/attachments/). Running it again sends nothing new: the ledger knows each job.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = path.join(path.resolve(process.env.DEMO_OUTPUT ?? path.join(root, 'demo-output')), 'attachments');
const example = path.join(root, 'examples', 'attachments');
const pipeline = path.join(example, 'archive.pipeline.yaml');
const files = path.join(example, 'files');
const reportFile = path.join(out, 'report.json');
/** A path as printed: relative to the repository when it is inside it. */
const shown = (full) => (full.startsWith(root + path.sep) ? path.relative(root, full) : full);

const { startSimulator, demoToken, dfoContactByNumber } = await import('@cxarchive/cxone-simulator');
const { clamdUnavailable, eicarTestFile, startClamd } = await import('@cxarchive/testkit');

// clamd first: without a scanner nothing can be sent (the flow never sends a file unscanned).
const unavailable = clamdUnavailable();
if (unavailable !== undefined) {
  console.error(`clamd is needed and cannot be installed here: ${unavailable}.`);
  console.error(
    'Install it (Debian/Ubuntu: `sudo apt-get install clamav-daemon`), then run `npm run demo:attachments` again.',
  );
  process.exit(1);
}
console.log(
  'starting a private clamd (installed with apt-get when missing) with a local signature database…',
);
const clamd = await startClamd();
console.log(
  `clamd on ${clamd.socket}: its database knows the EICAR test file and one signature of our own (no internet needed)`,
);

// The webhook receiver, as a data lake would run one: createWebhookListener from the notifier's
// package (resolved through the CLI, which bundles it) checks each message's signature and
// timestamp and hands over the events.
const { createReplayGuard, createWebhookListener } = await import(
  pathToFileURL(
    createRequire(path.join(root, 'packages', 'cli', 'package.json')).resolve('@cxarchive/notifier-webhook'),
  ).href
);
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`; // a new one for each demo run
const received = { messages: 0, refused: 0, events: [] };
const receiver = createServer(
  createWebhookListener({
    secrets: webhookSecret,
    replay: createReplayGuard(),
    onMessage: ({ events }) => {
      received.messages++;
      received.events.push(...events);
    },
    onRejected: (reason) => {
      received.refused++;
      console.log(`[receiver] refused a message: ${reason}`);
    },
  }),
);
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const webhookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/attachments`;

// The digital contacts of the manifest (examples/attachments/manifest.csv) are those of this data set.
const simulator = await startSimulator({ seed: 1, contacts: 25 });
console.log(`CXone simulator at ${simulator.url} with digital contacts 4100012, 4100014, 4100024`);
console.log(`webhook receiver at ${webhookUrl} (verifies every message with the run's secret)\n`);

// Inputs written at run time, never committed: the EICAR test file (a scanner on a developer's
// machine would quarantine it) and a file over the pipeline's 5 MiB cap (large).
const generated = [path.join(files, 'eicar-test.txt'), path.join(files, 'long-call.wav')];
const writeGenerated = () => {
  writeFileSync(generated[0], eicarTestFile());
  // A WAV header and 6 MiB of silence, written a chunk at a time.
  const dataBytes = 6 * 1024 * 1024;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  const fd = openSync(generated[1], 'w');
  try {
    writeSync(fd, header);
    const chunk = Buffer.alloc(64 * 1024);
    for (let left = dataBytes; left > 0; left -= chunk.length)
      writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  } finally {
    closeSync(fd);
  }
};
const removeGenerated = () => {
  for (const file of generated) rmSync(file, { force: true });
};

mkdirSync(out, { recursive: true });
rmSync(reportFile, { force: true });
const cli = path.join(root, 'packages', 'cli', 'bin', 'run.js');
let code;
try {
  writeGenerated();
  console.log(
    `wrote ${shown(generated[0])} (the EICAR test file) and ${shown(generated[1])} (6 MiB, over the cap) for this run\n`,
  );
  const child = spawn(process.execPath, [cli, 'run', pipeline, '--report', reportFile], {
    stdio: 'inherit',
    env: {
      ...process.env,
      CXONE_ISSUER: simulator.url,
      CXONE_DFO_BASE_URL: simulator.url,
      CXONE_ACCESS_KEY_ID: simulator.credentials.accessKeyId,
      CXONE_ACCESS_KEY_SECRET: simulator.credentials.accessKeySecret,
      CXONE_CLIENT_ID: simulator.credentials.clientId,
      CXONE_CLIENT_SECRET: simulator.credentials.clientSecret,
      CLAMD_SOCKET: clamd.socket,
      CXARCHIVE_WEBHOOK_URL: webhookUrl,
      CXARCHIVE_WEBHOOK_SECRET: webhookSecret,
      CXARCHIVE_STATE_FILE: path.join(out, 'state', 'attachments.db'),
    },
  });
  // Ctrl-C reaches the CLI too (same process group): it stops cleanly and writes its report.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  removeGenerated();
}

/** What each contact of the manifest received in this simulator, read back from its messages. */
const receivedBy = async (contactNumber) => {
  const token = await demoToken(simulator);
  const res = await fetch(`${simulator.url}/dfo/3.0/contacts/${contactNumber}/messages`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = await res.json();
  return body.data.flatMap((m) => (m.attachments ?? []).map((a) => a.friendlyName));
};
const contacts = ['4100012', '4100014', '4100024'];
const delivered = await Promise.all(
  contacts.map(async (n) => [n, dfoContactByNumber(simulator.dataset, n)?.channel.name, await receivedBy(n)]),
);
await simulator.stop();
await clamd.stop();
receiver.closeAllConnections();
await new Promise((resolve) => receiver.close(resolve));

let report;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'));
} catch {
  console.error(`\nThe run wrote no report (exit ${code}): see its output above.`);
  process.exit(code || 1);
}
const counts = report.counts ?? {};
console.log('\nAttachments demo');
console.log(
  `  sent and confirmed: ${counts.archived ?? 0}   refused or failed: ${counts.failed ?? 0}   already sent before: ${counts.skipped ?? 0}`,
);
for (const [contactNumber, channel, names] of delivered)
  console.log(
    `  contact ${contactNumber} (${channel}) received in this run: ${names.length > 0 ? names.join(', ') : 'nothing new'}`,
  );
for (const failure of report.failures ?? []) console.log(`  refused ${failure.itemId}: ${failure.reason}`);
const byType = new Map();
for (const event of received.events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
console.log(
  `  webhook receiver: ${received.messages} messages verified (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')}), ${received.refused} refused`,
);
console.log(`  report: ${shown(reportFile)}`);
if ((counts.archived ?? 0) === 0 && (counts.skipped ?? 0) > 0)
  console.log(
    '\nNothing new was sent: every clean file had been sent in an earlier run (the ledger keeps each job).',
  );
else console.log('\nRun `npm run demo:attachments` again: nothing new is sent the second time.');
// The run ends with failures by design (the refused files): exit 1 is the CLI's "some items failed".
process.exit(report.status === 'completed_with_failures' || report.status === 'succeeded' ? 0 : code || 1);
