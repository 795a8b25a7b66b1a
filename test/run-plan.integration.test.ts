// `cxarchive run` with --since/--until, --limit, --item and --json, and `cxarchive plan`, driven
// through the built binary against the simulator and sink-fs, as an operator would.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqliteLedger, processHost } from '@cxarchive/core/host';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTenant, ROOT, snapshot, type Tenant } from './helpers.js';

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const SINK = '  - use: fs\n    with: { root: ./archive, fsync: false }';

const cli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Only the variables given: a command must not lean on the test's own environment.
    const { PATH, HOME } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: PATH ?? '', HOME: HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** Every line of JSON Lines output, parsed (a line that is not JSON fails the test). */
const jsonLines = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'plan.js')))
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
});

const ledgerFile = (t: Tenant) => path.join(t.dir, '.cxarchive', 'e2e.db');
const checkpointOf = async (t: Tenant) => {
  const ledger = openSqliteLedger(ledgerFile(t));
  try {
    return await ledger.getCheckpoint('e2e', 'cxone');
  } finally {
    await ledger.close();
  }
};
const countsOf = async (t: Tenant) => {
  const ledger = openSqliteLedger(ledgerFile(t));
  try {
    return await ledger.counts('e2e', 'cxone');
  } finally {
    await ledger.close();
  }
};

/** The simulator's contact legs by lastUpdateTime: what the listing yields, in its order. */
const legsOf = (t: Tenant) => {
  const legs = [];
  for (let i = 0; i < t.simulator.dataset.size; i++) legs.push(t.simulator.dataset.contactAt(i));
  return legs.sort((a, b) => Date.parse(a.lastUpdateTime) - Date.parse(b.lastUpdateTime));
};
const updatedIn = (t: Tenant, from: string, to = '9999-01-01T00:00:00Z') =>
  legsOf(t).filter(
    (c) => Date.parse(c.lastUpdateTime) >= Date.parse(from) && Date.parse(c.lastUpdateTime) < Date.parse(to),
  ).length;

