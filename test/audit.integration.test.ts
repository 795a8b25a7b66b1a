import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AUDIT_GENESIS,
  type AuditEntry,
  auditHeadFileOf,
  auditLogPath,
  type LoadedPipeline,
  openAuditWriter,
  sealEntry,
  verifyAuditLog,
} from '@cxarchive/core/host';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from './crash/children.js';
import { makeTenant, ROOT, runTenant, type Tenant } from './helpers.js';

// The audit trail: a real run's log (simulator → source-cxone → gzip-aes → sink-fs), its hash
// chain checked by verifyAuditLog and by the built CLI (`cxarchive audit`), and every kind of
// damage found at the right line.

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
/** Unique values for the CXone secrets: none may appear in the log, in any encoding. */
const CANARY = {
  accessKeySecret: 'audit-canary-akS-7f3e91c2d4b8a6',
  clientSecret: 'audit-canary-clS-2b9d7e5a1c3f08',
};

const cli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

const tenants: Tenant[] = [];
const tenant = async (contacts = 6, extra = '') => {
  const t = await makeTenant(FS_SINK, { contacts, extra, simulator: { credentials: CANARY } });
  tenants.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});
beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'audit.js')))
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
});

const logOf = (t: Tenant) => path.join(t.dir, '.cxarchive', 'e2e.audit.jsonl');
/** The log's lines (without the empty string after the final end of line). */
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const entriesOf = (file: string) => linesOf(file).map((l) => JSON.parse(l) as AuditEntry);
const writeLines = (file: string, lines: string[]) => writeFileSync(file, `${lines.join('\n')}\n`);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('the audit log of a real run', () => {
  it('has one chained entry per state change, with who, what, keys and checksums, and verifies', async () => {
    const t = await tenant(6);
    const report = await runTenant(t);
    expect(report.status).toBe('succeeded');
    const file = logOf(t);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const entries = entriesOf(file);
    expect(entries.map((e) => e.type)).toEqual([
      'run.started',
      ...Array(6).fill('item.archived'),
      'run.completed',
    ]);
    expect(entries[0]!.prev).toBe(AUDIT_GENESIS);
    for (const [i, e] of entries.entries()) {
      expect(e).toMatchObject({ runId: report.runId, tenant: 'e2e', version: '0.1.0' });
      expect(e.host.length).toBeGreaterThan(0);
      if (i > 0) expect(e.prev).toBe(entries[i - 1]!.hash);
    }
    expect(entries.at(-1)).toMatchObject({ outcome: 'succeeded', counts: { archived: 6, failed: 0 } });
    // Every object's checksum is the SHA-256 of the file the sink holds, under its key.
    const archived = entries.filter((e) => e.type === 'item.archived');
    expect(new Set(archived.map((e) => e.itemId)).size).toBe(6);
    for (const e of archived) {
      expect(e.outcome).toBe('archived');
      expect(e.objects!.length).toBeGreaterThan(0);
      for (const o of e.objects!)
        expect(sha256(readFileSync(path.join(t.dir, 'archive', o.physicalKey)))).toBe(o.sha256);
    }
    // Each line's hash is the SHA-256 of the line without its first member (checkable by hand).
    for (const line of linesOf(file))
      expect(sha256(`{${line.slice('{"hash":"'.length + 64 + 2)}`)).toBe(JSON.parse(line).hash);

    const verified = await verifyAuditLog(file);
    expect(verified.break).toBeUndefined();
    expect(verified).toMatchObject({ lines: 8, entries: 8, lastHash: entries.at(-1)!.hash, repairs: [] });
    // The head beside the log records its end.
    expect(verified.head).toMatchObject({
      size: statSync(file).size,
      hash: entries.at(-1)!.hash,
      runId: report.runId,
    });
  });

  it('is continued by the next run: its first entry names the last one of the run before', async () => {
    const t = await tenant(3);
    const first = await runTenant(t);
    const before = entriesOf(logOf(t));
    const second = await runTenant(t);
    expect(second.runId).not.toBe(first.runId);
    const after = entriesOf(logOf(t));
    expect(after.slice(0, before.length)).toEqual(before);
    const appended = after.slice(before.length);
    expect(appended[0]).toMatchObject({
      type: 'run.started',
      runId: second.runId,
      prev: before.at(-1)!.hash,
    });
    const verified = await verifyAuditLog(logOf(t));
    expect(verified.break).toBeUndefined();
    expect(verified.entries).toBe(after.length);
    expect(verified.head).toMatchObject({ runId: second.runId, hash: after.at(-1)!.hash });
  });

  it('holds no secret (in any encoding) and no record content, also when the source refuses the credentials', async () => {
    const t = await tenant(4);
    expect((await runTenant(t)).status).toBe('succeeded');
    // Then a run whose client secret is wrong: the auth failure and its reason go into the log.
    const wrong = 'audit-canary-wrong-9e8d7c6b5a4f';
    const failed = await runTenant(t, { env: { ...t.env, CXONE_CLIENT_SECRET: wrong } });
    expect(failed.status).toBe('failed');
    const bytes = readFileSync(logOf(t));
    const text = bytes.toString('utf8');
    expect(entriesOf(logOf(t)).at(-1)).toMatchObject({ type: 'run.completed', outcome: 'failed' });
    for (const secret of [CANARY.accessKeySecret, CANARY.clientSecret, wrong]) {
      for (const form of [
        secret,
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('hex'),
        encodeURIComponent(secret),
        Buffer.from(`${t.simulator.credentials.clientId}:${secret}`).toString('base64'),
      ])
        expect(text).not.toContain(form);
    }
    expect(text).not.toContain(readFileSync(t.keyFile, 'utf8').trim());
    const personal = t.simulator.dataset.contacts.flatMap((c) => [
      c.fromAddress,
      c.toAddress,
      c.firstName,
      c.lastName,
    ]);
    expect(personal.filter(Boolean).length).toBeGreaterThan(0);
    for (const value of personal.filter(Boolean)) expect(text).not.toContain(String(value));
    expect((await verifyAuditLog(logOf(t))).break).toBeUndefined();
  });
});

