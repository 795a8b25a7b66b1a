// `cxarchive status` driven through its oclif entry point against a tenant archived from the
// simulator with sink-fs: the ledger read back (checkpoint, items, runs, failures, lock, the attach
// flow's jobs) without the source's credentials in the environment.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteLedger } from '@cxarchive/core/host';
import { afterEach, describe, expect, it } from 'vitest';
import Status from '../packages/cli/src/commands/status.js';
import { makeTenant, runTenant, type Tenant } from './helpers.js';
import { runCommand } from './status-report-cli.js';

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

const SINK = '  - use: fs\n    with: { root: ./archive, fsync: false }';
const ledgerOf = (t: Tenant) => path.join(t.dir, '.cxarchive', 'e2e.db');

/** A tenant whose first run failed every voice contact (Media Playback answering 500), the second archived them. */
const archivedWithHistory = async () => {
  const t = await makeTenant(SINK, { contacts: 8 });
  tenants.push(t);
  t.simulator.faults.set([{ route: 'media-playback', kind: 'status', status: 500, count: 'always' }]);
  const first = await runTenant(t);
  t.simulator.faults.set([]);
  return { t, first };
};

describe('cxarchive status', () => {
  it('says a tenant has not run, without creating a ledger', async () => {
    const t = await makeTenant(SINK, { contacts: 2 });
    tenants.push(t);
    const { stdout, stderr, exit } = await runCommand(Status, [t.file]);
    expect(exit).toBeUndefined();
    expect(stderr).toBe('');
    expect(stdout).toBe(
      `tenant e2e has not run yet: no ledger at ${ledgerOf(t)} (\`cxarchive run\` makes it)\n`,
    );
    expect(existsSync(ledgerOf(t))).toBe(false);
    const json = await runCommand(Status, [t.file, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      tenant: 'e2e',
      pipelineFile: t.file,
      ledger: ledgerOf(t),
      exists: false,
      runs: [],
    });
    expect(existsSync(ledgerOf(t))).toBe(false);
  });

  it('shows checkpoint, items, runs and the failed items with reasons, with no source secret set', async () => {
    const { t, first } = await archivedWithHistory();
    expect(first.counts.failed).toBeGreaterThan(0);
    // The command runs with none of the CXONE_* variables in its environment.
    for (const name of Object.keys(t.env)) expect(process.env[name]).toBeUndefined();
    const { stdout, stderr, exit } = await runCommand(Status, [t.file]);
    expect(stderr).toBe('');
    expect(exit).toBeUndefined();
    const ledger = openSqliteLedger(ledgerOf(t));
    const counts = await ledger.counts('e2e', 'cxone');
    const checkpoint = await ledger.getCheckpoint('e2e', 'cxone');
    await ledger.close();
    expect(counts.failed).toBe(first.counts.failed);
    expect(stdout).toContain(
      `items: archived ${counts.archived}, failed ${counts.failed}, awaiting ${counts.awaiting}, pending 0, dropped ${counts.dropped}`,
    );
    expect(stdout).toContain(
      `checkpoint: contacts last updated up to ${checkpoint!.updatedSince} are listed`,
    );
    expect(stdout).toContain(
      `listed so far: from the first run's since (the pipeline says 2026-01-01T00:00:00Z now) up to ${checkpoint!.updatedSince}`,
    );
    const next = new Date(Date.parse(String(checkpoint!.updatedSince)) - 15 * 60_000).toISOString();
    expect(stdout).toContain(
      `the next run lists contacts updated from ${next} (the checkpoint less the overlap of 15m)`,
    );
    expect(stdout).toContain('lock: none (no run holds the tenant)');
    expect(stdout).toContain('runs (latest 1, newest first):');
    expect(stdout).toMatch(
      new RegExp(
        `  ${first.runId}  ${first.startedAt}  completed with failures  archived ${first.counts.archived}, failed ${first.counts.failed}, awaiting ${first.counts.awaiting}, skipped ${first.counts.skipped}  \\d+\\.\\d s\\n`,
      ),
    );
    // Every failed item of the report, with its reason, as the ledger recorded it.
    for (const f of first.failures.slice(0, 10))
      expect(stdout).toMatch(
        new RegExp(`  ${f.itemId}  attempts 1  run ${first.runId}: \\[${f.errorTag}\\] .*HTTP 500`),
      );
    expect(stdout).toContain(`the latest report: \`cxarchive report\` (run ${first.runId})`);
  });

  it('lists the first failed items, every one with --failed, and streams them in --json', async () => {
    const { t, first } = await archivedWithHistory();
    const total = first.counts.failed;
    const ledger = openSqliteLedger(ledgerOf(t));
    // More failures than the first ten: add some to the ledger as a run would record them.
    for (let i = 0; i < 25; i++) {
      const id = `extra-${String(i).padStart(2, '0')}`;
      await ledger.beginItem('e2e', 'cxone', { id, data: {} }, 'r-extra', new Date());
      await ledger.settleItem(
        'e2e',
        'cxone',
        id,
        { status: 'failed', error: `NotFound: ${id} is gone` },
        'r-extra',
        new Date(),
      );
    }
    await ledger.close();
    const all = total + 25;
    const short = await runCommand(Status, [t.file]);
    expect(short.stdout).toContain(`failed items (the first 10 of ${all}; --failed lists them all):`);
    expect(short.stdout.split('\n').filter((l) => / attempts \d+ {2}run /.test(l))).toHaveLength(10);
    const full = await runCommand(Status, [t.file, '--failed']);
    expect(full.stdout).toContain(`failed items (${all}):`);
    const lines = full.stdout.split('\n').filter((l) => / attempts \d+ {2}run /.test(l));
    expect(lines).toHaveLength(all);
    expect(lines).toContain('  extra-24  attempts 1  run r-extra: NotFound: extra-24 is gone');
    const json = await runCommand(Status, [t.file, '--json', '--failed', '--runs', '3']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.failed).toHaveLength(all);
    expect(parsed.failedTotal).toBe(all);
    expect(parsed.items.failed).toBe(all);
    expect(parsed.failed.map((f: { itemId: string }) => f.itemId)).toEqual(
      [...parsed.failed.map((f: { itemId: string }) => f.itemId)].sort(),
    );
    expect(parsed.runs[0]).toMatchObject({ runId: first.runId, status: 'completed_with_failures' });
    expect(parsed.window).toMatchObject({ since: '2026-01-01T00:00:00Z', overlap: '15m' });
    expect(Object.keys(parsed.checkpoint)).toEqual(['updatedSince']);
    expect(parsed.window.through).toBe(parsed.checkpoint.updatedSince);
    const few = JSON.parse((await runCommand(Status, [t.file, '--json'])).stdout);
    expect(few.failed).toHaveLength(10);
  });

  it('shows every run newest first, and the lock holder with its lease', async () => {
    const { t, first } = await archivedWithHistory();
    const second = await runTenant(t);
    expect(second.status).toBe('succeeded');
    const ledger = openSqliteLedger(ledgerOf(t));
    await ledger.recordRun('held-run', 'e2e', new Date());
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    await ledger.acquireLease(
      'e2e',
      { runId: 'held-run', pid: 4242, host: 'worker-2', since: '2026-11-30T17:29:30.000Z', expiresAt },
      new Date(),
    );
    await ledger.close();
    const { stdout } = await runCommand(Status, [t.file]);
    const runLines = stdout.split('\n').filter((l) => /^ {2}\S+ {2}\d{4}-/.test(l));
    expect(runLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['held-run', second.runId, first.runId]);
    expect(runLines[0]).toContain('running');
    expect(runLines[1]).toContain(`succeeded  archived ${second.counts.archived}, failed 0`);
    expect(stdout).toContain(
      `lock: held by run held-run (pid 4242 on worker-2, since 2026-11-30T17:29:30.000Z), lease expires at ${expiresAt}; if that run is gone for good, \`cxarchive unlock\` releases it`,
    );
    expect(stdout).toContain(`items: archived ${first.counts.archived + second.counts.archived}, failed 0,`);
    const two = await runCommand(Status, [t.file, '--runs', '2']);
    expect(two.stdout).toContain('runs (latest 2, newest first):');
    expect(two.stdout).not.toContain(first.runId);
  });

  it("shows an attach pipeline's attachment jobs by state", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-status-attach-'));
    const file = path.join(dir, 'archive.pipeline.yaml');
    writeFileSync(
      file,
      `version: 1
tenant: att
flow: attach
source: { use: files, with: { dir: ./in, manifest: ./manifest.csv } }
sinks:
  - use: cxone-dfo
    with: { issuer: "\${CXONE_ISSUER}", accessKeyId: "\${CXONE_ACCESS_KEY_ID}" }
`,
    );
    const ledger = openSqliteLedger(path.join(dir, '.cxarchive', 'att.db'));
    const at = new Date();
    for (const [key, state] of [
      ['a', 'sending'],
      ['b', 'sent'],
      ['c', 'confirmed'],
      ['d', 'confirmed'],
    ] as const)
      await ledger.putJob('att', '#attach', key, { state, itemId: key }, at);
    await ledger.putJob('att', 'sinks[0]', 'other', { state: 'sent' }, at);
    await ledger.close();
    const { stdout, stderr, exit } = await runCommand(Status, [file]);
    expect(stderr).toBe('');
    expect(exit).toBeUndefined();
    expect(stdout).toContain('  source files (flow attach)');
    expect(stdout).toContain('attachments: sending 1, sent 1, confirmed 2');
    expect(JSON.parse((await runCommand(Status, [file, '--json'])).stdout).attachments).toEqual({
      sending: 1,
      sent: 1,
      confirmed: 2,
    });
  });

  it('exits 3 on a ledger that cannot be used, and 2 on an invalid pipeline file', async () => {
    const t = await makeTenant(SINK, { contacts: 1 });
    tenants.push(t);
    mkdirSync(path.dirname(ledgerOf(t)), { recursive: true });
    writeFileSync(ledgerOf(t), 'this is not a database, it is text long enough to be a header'.repeat(40));
    const broken = await runCommand(Status, [t.file]);
    expect(broken.exit).toBe(3);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/^cannot read the ledger: the ledger .*e2e\.db cannot be used/);
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('tenant: e2e', 'tenant: "no spaces allowed"'));
    const invalid = await runCommand(Status, [t.file]);
    expect(invalid.exit).toBe(2);
    expect(invalid.stderr).toContain('tenant');
    const usage = await runCommand(Status, [t.file, '--runs', 'many']);
    expect(usage.exit).toBe(2);
  });
});