describe('cxarchive run --since/--until', () => {
  it('prints the window queried, and a since moved back really backfills, leaving the checkpoint', async () => {
    const t = await makeTenant(SINK, { contacts: 12 });
    tenants.push(t);
    writeFileSync(
      t.file,
      readFileSync(t.file, 'utf8').replace('since: 2026-01-01T00:00:00Z', 'since: 2026-10-08T00:00:00Z'),
    );
    const later = updatedIn(t, '2026-10-08T00:00:00Z');
    const earlier = updatedIn(t, '2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z');
    expect(later).toBeGreaterThan(0);
    expect(earlier).toBeGreaterThan(0);

    const first = await cli(['run', t.file], t.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`archived ${later}, failed 0`);
    expect(first.stdout).toMatch(/window queried: lastUpdateTime from 2026-10-08T00:00:00\.000Z to \S+Z \(/);
    expect(first.stdout).toMatch(/report: \S+\/\.cxarchive\/reports\/\S+\.json/);
    const reportPath = /report: (\S+\.json)/.exec(first.stdout)![1]!;
    expect(JSON.parse(readFileSync(reportPath, 'utf8')).counts.archived).toBe(later);
    const checkpoint = await checkpointOf(t);
    expect(checkpoint).toBeDefined();

    // A since moved back in the file is not listed while the checkpoint stands: the window flags are the way.
    const back = await cli(['run', t.file, '--since', '2026-10-01', '--until', '2026-10-08'], t.env);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(`archived ${earlier}, failed 0`);
    expect(back.stdout).toContain(
      'window queried: lastUpdateTime from 2026-10-01T00:00:00.000Z to 2026-10-07T23:59:59.999Z (--since/--until: listed as asked; the stored checkpoint is not moved)',
    );
    expect(back.stderr).toContain('info window queried: lastUpdateTime from 2026-10-01T00:00:00.000Z');
    expect(await checkpointOf(t)).toEqual(checkpoint);
    expect((await countsOf(t)).archived).toBe(later + earlier);

    // The same window again stores nothing twice; the next plain run goes on from the checkpoint.
    const again = await cli(
      ['run', t.file, '--since', '2026-10-01', '--until', '2026-10-08', '--json'],
      t.env,
    );
    const report = jsonLines(again.stdout).at(-1)!;
    expect(report).toMatchObject({
      type: 'run.report',
      exitCode: 0,
      counts: { archived: 0, skipped: earlier },
    });
    expect(report.window).toMatchObject({ from: '2026-10-01T00:00:00.000Z', asked: true });
    const plain = await cli(['run', t.file], t.env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('archived 0, failed 0');
    expect(plain.stdout).toMatch(/window queried: lastUpdateTime from 2026-10-1\d/);
  });

  it('refuses a bad window with exit 2 before anything is opened', async () => {
    const t = await makeTenant(SINK, { contacts: 2 });
    tenants.push(t);
    const bad = await cli(['run', t.file, '--since', '1 October'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "1 October" is not a date');
    const reversed = await cli(['run', t.file, '--since', '2026-10-08', '--until', '2026-10-01'], t.env);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('must be later than --since');
    expect(existsSync(ledgerFile(t))).toBe(false);
  });
});

describe('cxarchive run --limit and --item', () => {
  it('--limit stops the listing after N items, and the checkpoint covers only what was settled', async () => {
    const t = await makeTenant(SINK, { contacts: 12 });
    tenants.push(t);
    const limited = await cli(['run', t.file, '--limit', '7', '--json'], t.env);
    expect(limited.code, limited.stderr).toBe(0);
    const lines = jsonLines(limited.stdout);
    expect(lines.at(-1)).toMatchObject({ type: 'run.report', counts: { seen: 7, archived: 7 } });
    expect(lines.filter((l) => l.type === 'item.archived')).toHaveLength(7);
    // Pages of 5: the first page's checkpoint is stored, the second page (cut at 2 of 5) moves it no further.
    const legs = legsOf(t);
    expect((await checkpointOf(t))?.updatedSince).toBe(new Date(legs[4]!.lastUpdateTime).toISOString());
    const rest = await cli(['run', t.file, '--json'], t.env);
    expect(jsonLines(rest.stdout).at(-1)).toMatchObject({ counts: { archived: 5, failed: 0 } });
    expect((await countsOf(t)).archived).toBe(12);
  });

  it('--item archives one item fetched by its id alone, and nothing else', async () => {
    const t = await makeTenant(SINK, { contacts: 6 });
    tenants.push(t);
    const id = legsOf(t)[3]!.contactId;
    const one = await cli(['run', t.file, '--item', id, '--json'], t.env);
    expect(one.code, one.stderr).toBe(0);
    const lines = jsonLines(one.stdout);
    expect(lines.filter((l) => l.type === 'item.archived').map((l) => l.itemId)).toEqual([id]);
    expect(lines.at(-1)).toMatchObject({ counts: { seen: 1, archived: 1 } });
    expect(await checkpointOf(t)).toBeUndefined();
    expect(await countsOf(t)).toMatchObject({ archived: 1, pending: 0, failed: 0 });

    const bogus = await cli(['run', t.file, '--item', '../etc'], t.env);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--item: "../etc" is not a CXone contact id');
    const both = await cli(['run', t.file, '--item', id, '--limit', '2'], t.env);
    expect(both.code).toBe(2);
  });
});

describe('cxarchive run --json', () => {
  it('ends with a report line on a config error (exit 2), a bad flag (exit 2) and a held tenant (exit 3)', async () => {
    const t = await makeTenant(SINK, { contacts: 2 });
    tenants.push(t);
    const canary = 'canary-secret-0b7e';
    const broken = readFileSync(t.file, 'utf8');
    writeFileSync(t.file, broken.replace('concurrency: 3', 'concurency: 3'));
    const invalid = await cli(['run', t.file, '--json'], { ...t.env, CXONE_CLIENT_SECRET: canary });
    expect(invalid.code).toBe(2);
    const [line, ...more] = jsonLines(invalid.stdout);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ type: 'run.report', exitCode: 2, status: 'invalid' });
    expect((line!.error as { message: string }).message).toContain('unknown key "concurency"');
    expect(invalid.stdout + invalid.stderr).not.toContain(canary);
    writeFileSync(t.file, broken);

    const flag = await cli(['run', t.file, '--json', '--until', '2026-10-01'], t.env);
    expect(flag.code).toBe(2);
    expect(jsonLines(flag.stdout).at(-1)).toMatchObject({ type: 'run.report', exitCode: 2, status: 'usage' });

    const ledger = openSqliteLedger(ledgerFile(t));
    await ledger.acquireLease(
      'e2e',
      {
        runId: 'other-run',
        pid: process.pid,
        host: processHost(),
        since: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
      new Date(),
    );
    await ledger.close();
    const held = await cli(['run', t.file, '--json'], t.env);
    expect(held.code).toBe(3);
    const last = jsonLines(held.stdout).at(-1)!;
    expect(last).toMatchObject({ type: 'run.report', exitCode: 3, status: 'not_started' });
    expect((last.error as { message: string }).message).toContain('other-run');
  });

  it('--log-format json writes every log line as JSON on stderr', async () => {
    const t = await makeTenant(SINK, { contacts: 3 });
    tenants.push(t);
    const ran = await cli(['run', t.file, '--log-format', 'json', '-v'], t.env);
    expect(ran.code, ran.stderr).toBe(0);
    const logs = jsonLines(ran.stderr);
    expect(logs.length).toBeGreaterThan(0);
    for (const entry of logs)
      expect(entry).toMatchObject({ time: expect.any(String), level: expect.any(String) });
    expect(logs.some((l) => String(l.message).startsWith('window queried:'))).toBe(true);
    expect(logs.some((l) => l.message === 'listed a page')).toBe(true);
  });
});

describe('cxarchive plan', () => {
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  it('writes nothing, and its counts match what the following run archives', async () => {
    const t = await makeTenant(SINK, { contacts: 12 });
    tenants.push(t);
    expect((await cli(['run', t.file, '--limit', '4'], t.env)).code).toBe(0);
    const before = { ledger: sha(ledgerFile(t)), files: snapshot(t.dir) };

    const planned = await cli(['plan', t.file, '--json'], t.env);
    expect(planned.code, planned.stderr).toBe(0);
    const [plan] = jsonLines(planned.stdout);
    expect(plan).toMatchObject({
      type: 'plan',
      exitCode: 0,
      inLedger: { archived: 4 },
      listing: { listed: 12, complete: true, new: 8, known: { archived: 4 } },
    });
    expect((plan!.listing as { examples: { key: string }[] }).examples[0]!.key).toMatch(
      /^e2e\/\{yyyy\}\/\{mm\}\/\{dd\}\/\d+\/contact\.json$/,
    );
    const text = await cli(['plan', t.file, '--max', '3'], t.env);
    expect(text.code).toBe(0);
    // The simulator answers totalRecords, as CXone does: the plan estimates from it.
    expect(text.stdout).toContain(
      'listed the first 3 items (stopped at --max); the source counts ~12 in all',
    );
    expect(text.stdout).toMatch(/estimate for the whole window: ~\d+ new/);
    expect(text.stdout).toContain('window queried: lastUpdateTime from 2026-01-01T00:00:00.000Z');
    // --offline: the ledger alone, with none of the source's variables set.
    const offline = await cli(['plan', t.file, '--offline', '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    const [off] = jsonLines(offline.stdout);
    expect(off).toMatchObject({ inLedger: { archived: 4 } });
    expect(off!.listing).toBeUndefined();
    const dry = await cli(['run', t.file, '--dry-run', '--json'], t.env);
    expect(jsonLines(dry.stdout)[0]).toMatchObject({ type: 'plan', listing: { new: 8 } });

    expect(sha(ledgerFile(t))).toBe(before.ledger);
    // SQLite gives a reader of a WAL ledger its shared-memory index (and an empty log) when none is
    // there: no data. Everything else is as it was, to the byte and the modification time.
    const auxiliary = /e2e\.db-(wal|shm):/;
    expect(snapshot(t.dir).filter((f) => !auxiliary.test(f))).toEqual(before.files);
    for (const f of snapshot(t.dir)) if (f.includes('e2e.db-wal:')) expect(f).toMatch(/e2e\.db-wal:0:/);

    const ran = await cli(['run', t.file, '--json'], t.env);
    expect(jsonLines(ran.stdout).at(-1)).toMatchObject({ counts: { archived: 8, failed: 0 } });

    // A broken file offline is still a plan line with --json (exit 2).
    const broken = readFileSync(t.file, 'utf8');
    writeFileSync(t.file, broken.replace('concurrency: 3', 'concurency: 3'));
    const invalid = await cli(['plan', t.file, '--offline', '--json']);
    expect(invalid.code).toBe(2);
    expect(jsonLines(invalid.stdout)).toMatchObject([{ type: 'plan', exitCode: 2, status: 'invalid' }]);
    writeFileSync(t.file, broken);
  });

  it('creates no ledger for a tenant that never ran', async () => {
    const t = await makeTenant(SINK, { contacts: 3 });
    tenants.push(t);
    const planned = await cli(['plan', t.file], t.env);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('none yet (the first run creates it)');
    expect(planned.stdout).toContain('would archive: 3 new');
    expect(existsSync(path.join(t.dir, '.cxarchive'))).toBe(false);
    expect(existsSync(path.join(t.dir, 'archive'))).toBe(false);
  });
});
