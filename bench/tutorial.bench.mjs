// The seed tutorial's design, the baseline cxarchive replaces: one object per record, each sealed
// in the tutorial's envelope ({salt, nonce, ciphertext} in base64: a key derived with
// PBKDF2-HMAC-SHA256, 480,000 iterations, from a fresh 16-byte salt for every object, then gzip of
// the JSON line under AES-256-GCM), written as one file per record, on one core. Measured on a
// sample of simulator records, beside cxarchive's per-item metadata run (bench/e2e.bench.mjs)
// in the same process. Every sealed sample is opened again with @cxarchive/legacy-envelope after
// the clock stops, so the figure is of envelopes that restore. `--json` prints one JSON object per
// figure. Figures only: nothing here asserts a time.
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { startSimulator } from '@cxarchive/cxone-simulator';
import { decryptLegacyEnvelope, PBKDF2_ITERATIONS } from '../packages/legacy-envelope/dist/index.js';
import { archiveRun, median, SCENARIOS } from './e2e.bench.mjs';

const SAMPLE = Number(process.env.BENCH_TUTORIAL_SAMPLE ?? 8);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const JSON_OUTPUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
// A throwaway passphrase for throwaway envelopes in a temp directory; never printed.
const PASSPHRASE = randomBytes(24).toString('base64');

/** One record sealed the tutorial's way into its own file. */
const seal = (record, file) => {
  const salt = randomBytes(16);
  const key = pbkdf2Sync(PASSPHRASE, salt, PBKDF2_ITERATIONS, 32, 'sha256');
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const plaintext = gzipSync(`${JSON.stringify(record)}\n`);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  writeFileSync(
    file,
    JSON.stringify({
      salt: salt.toString('base64'),
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    }),
  );
};

const readAll = async (stream) => {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};

const tutorialRun = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-tutorial-'));
  const simulator = await startSimulator({ seed: 42, contacts: SAMPLE });
  try {
    const records = Array.from({ length: SAMPLE }, (_, i) => simulator.dataset.contactAt(i));
    const files = records.map((record) => path.join(dir, `${record.contactId}.json`));
    const started = performance.now();
    for (const [i, record] of records.entries()) seal(record, files[i]);
    const seconds = (performance.now() - started) / 1000;
    for (const [i, file] of files.entries()) {
      const text = await readAll(await decryptLegacyEnvelope(file, PASSPHRASE));
      if (text !== `${JSON.stringify(records[i])}\n`)
        throw new Error(`envelope ${i} does not restore its record`);
    }
    return SAMPLE / seconds;
  } finally {
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

const metadata = SCENARIOS.find((scenario) => scenario.name === 'metadata only');
const tutorial = [];
const perItem = [];
for (let i = 0; i < REPEATS; i++) {
  tutorial.push(await tutorialRun());
  const run = await archiveRun(metadata, { verify: false });
  perItem.push(run.records / run.seconds);
}
const baseline = median(tutorial);
const cxarchive = median(perItem);
if (JSON_OUTPUT) {
  console.log(
    JSON.stringify({
      bench: 'tutorial',
      name: 'tutorial design (PBKDF2-480k per record, one object per record)',
      value: baseline,
      unit: 'records/s',
      sample: SAMPLE,
      peer: cxarchive,
      peerName: 'cxarchive metadata, per-item layout',
    }),
  );
} else {
  console.log(
    `seed tutorial design vs cxarchive, median of ${REPEATS} runs, one core for the tutorial, Node ${process.version}`,
  );
  console.log(
    `tutorial: one object per record, PBKDF2-SHA256 ${PBKDF2_ITERATIONS.toLocaleString('en-US')} iterations each (${SAMPLE} records): ${baseline.toFixed(1)} records/s`,
  );
  console.log(
    `cxarchive metadata, per-item layout, simulator → sink-fs (${metadata.contacts} contacts): ${cxarchive.toFixed(1)} records/s (${(cxarchive / baseline).toFixed(1)} × the tutorial)`,
  );
}
