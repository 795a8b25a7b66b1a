// `npm run demo` as a user runs it (scripts/demo.mjs, after the build), in a directory of its own
// (DEMO_OUTPUT): the quickstart pipeline archives the simulated tenant with its records redacted,
// and the demo's webhook receiver verifies and prints every message the run sends. Then the
// restore the demo suggests gives back a redacted record, and a second run archives nothing and is
// still reported to the receiver.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, ROOT } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

const CONTACTS = 6;
const out = mkdtempSync(path.join(tmpdir(), 'cxarchive-demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const demo = () =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs')], {
      cwd: ROOT,
      env: { ...process.env, DEMO_OUTPUT: out, DEMO_CONTACTS: String(CONTACTS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** The quickstart's variables pointed at the demo's output, as the demo's hints give them. */
const outputEnv = () => ({
  CXARCHIVE_KEY_FILE: path.join(out, 'keys', 'quickstart.key'),
  CXARCHIVE_ARCHIVE_DIR: path.join(out, 'archive'),
  CXARCHIVE_STATE_FILE: path.join(out, 'state', 'quickstart.db'),
});

describe('npm run demo', () => {
  it('archives with redaction, and its receiver verifies and prints every message of both runs', async () => {
    assertBuilt();
    const first = await demo();
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('webhook receiver at http://127.0.0.1:');
    expect(first.stdout).toMatch(/\[receiver\] verified msg_\S+: run\.started \d{8}T\d{6}Z-/);
    expect(first.stdout).toMatch(
      new RegExp(
        `\\[receiver\\] verified msg_\\S+: batch of ${CONTACTS}: ${CONTACTS} item\\.archived \\(7021`,
      ),
    );
    expect(first.stdout).toMatch(
      new RegExp(
        `\\[receiver\\] verified msg_\\S+: run\\.completed succeeded: archived ${CONTACTS}, failed 0`,
      ),
    );
    expect(first.stdout).toContain(
      `Webhook receiver: 3 messages verified (1 run.started, ${CONTACTS} item.archived, 1 run.completed), 0 refused`,
    );
    expect(first.stdout).not.toContain('refused a message');
    // Neither the webhook secret nor the redaction key is printed.
    const redactKey = readFileSync(path.join(out, 'keys', 'redact.key'), 'utf8').trim();
    expect(redactKey).toMatch(/^[0-9a-f]{64}$/);
    expect(first.stdout + first.stderr).not.toContain(redactKey);
    expect(first.stdout + first.stderr).not.toContain('whsec_');

    // The restore the demo suggests works, and gives back a redacted record.
    const item = /--item (\d+) --out restored\//.exec(first.stdout)?.[1];
    expect(item).toBeDefined();
    const restoredDir = path.join(out, 'restored');
    const restored = await cli(
      [
        'restore',
        path.join(ROOT, 'examples', 'quickstart', 'archive.pipeline.yaml'),
        '--item',
        item!,
        '--out',
        restoredDir,
      ],
      outputEnv(),
    );
    expect(restored.code, restored.stderr).toBe(0);
    const recordFile = listFiles(restoredDir).find((f) => f.endsWith('contact.json'));
    expect(recordFile).toBeDefined();
    const record = JSON.parse(readFileSync(path.join(restoredDir, recordFile!), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(String(record.contactId)).toBe(item);
    expect(record.fromAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(record.toAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(record.lastName).toMatch(/^\*\*\*\*/);
    expect(record).not.toHaveProperty('firstName');

    const second = await demo();
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toMatch(/archived 0, failed 0/);
    expect(second.stdout).toContain(
      'Webhook receiver: 2 messages verified (1 run.started, 1 run.completed), 0 refused',
    );
    expect(second.stdout).toContain('using the key kek:');
    // The same redaction key is used again: hashed fields still join across runs.
    expect(readFileSync(path.join(out, 'keys', 'redact.key'), 'utf8').trim()).toBe(redactKey);
  }, 240_000);
});
