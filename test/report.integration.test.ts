// `cxarchive report` driven through its oclif entry point against a tenant archived from the
// simulator with sink-fs: the latest run's report or --run's, as text, JSON and one self-contained
// HTML page, which a real headless Chromium renders (screenshot, DOM read over the DevTools protocol).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteLedger, type RunReport, summarize } from '@cxarchive/core/host';
import { chromiumUnavailable, openInChromium } from '@cxarchive/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import Report from '../packages/cli/src/commands/report.js';
import { makeTenant, runTenant, type Tenant } from './helpers.js';
import { runCommand } from './status-report-cli.js';

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

const SINK = '  - use: fs\n    with: { root: ./archive, fsync: false }';
const stateOf = (t: Tenant) => path.join(t.dir, '.cxarchive');
const reportFileOf = (t: Tenant, runId: string) => path.join(stateOf(t), 'reports', `${runId}.json`);

/** Two runs: the first with every voice contact failing (Media Playback answering 500), the second archiving them. */
const twoRuns = async (contacts = 8) => {
  const t = await makeTenant(SINK, { contacts });
  tenants.push(t);
  t.simulator.faults.set([{ route: 'media-playback', kind: 'status', status: 500, count: 'always' }]);
  const first = await runTenant(t);
  t.simulator.faults.set([]);
  const second = await runTenant(t);
  return { t, first, second };
};

const HOSTILE_ID = '<script>window.__pwned = "id"</script>';
const HOSTILE_REASON = '"><img src=x onerror="window.__pwned = \'reason\'">\u202e\u001b[31m';

