// `npm run demo:attachments` as a user runs it (scripts/demo-attachments.mjs, after the build), in a
// directory of its own (DEMO_OUTPUT): the attach pipeline of examples/attachments sends the clean
// files to the simulator's digital contacts and refuses the disguised executable, the file over the
// cap and the EICAR test file, each with its reason; a second run sends nothing new.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CREDENTIALS } from '@cxarchive/cxone-simulator';
import { clamdUnavailable } from '@cxarchive/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { assertBuilt } from './restore-helpers.js';

const out = mkdtempSync(path.join(tmpdir(), 'cxarchive-demo-attachments-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const reportFile = path.join(out, 'attachments', 'report.json');
const files = path.join(ROOT, 'examples', 'attachments', 'files');

const demo = () =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo-attachments.mjs')], {
      cwd: ROOT,
      env: { ...process.env, DEMO_OUTPUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Bounded: a demo that hangs fails the test instead of holding the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

interface Report {
  flow: string;
  status: string;
  counts: { archived: number; failed: number; skipped: number };
  failures: { itemId: string; errorTag: string; reason: string }[];
}
const readReport = () => JSON.parse(readFileSync(reportFile, 'utf8')) as Report;

const unavailable = clamdUnavailable();
const suite = unavailable === undefined ? describe : describe.skip;

suite(`npm run demo:attachments${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('sends the clean files, refuses the others with their cause, and sends nothing new the second time', async () => {
    assertBuilt();
    const first = await demo();
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const report = readReport();
    expect(report.flow).toBe('attach');
    expect(report.status).toBe('completed_with_failures');
    // The PDF, the PNG, the WAV and the DOCX are sent and confirmed.
    expect(report.counts).toMatchObject({ archived: 4, failed: 3 });
    const reasons = Object.fromEntries(report.failures.map((f) => [path.basename(f.itemId), f.reason]));
    expect(reasons['statement.pdf']).toMatch(/MIME mismatch: "statement\.pdf" is named \.pdf .*\(exe\)/);
    expect(reasons['long-call.wav']).toMatch(/too large: 6 MiB \(cap 5 MiB\)/);
    expect(reasons['eicar-test.txt']).toMatch(/malware: Local\.Test\.EICAR\.UNOFFICIAL/);
    expect(report.failures.every((f) => f.errorTag === 'InvalidInput')).toBe(true);
    // What each contact received, as read back from the simulator.
    expect(first.stdout).toMatch(
      /contact 4100012 \(Web chat\) received in this run: .*Invoice, November 2026\.pdf/,
    );
    expect(first.stdout).toMatch(/contact 4100012 \(Web chat\) received in this run: .*signature\.png/);
    expect(first.stdout).toContain(
      'contact 4100014 (Support mailbox) received in this run: Call-back recording.wav',
    );
    expect(first.stdout).toMatch(/contact 4100024 .* received in this run: Contract\.docx/);
    expect(first.stdout).toMatch(
      /webhook receiver: \d+ messages verified \(4 attachment\.sent, 3 attachment\.refused, 1 run\.completed\), 0 refused/,
    );
    // No secret and no signed URL is printed or reported.
    const printed = first.stdout + first.stderr + readFileSync(reportFile, 'utf8');
    for (const secret of [
      DEMO_CREDENTIALS.accessKeySecret,
      DEMO_CREDENTIALS.clientSecret,
      'whsec_',
      'signature=',
    ])
      expect(printed).not.toContain(secret);
    // The inputs written for the run are gone (the EICAR file never stays in the working tree).
    expect(existsSync(path.join(files, 'eicar-test.txt'))).toBe(false);
    expect(existsSync(path.join(files, 'long-call.wav'))).toBe(false);

    const second = await demo();
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(readReport().counts).toMatchObject({ archived: 0, failed: 3, skipped: 4 });
    expect(second.stdout).toContain('Nothing new was sent');
    expect(second.stdout).toContain('contact 4100012 (Web chat) received in this run: nothing new');
    expect(second.stdout).not.toMatch(/attachment\.sent/);
  }, 320_000);
});