describe('a run killed mid-way', () => {
  it('leaves an intact chain that the next run continues (what it had not written yet is lost, not faked)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-audit-'));
    try {
      const killed = await runChild({ dir, fault: 'after-commit:*:kill:3' });
      expect(killed.signal).toBe('SIGKILL');
      const file = path.join(dir, '.cxarchive', 'acme.audit.jsonl');
      const before = entriesOf(file);
      expect(before[0]).toMatchObject({ type: 'run.started', runId: killed.runId });
      expect(before.map((e) => e.type)).not.toContain('run.completed');
      expect((await verifyAuditLog(file)).break).toBeUndefined();
      const next = await runChild({ dir });
      expect(next.report?.status).toBe('succeeded');
      const after = entriesOf(file);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after[before.length]).toMatchObject({
        type: 'run.started',
        runId: next.runId,
        prev: before.at(-1)!.hash,
      });
      expect(after.at(-1)).toMatchObject({ type: 'run.completed', runId: next.runId });
      const v = await verifyAuditLog(file);
      expect(v.break).toBeUndefined();
      expect(v.entries).toBe(after.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('damage to the log is found at its line', () => {
  /** A real log of 2 runs (the first archives what the source has, the second finds nothing new). */
  const realLog = async () => {
    const t = await tenant(4);
    await runTenant(t);
    await runTenant(t);
    const file = logOf(t);
    const lines = linesOf(file);
    expect(JSON.parse(lines.at(-1)!).type).toBe('run.completed');
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect((await verifyAuditLog(file)).break).toBeUndefined();
    return { t, file, lines };
  };

  it('an edited line (its hash kept) breaks at that line', async () => {
    const { file, lines } = await realLog();
    const k = 3;
    const entry = JSON.parse(lines[k - 1]!) as AuditEntry;
    lines[k - 1] = lines[k - 1]!.replace(`"itemId":"${entry.itemId}"`, '"itemId":"999"');
    expect(lines[k - 1]).toContain('"itemId":"999"');
    writeLines(file, lines);
    const v = await verifyAuditLog(file);
    expect(v.break).toEqual({ line: k, problem: expect.stringMatching(/line 3 was altered/) });
    expect(v.entries).toBe(k - 1);
  });

  it('an edited line resealed with a new hash breaks at the line after it', async () => {
    const { file, lines } = await realLog();
    const k = 4;
    const { hash: _h, prev, ...fields } = JSON.parse(lines[k - 1]!) as AuditEntry;
    lines[k - 1] = sealEntry(prev, { ...fields, itemId: '999' }).line;
    writeLines(file, lines);
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(k + 1);
    expect(v.break?.problem).toMatch(/line 5 does not follow the entry before it \(line 4\)/);
  });

  it('a deleted line breaks where it was', async () => {
    const { file, lines } = await realLog();
    lines.splice(5 - 1, 1);
    writeLines(file, lines);
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(5);
    expect(v.break?.problem).toMatch(/a line was removed, inserted or moved here/);
  });

  it('a deleted first line breaks at line 1: the chain no longer starts at the genesis value', async () => {
    const { file, lines } = await realLog();
    writeLines(file, lines.slice(1));
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(1);
    expect(v.break?.problem).toMatch(/not the genesis value/);
  });

  it('a reordered pair breaks at the first line of the pair', async () => {
    const { file, lines } = await realLog();
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    writeLines(file, lines);
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(6);
    expect(v.break?.problem).toMatch(/does not follow/);
  });

  it('a file cut at the end of a line is shorter than its head: the first missing line is named', async () => {
    const { file, lines } = await realLog();
    writeLines(file, lines.slice(0, 6));
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(7);
    expect(v.break?.problem).toMatch(
      /the log ends after line 6 .*its head records an entry ending at byte \d+.*cut/,
    );
  });

  it('a file cut inside a line: the incomplete last line is named', async () => {
    const { file, lines } = await realLog();
    truncateSync(file, statSync(file).size - 40);
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(lines.length);
    expect(v.break?.problem).toMatch(
      new RegExp(`line ${lines.length} is incomplete \\(\\d+ bytes, no end of line\\)`),
    );
  });

  it('a cut log is recorded by the next run, and stays a break: nothing is silently passed over', async () => {
    const { t, file, lines } = await realLog();
    writeLines(file, lines.slice(0, 6));
    const third = await runTenant(t);
    const entries = entriesOf(file);
    expect(entries[6]).toMatchObject({
      type: 'chain.repaired',
      runId: third.runId,
      prev: entries[5]!.hash,
      repair: { cause: 'truncated', size: Buffer.byteLength(`${lines.slice(0, 6).join('\n')}\n`) },
    });
    expect(entries[7]).toMatchObject({ type: 'run.started', runId: third.runId, prev: entries[6]!.hash });
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(7);
    expect(v.break?.problem).toMatch(
      /line 7 records damage a run found in the log.*the end of the log was cut/,
    );
  });

  it('a torn last line (a run cut off mid-write) is found; the next run records it and goes on, and the chain verifies', async () => {
    const { t, file, lines } = await realLog();
    // What a write cut short leaves: the first part of an entry, no end of line (the head not moved).
    const torn = sealEntry(JSON.parse(lines.at(-1)!).hash, {
      type: 'item.archived',
      at: new Date().toISOString(),
      runId: 'cut-off-run',
      tenant: 'e2e',
      host: 'h',
      version: '0.1.0',
      itemId: '42',
    }).line.slice(0, 120);
    appendFileSync(file, torn);
    const n = lines.length + 1; // the torn line's number
    const before = await verifyAuditLog(file);
    expect(before.break?.line).toBe(n);
    expect(before.break?.problem).toMatch(
      new RegExp(`line ${n} is incomplete \\(120 bytes, no end of line\\)`),
    );
    const cli1 = await cli(['audit', t.file, '--verify']);
    expect(cli1.code).toBe(5);
    expect(cli1.stdout).toContain(`the chain breaks at line ${n}`);

    const next = await runTenant(t);
    const after = linesOf(file);
    expect(after[n - 1]).toBe(torn);
    const repair = JSON.parse(after[n]!) as AuditEntry;
    expect(repair).toMatchObject({
      type: 'chain.repaired',
      runId: next.runId,
      prev: JSON.parse(lines.at(-1)!).hash,
      repair: {
        cause: 'torn',
        line: { offset: Buffer.byteLength(`${lines.join('\n')}\n`), bytes: 120, sha256: sha256(torn) },
      },
    });
    expect(repair.reason).toMatch(/incomplete line .* a run was cut off while writing it/);
    expect(JSON.parse(after[n + 1]!)).toMatchObject({
      type: 'run.started',
      runId: next.runId,
      prev: repair.hash,
    });
    const v = await verifyAuditLog(file);
    expect(v.break).toBeUndefined();
    expect(v.repairs).toEqual([{ line: n, repairedAt: n + 1, runId: next.runId, at: repair.at, bytes: 120 }]);
    const cli2 = await cli(['audit', t.file, '--verify']);
    expect(cli2.code).toBe(0);
    expect(cli2.stdout).toContain('the chain is intact');
    expect(cli2.stdout).toMatch(
      new RegExp(
        `line ${n} is a line torn by a run cut off while writing it \\(120 bytes\\); run \\S+ recorded it at line ${n + 1}`,
      ),
    );
  });

  it('a torn line that no repair names, in the middle of the log, is a break at that line', async () => {
    const { file, lines } = await realLog();
    lines.splice(4, 0, '{"hash":"0123');
    writeLines(file, lines);
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(5);
    expect(v.break?.problem).toMatch(/line 5 is not an audit entry/);
  });

  it('a last line that is complete but not an intact entry: the next run restarts the chain and says so, verify still fails there', async () => {
    const { t, file, lines } = await realLog();
    // Same length, so the log is not shorter than its head: only the last line is wrong.
    const n = lines.length;
    lines[n - 1] = lines[n - 1]!.replace('"outcome":"succeeded"', '"outcome":"SUCCEEDED"');
    expect(lines[n - 1]).toContain('"outcome":"SUCCEEDED"');
    writeLines(file, lines);
    await runTenant(t);
    const entries = entriesOf(file);
    expect(entries[n]).toMatchObject({
      type: 'chain.repaired',
      prev: AUDIT_GENESIS,
      repair: { cause: 'unverifiable', line: { bytes: Buffer.byteLength(lines[n - 1]!) } },
    });
    expect(entries[n]!.reason).toMatch(
      /the last line of the log \(at byte \d+\) was altered: .*the chain restarts from the genesis value/,
    );
    const v = await verifyAuditLog(file);
    expect(v.break?.line).toBe(n);
  });
});

describe('a large log', () => {
  /** Writes `n` entries through the writer the event bus uses, as one run would. */
  const writeLog = async (file: string, n: number) => {
    const writer = openAuditWriter(file, String);
    const who = { runId: 'big-run', tenant: 'acme', host: 'h', version: '0.1.0' };
    for (let i = 0; i < n; i++) {
      writer.append({
        ...who,
        type: 'item.archived',
        at: new Date(Date.UTC(2026, 10, 30, 0, 0, i)).toISOString(),
        itemId: String(100000 + i),
        outcome: 'archived',
        objects: [
          {
            artifact: 'contact.json',
            sink: 'sinks[0]',
            key: `acme/2026/11/30/${100000 + i}/contact.json.cxar`,
            physicalKey: `acme/2026/11/30/${100000 + i}/contact.json.cxar`,
            size: 1000 + i,
            sha256: sha256(String(i)),
            checksum: { algorithm: 'sha256', value: sha256(String(i)) },
          },
        ],
      });
      // Let the writer run now and then, as the event loop does during a run.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const closed = await writer.close();
    expect(closed).toMatchObject({ entries: n, size: statSync(file).size });
  };

  it('is read across chunk boundaries: a break deep inside is found at its line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-audit-'));
    try {
      const file = path.join(dir, 'acme.audit.jsonl');
      await writeLog(file, 3000);
      /** The entries of the log, past the torn line (the one line that is not JSON). */
      const entriesOf = (f: string) =>
        linesOf(f).flatMap((l) => {
          try {
            return [JSON.parse(l) as AuditEntry];
          } catch {
            return [];
          }
        });
      expect(statSync(file).size).toBeGreaterThan(10 * 64 * 1024);
      const intact = await verifyAuditLog(file);
      expect(intact).toMatchObject({ lines: 3000, entries: 3000, repairs: [] });
      expect(intact.break).toBeUndefined();
      // An entry longer than a read chunk, then a torn line longer than one: the next writer reads
      // both backwards across chunks, chains to the long entry and records the torn one.
      const big = openAuditWriter(file, String);
      const object = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!).objects[0];
      big.append({
        type: 'item.archived',
        at: new Date().toISOString(),
        runId: 'big-entry',
        tenant: 'acme',
        host: 'h',
        version: '0.1.0',
        itemId: 'many-objects',
        outcome: 'archived',
        objects: Array.from({ length: 400 }, () => object),
      });
      await big.close();
      const longEntry = linesOf(file).at(-1)!;
      expect(longEntry.length).toBeGreaterThan(100 * 1024);
      appendFileSync(file, `{"hash":"${'x'.repeat(70 * 1024)}`);
      const after = openAuditWriter(file, String);
      after.append({
        type: 'run.started',
        at: new Date().toISOString(),
        runId: 'after',
        tenant: 'acme',
        host: 'h',
        version: '0.1.0',
      });
      await after.close();
      const tail = entriesOf(file).slice(-2);
      expect(tail[0]).toMatchObject({
        type: 'chain.repaired',
        prev: JSON.parse(longEntry).hash,
        repair: { cause: 'torn', line: { bytes: 9 + 70 * 1024 } },
      });
      const repaired = await verifyAuditLog(file);
      expect(repaired.break).toBeUndefined();
      expect(repaired.repairs).toMatchObject([{ line: 3002, repairedAt: 3003, runId: 'after' }]);

      const lines = linesOf(file);
      lines[2345] = lines[2345]!.replace('"size":3345', '"size":3346');
      writeLines(file, lines);
      const v = await verifyAuditLog(file);
      expect(v.break?.line).toBe(2346);
      expect(v.break?.problem).toMatch(/line 2346 was altered/);
      // A line too long to be an entry is refused without being held in memory.
      lines[2345] = `{"x":"${'a'.repeat(9 * 1024 * 1024)}"}`;
      writeLines(file, lines);
      const long = await verifyAuditLog(file);
      expect(long.break).toEqual({
        line: 2346,
        problem: expect.stringMatching(/line 2346 is longer than \d+ bytes/),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cxarchive audit', () => {
  it('prints the log readably, filters by item and time, and needs no credentials', async () => {
    const t = await tenant(3);
    const report = await runTenant(t);
    const entries = entriesOf(logOf(t));
    const item = entries.find((e) => e.type === 'item.archived')!;
    // No CXONE_* variable is set for the CLI: only the tenant and the state are used.
    const all = await cli(['audit', t.file]);
    expect(all.code).toBe(0);
    const printed = all.stdout.split('\n').filter(Boolean);
    expect(printed[0]).toMatch(
      new RegExp(`^\\S+Z  run.started     -  run ${report.runId} started on .+ \\(cxarchive 0\\.1\\.0\\)$`),
    );
    expect(printed.at(-1)).toMatch(
      /run.completed .* succeeded: archived 3, failed 0, awaiting 0, skipped 0$/,
    );
    const o = item.objects![0]!;
    expect(all.stdout).toContain(`    ${o.sink}  ${o.physicalKey}  ${o.size} B  sha256 ${o.sha256}`);

    const one = await cli(['audit', t.file, '--item', item.itemId!]);
    expect(one.code).toBe(0);
    const heads = one.stdout.split('\n').filter((l) => l && !l.startsWith('    '));
    expect(heads).toHaveLength(1);
    expect(heads[0]).toContain(
      `  item.archived   ${item.itemId}  run ${report.runId}: ${item.objects!.length} objects`,
    );

    const later = await cli(['audit', t.file, '--since', '2999-01-01']);
    expect(later.code).toBe(0);
    expect(later.stdout).toBe('');
    expect(later.stderr).toContain('no entries match');
    // From the 3rd entry's time on (entries of the same millisecond before it included), also
    // written without a zone: UTC, whatever the local zone.
    const from = entries[2]!.at;
    const expected = linesOf(logOf(t)).filter((l) => JSON.parse(l).at >= from);
    expect(expected.length).toBeLessThan(entries.length);
    for (const since of [from, from.replace(/Z$/, '')]) {
      const r = await cli(['audit', t.file, '--since', since, '--json'], { TZ: 'America/New_York' });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(expected);
    }
    const earlier = await cli(['audit', t.file, '--since', '2000-01-01T00:00:00Z', '--json']);
    // --json: the entries exactly as stored, so they can be checked again.
    expect(earlier.stdout.split('\n').filter(Boolean)).toEqual(linesOf(logOf(t)));
  });

  it('--verify exits 0 on an intact log and 4 at a break, naming the line; --json gives the result', async () => {
    const t = await tenant(3);
    await runTenant(t);
    const ok = await cli(['audit', t.file, '--verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/e2e\.audit\.jsonl: 5 lines, 5 entries: the chain is intact/);
    expect(ok.stdout).toMatch(/its head \(byte \d+, written by run \S+ at \S+\) matches/);
    const lines = linesOf(logOf(t));
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    writeLines(logOf(t), lines);
    const broken = await cli(['audit', t.file, '--verify']);
    expect(broken.code).toBe(5);
    expect(broken.stdout).toContain('the chain breaks at line 2');
    expect(broken.stdout).toMatch(/line 2 does not follow the entry before it \(line 1\)/);
    const json = await cli(['audit', t.file, '--verify', '--json']);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ lines: 2, entries: 1, break: { line: 2 } });
    // Printing still works on a broken log.
    expect((await cli(['audit', t.file])).code).toBe(0);
  });

  it('a missing log, a bad --since, --verify with a filter and an invalid pipeline are told apart', async () => {
    const t = await tenant(2);
    const none = await cli(['audit', t.file]);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('no audit log at');
    expect(none.stderr).toContain('has not run');
    const noneVerify = await cli(['audit', t.file, '--verify']);
    expect(noneVerify.code).toBe(0);
    expect(noneVerify.stderr).toContain('nothing to verify');
    const since = await cli(['audit', t.file, '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since: "yesterday" is not an ISO 8601 time');
    const both = await cli(['audit', t.file, '--verify', '--item', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /--item.*cannot also be provided when using --verify|--verify.*cannot also be provided/,
    );
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('concurrency: 3', 'concurency: 3'));
    const invalid = await cli(['audit', t.file]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('unknown key "concurency"');
  });

  it('a run writes where state.auditLog says (relative to the pipeline file), and audit reads it there', async () => {
    const t = await tenant(4, 'state: { auditLog: ./logs/e2e.jsonl }');
    const report = await runTenant(t);
    expect(report.status).toBe('succeeded');
    const file = path.join(t.dir, 'logs', 'e2e.jsonl');
    expect(entriesOf(file).filter((e) => e.type === 'item.archived')).toHaveLength(4);
    expect(existsSync(logOf(t))).toBe(false);
    const r = await cli(['audit', t.file, '--verify']);
    expect(r.code).toBe(0);
  });

  it('a log that cannot be read exits 3', async () => {
    const t = await tenant(2);
    await runTenant(t);
    // A directory where the log is (at its default place, which the pipeline file does not name:
    // a state.auditLog naming a directory is refused as an invalid file, exit 2): unreadable as a
    // file, whoever runs the test.
    const file = logOf(t);
    rmSync(file);
    mkdirSync(file);
    const r = await cli(['audit', t.file, '--verify']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot read the audit log');
    expect(existsSync(file)).toBe(true);
  });

  it('a state.auditLog naming a directory is refused as an invalid pipeline file (exit 2), naming the option', async () => {
    const t = await tenant(2);
    writeFileSync(
      t.file,
      readFileSync(t.file, 'utf8').replace('concurrency: 3', 'concurrency: 3\nstate: { auditLog: ./keys }'),
    );
    const r = await cli(['audit', t.file, '--verify']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('state.auditLog');
  });
});

describe('state.auditLog', () => {
  it('places the log relative to the pipeline file; the default is beside the ledger', () => {
    const loaded = (state: Record<string, string>) =>
      ({
        file: '/p/tenants/acme/archive.pipeline.yaml',
        dir: '/p/tenants/acme',
        config: { tenant: 'acme', state: { store: 'sqlite', lease: '1m', ...state } },
      }) as unknown as LoadedPipeline;
    expect(auditLogPath({ loaded: loaded({}) })).toBe('/p/tenants/acme/.cxarchive/acme.audit.jsonl');
    expect(auditLogPath({ loaded: loaded({ path: '../state/acme.db' }) })).toBe(
      '/p/tenants/state/acme.audit.jsonl',
    );
    expect(auditLogPath({ loaded: loaded({ auditLog: '../../audit/acme.jsonl' }) })).toBe(
      '/p/audit/acme.jsonl',
    );
    expect(auditHeadFileOf('/p/audit/acme.jsonl')).toBe('/p/audit/acme.jsonl.head');
  });
});