describe('cxarchive report', () => {
  it('refuses when there is nothing to report: no ledger, then no run', async () => {
    const t = await makeTenant(SINK, { contacts: 1 });
    tenants.push(t);
    const none = await runCommand(Report, [t.file]);
    expect(none.exit).toBe(3);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `no report: tenant e2e has not run yet (no ledger at ${path.join(stateOf(t), 'e2e.db')}; \`cxarchive run\` first)\n`,
    );
    expect(existsSync(path.join(stateOf(t), 'e2e.db'))).toBe(false);
    await openSqliteLedger(path.join(stateOf(t), 'e2e.db')).close();
    const empty = await runCommand(Report, [t.file]);
    expect(empty.exit).toBe(3);
    expect(empty.stderr).toBe('tenant e2e has no run yet: nothing to report (`cxarchive run` first)\n');
    const unknown = await runCommand(Report, [t.file, '--run', 'nope']);
    expect(unknown.exit).toBe(2);
    expect(unknown.stderr).toBe('--run: tenant e2e has no run nope in its ledger; it has no run yet\n');
  });

  it('shows the latest run as the summary, --run an earlier one, and refuses an unknown run id', async () => {
    const { t, first, second } = await twoRuns();
    const latest = await runCommand(Report, [t.file]);
    expect(latest.exit).toBeUndefined();
    expect(latest.stderr).toBe('');
    expect(latest.stdout).toBe(`${summarize(second)}\n  report ${reportFileOf(t, second.runId)}\n`);
    const earlier = await runCommand(Report, [t.file, '--run', first.runId]);
    expect(earlier.stdout).toBe(`${summarize(first)}\n  report ${reportFileOf(t, first.runId)}\n`);
    expect(earlier.stdout).toContain('completed with failures');
    const json = await runCommand(Report, [t.file, '--run', first.runId, '--format', 'json']);
    expect(json.stdout).toBe(readFileSync(reportFileOf(t, first.runId), 'utf8'));
    const unknown = await runCommand(Report, [t.file, '--run', '20261130T000000Z-000000']);
    expect(unknown.exit).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      `--run: tenant e2e has no run 20261130T000000Z-000000 in its ledger; its latest runs are ${second.runId}, ${first.runId} (\`cxarchive status\` lists them)\n`,
    );
    const badFormat = await runCommand(Report, [t.file, '--format', 'pdf']);
    expect(badFormat.exit).toBe(2);
  });

  it("shows the ledger's copy of a damaged report file, with a warning, and refuses when both are damaged", async () => {
    const { t, second } = await twoRuns(4);
    const file = reportFileOf(t, second.runId);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.slice(0, original.length / 2));
    const torn = await runCommand(Report, [t.file, '--format', 'json']);
    expect(torn.exit).toBeUndefined();
    expect(torn.stderr).toMatch(
      new RegExp(
        `^warning: the report file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be used \\(it is not JSON \\(.*\\)\\): showing the copy the ledger recorded when the run finished\\n$`,
      ),
    );
    expect(JSON.parse(torn.stdout)).toEqual(JSON.parse(original));
    // Another run's report under this run's name is not this run's.
    writeFileSync(file, original.replaceAll(second.runId, 'someone-else'));
    const swapped = await runCommand(Report, [t.file]);
    expect(swapped.stderr).toContain(`(it is not the report of run ${second.runId})`);
    expect(swapped.stdout).toBe(`${summarize(second)}\n  report ${file}\n`);
    // The ledger's copy damaged too: nothing to show.
    const ledger = openSqliteLedger(path.join(stateOf(t), 'e2e.db'));
    await ledger.finishRun(second.runId, new Date(second.finishedAt), second.status, { runId: 1 });
    await ledger.close();
    const both = await runCommand(Report, [t.file]);
    expect(both.exit).toBe(3);
    expect(both.stdout).toBe('');
    expect(both.stderr).toBe(
      `cannot show the report of run ${second.runId}: the report file ${file}: it is not the report of run ${second.runId}; the ledger's copy: it is not the report of run ${second.runId}\n`,
    );
    // A file that is gone, with the ledger's copy gone too (a run abandoned before it finished).
    const missing = await runCommand(Report, [t.file, '--run', 'abandoned-run']);
    expect(missing.exit).toBe(2);
  });

  it('skips a run that has not finished, and says so; only unfinished runs: nothing to show', async () => {
    const { t, second } = await twoRuns(3);
    const ledger = openSqliteLedger(path.join(stateOf(t), 'e2e.db'));
    await ledger.recordRun('99991231T000000Z-ffffff', 'e2e', new Date('9999-12-31T00:00:00Z'));
    await ledger.close();
    const shown = await runCommand(Report, [t.file]);
    expect(shown.exit).toBeUndefined();
    expect(shown.stderr).toBe(
      `run 99991231T000000Z-ffffff is running and has no report yet: showing run ${second.runId}, the latest finished\n`,
    );
    expect(shown.stdout).toContain(`cxarchive run ${second.runId}`);
    const unfinished = await runCommand(Report, [t.file, '--run', '99991231T000000Z-ffffff']);
    expect(unfinished.exit).toBe(3);
    expect(unfinished.stderr).toBe(
      `cannot show the report of run 99991231T000000Z-ffffff: the report file ${reportFileOf(t, '99991231T000000Z-ffffff')}: there is no such file, and the ledger recorded no copy (status running)\n`,
    );
  });

  it('writes the report with --out, whole and private, and exits 3 when it cannot', async () => {
    const { t, second } = await twoRuns(3);
    const target = path.join(t.dir, 'out.json');
    const written = await runCommand(Report, [t.file, '--format', 'json', '--out', target]);
    expect(written.exit).toBeUndefined();
    expect(written.stdout).toBe('');
    expect(written.stderr).toBe(`wrote the json report to ${target}\n`);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(reportFileOf(t, second.runId), 'utf8'));
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // Without the audit log the page is still made, and says why it has no chart.
    rmSync(path.join(stateOf(t), 'e2e.audit.jsonl'));
    const page = await runCommand(Report, [t.file, '--format', 'html']);
    expect(page.exit).toBeUndefined();
    expect(page.stdout).toContain(
      `No audit log at ${path.join(stateOf(t), 'e2e.audit.jsonl')}: the chart is made from it.`,
    );
    expect(page.stdout).not.toContain('<svg');
    expect(page.stdout).toContain(`<span id="run-id">${second.runId}</span>`);
    const nowhere = await runCommand(Report, [
      t.file,
      '--out',
      path.join(t.dir, 'no', 'such', 'dir', 'r.txt'),
    ]);
    expect(nowhere.exit).toBe(3);
    expect(nowhere.stderr).toContain(
      `cannot write ${path.join(t.dir, 'no', 'such', 'dir', 'r.txt')}: ENOENT`,
    );
  });

  it.skipIf(chromiumUnavailable() !== undefined)(
    `renders one self-contained HTML page in Chromium: counts, chart, failures as text ${chromiumUnavailable() ?? ''}`,
    async () => {
      const { t, first } = await twoRuns(8);
      expect(first.failures.length).toBeGreaterThan(1);
      // Failures carry record- and server-derived text: make one hostile, as a source could.
      const file = reportFileOf(t, first.runId);
      const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
      const failures = [
        { itemId: HOSTILE_ID, errorTag: 'InvalidInput', reason: HOSTILE_REASON },
        ...report.failures.slice(1),
      ];
      writeFileSync(
        file,
        JSON.stringify({ ...report, failures, warnings: ['<b>bold</b> & "quoted"'] }, null, 2),
      );
      const page = path.join(t.dir, 'report.html');
      const made = await runCommand(Report, [
        t.file,
        '--run',
        first.runId,
        '--format',
        'html',
        '--out',
        page,
      ]);
      expect(made.exit).toBeUndefined();
      const html = readFileSync(page, 'utf8');
      // No markup from the data, and nothing that loads anything.
      expect(html).not.toMatch(/<(script|img|link|iframe|object|embed)\b/i);
      expect(html).not.toMatch(/\b(src|href)="|url\(/i);
      expect(html).toContain('&lt;script&gt;window.__pwned = &quot;id&quot;&lt;/script&gt;');
      const browser = await openInChromium(pathToFileURL(page).href);
      try {
        const dom = await browser.evaluate<{
          rows: string[][];
          pwned: unknown;
          images: number;
          scripts: number;
          resources: number;
          status: string;
          cards: Record<string, string>;
          archivedBars: number;
          failedBars: number;
          bars: number;
          warning: string;
        }>(`(() => {
          const sum = (sel, attr) => [...document.querySelectorAll(sel)].reduce((s, e) => s + Number(e.getAttribute(attr)), 0);
          return {
            rows: [...document.querySelectorAll('#failures tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
            pwned: window.__pwned,
            images: document.images.length,
            scripts: document.scripts.length,
            resources: performance.getEntriesByType('resource').length,
            status: document.getElementById('status').textContent,
            cards: Object.fromEntries([...document.querySelectorAll('#counts .card')].map((c) => [c.querySelector('span').textContent, c.querySelector('b').textContent])),
            archivedBars: sum('#chart-items rect.bar-archived', 'data-archived'),
            failedBars: sum('#chart-items rect.bar-failed', 'data-failed'),
            bars: document.querySelectorAll('#chart-items rect').length,
            warning: document.querySelector('#warnings li').textContent,
          };
        })()`);
        expect(dom.pwned).toBeUndefined();
        expect(dom.images).toBe(0);
        expect(dom.scripts).toBe(0);
        expect(dom.resources).toBe(0);
        expect(dom.rows).toHaveLength(failures.length);
        // The hostile text is shown as text: markup as written, control and bidi characters escaped.
        expect(dom.rows[0]).toEqual([
          HOSTILE_ID,
          'InvalidInput',
          '"><img src=x onerror="window.__pwned = \'reason\'">\\u202e\\x1b[31m',
        ]);
        for (const [i, f] of failures.slice(1).entries())
          expect(dom.rows[i + 1]).toEqual([f.itemId, f.errorTag, f.reason]);
        expect(dom.warning).toBe('<b>bold</b> & "quoted"');
        expect(dom.status).toBe('completed with failures');
        expect(dom.cards).toMatchObject({
          archived: String(first.counts.archived),
          failed: String(first.counts.failed),
          skipped: String(first.counts.skipped),
        });
        // The chart is the audit log's item events of this run, bucketed over its time.
        expect(dom.archivedBars).toBe(first.counts.archived);
        expect(dom.failedBars).toBe(first.counts.failed);
        expect(dom.bars).toBeGreaterThan(0);
        const png = await browser.screenshot();
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        // A page with content: far larger than a blank one.
        expect(png.length).toBeGreaterThan(20_000);
        mkdirSync(path.join(t.dir, 'shots'), { recursive: true });
        writeFileSync(path.join(t.dir, 'shots', 'report.png'), png);
        expect(browser.console()).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    // Chromium is installed with apt on first use (as the other test servers are): allow for it.
    600_000,
  );
});
