import { escapeControl, formatBytes, type RunReport } from '@cxarchive/core/host';
import type { Throughput } from './report-throughput.js';

/**
 * One self-contained HTML file for a run report: inline CSS and SVG, no script, no external asset
 * (a Content-Security-Policy that allows none), so it opens the same offline, attached to a ticket
 * or archived. Every text that comes from the report (ids, reasons, notes, warnings: record- and
 * server-derived, so hostile input) is escaped for HTML after control characters are made visible.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Text for HTML: control and bidi characters shown escaped, markup characters as entities. */
export const escapeHtml = (value: unknown): string =>
  escapeControl(typeof value === 'string' ? value : String(value)).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const t = escapeHtml;

/** A number as the report holds it (anything else, from a tampered file, shown as escaped text). */
const n = (value: unknown): string =>
  typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : t(value);
const bytes = (value: unknown): string =>
  typeof value === 'number' && Number.isFinite(value) ? t(formatBytes(value)) : t(value);
const seconds = (ms: number): string =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;

const STYLE = `
:root{color-scheme:light;--ok:#1b7f3b;--bad:#b3261e;--warn:#8a5a00;--muted:#5f6368;--line:#dadce0;--bar:#2e7d32;--fail:#c62828;--bytes:#1565c0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#202124;background:#f8f9fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.status-succeeded{background:var(--ok)}.status-completed_with_failures{background:var(--warn)}
.status-failed,.status-interrupted{background:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-top:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f3f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{overflow-wrap:anywhere;white-space:pre-wrap}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px}
figcaption{color:var(--muted);margin-top:6px}
svg text{font:11px system-ui,sans-serif;fill:#5f6368}
.bar-archived{fill:var(--bar)}.bar-failed{fill:var(--fail)}.bar-bytes{fill:var(--bytes)}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:10px 12px;border-radius:8px}
ul.warnings li{margin:4px 0}
pre{background:#fff;border:1px solid var(--line);padding:8px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
`;

const WIDTH = 960;
const HEIGHT = 220;
const LEFT = 56;
const BOTTOM = 24;
const TOP = 10;

/** A bar chart of one or two stacked series over the buckets, with its axis labels. */
const barChart = (
  id: string,
  title: string,
  throughput: Throughput,
  series: readonly { readonly key: 'archived' | 'failed' | 'bytes'; readonly label: string }[],
  format: (v: number) => string,
): string => {
  const { buckets, bucketMs } = throughput;
  const totals = buckets.map((b) => series.reduce((sum, s) => sum + b[s.key], 0));
  const max = Math.max(1, ...totals);
  const plotW = WIDTH - LEFT - 8;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot * 0.8);
  const rects: string[] = [];
  buckets.forEach((b, i) => {
    let y = TOP + plotH;
    const x = LEFT + i * slot + (slot - barW) / 2;
    const from = seconds(i * bucketMs);
    for (const s of series) {
      const v = b[s.key];
      if (v === 0) continue;
      const h = (v / max) * plotH;
      y -= h;
      rects.push(
        `<rect class="bar-${s.key}" data-bucket="${i}" data-${s.key}="${v}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>+${from}: ${t(format(v))} ${t(s.label)}</title></rect>`,
      );
    }
  });
  const end = seconds(buckets.length * bucketMs);
  return `<svg id="${id}" role="img" aria-label="${t(title)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
<title>${t(title)}</title>
<line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - 8}" y2="${TOP + plotH}" stroke="#9aa0a6"/>
<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}" stroke="#9aa0a6"/>
<text x="${LEFT - 6}" y="${TOP + 10}" text-anchor="end">${t(format(max))}</text>
<text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>
<text x="${LEFT}" y="${HEIGHT - 6}">+0 s</text>
<text x="${WIDTH - 8}" y="${HEIGHT - 6}" text-anchor="end">+${end}</text>
${rects.join('\n')}
</svg>`;
};

const throughputSection = (report: RunReport, throughput: Throughput | string): string => {
  if (typeof throughput === 'string')
    return `<section id="throughput"><h2>Throughput over time</h2><p class="muted">${t(throughput)}</p></section>`;
  const archived = throughput.buckets.reduce((s, b) => s + b.archived, 0);
  const failed = throughput.buckets.reduce((s, b) => s + b.failed, 0);
  const stored = throughput.buckets.reduce((s, b) => s + b.bytes, 0);
  const perSecond = (v: number) => (v / throughput.bucketMs) * 1000;
  const peakItems = Math.max(0, ...throughput.buckets.map((b) => perSecond(b.archived + b.failed)));
  const peakBytes = Math.max(0, ...throughput.buckets.map((b) => perSecond(b.bytes)));
  const interval = seconds(throughput.bucketMs);
  return `<section id="throughput"><h2>Throughput over time</h2>
<figure>
${barChart(
  'chart-items',
  `Items settled per ${interval} interval`,
  throughput,
  [
    { key: 'archived', label: 'archived' },
    { key: 'failed', label: 'failed' },
  ],
  (v) => String(v),
)}
<div class="legend muted"><span style="background:var(--bar)"></span>archived<span style="background:var(--fail)"></span>failed</div>
<figcaption>Items settled in each ${interval} interval from the start (${t(report.startedAt)}): ${n(archived)} archived, ${n(failed)} failed; peak ${peakItems.toFixed(1)} items/s. From the audit log's ${n(throughput.events)} item events of this run${throughput.damaged ? `; ${n(throughput.damaged)} damaged lines skipped (cxarchive audit --verify)` : ''}.</figcaption>
</figure>
<figure style="margin-top:10px">
${barChart('chart-bytes', `Bytes stored per ${interval} interval`, throughput, [{ key: 'bytes', label: 'stored' }], (v) => formatBytes(v))}
<figcaption>Bytes stored in each ${interval} interval (every object, every sink): ${bytes(stored)} in all; peak ${t(formatBytes(Math.round(peakBytes)))}/s.</figcaption>
</figure></section>`;
};

const table = (
  id: string,
  head: readonly (string | { readonly label: string; readonly num: true })[],
  rows: readonly string[][],
  empty: string,
): string => {
  if (rows.length === 0) return `<p class="muted" id="${id}-empty">${t(empty)}</p>`;
  const th = head
    .map((h) => (typeof h === 'string' ? `<th>${t(h)}</th>` : `<th class="num">${t(h.label)}</th>`))
    .join('');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}
</tbody></table>`;
};
const td = (value: unknown) => `<td class="wrap">${t(value)}</td>`;
const tdNum = (html: string) => `<td class="num">${html}</td>`;

const more = (shown: number, total: unknown, what: string): string =>
  typeof total === 'number' && total > shown
    ? `<p class="muted">The first ${n(shown)} of ${n(total)} ${what}: the ledger and the audit log have every one (<code>cxarchive status --failed</code>, <code>cxarchive audit</code>).</p>`
    : '';

/** The report as one HTML document. `throughput` is the chart's data, or why there is none. */
export const reportHtml = (
  report: RunReport,
  throughput: Throughput | string,
  reportFile: string,
): string => {
  const c = report.counts;
  // The attach flow sends files to contacts: its items are sent, not archived (report.ts's summary says so too).
  const attach = report.flow === 'attach';
  const rate =
    typeof report.successRate === 'number'
      ? `${(report.successRate * 100).toFixed(1)}%`
      : 'no items attempted';
  const card = (label: string, value: string) =>
    `<div class="card"><span class="muted">${t(label)}</span><b>${value}</b></div>`;
  const budgets = Object.entries(report.budgets).map(([family, b]) => [
    td(family),
    td(`${b.requests} per ${b.per}`),
    tdNum(n(b.taken)),
    tdNum(n(b.waits)),
    tdNum(t(seconds(typeof b.waitedMs === 'number' ? b.waitedMs : 0))),
    tdNum(n(b.throttled)),
  ]);
  const failures = report.failures.map((f) => [td(f.itemId), td(f.errorTag), td(f.reason)]);
  const notes = report.notes.map((x) => [td(x.itemId), td(x.note)]);
  const skips = report.skips.map((s) => [td(s.reason), tdNum(n(s.count))]);
  const plugins = report.plugins.map((p) => [td(p.label), td(p.package), td(p.version)]);
  const notifiers = report.notifiers.map((x) => [
    td(x.label),
    tdNum(n(x.delivered)),
    tdNum(n(x.failed)),
    tdNum(n(x.dropped)),
    tdNum(n(x.undelivered)),
  ]);
  const acks = report.acknowledgements;
  const statusClass = /^[a-z_]+$/.test(report.status) ? report.status : 'unknown';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="cxarchive report">
<title>cxarchive run ${t(report.runId)} (tenant ${t(report.tenant)})</title>
<style>${STYLE}</style>
</head>
<body><main>
<header>
<h1>Run <span id="run-id">${t(report.runId)}</span> for tenant <span id="tenant">${t(report.tenant)}</span></h1>
<p><span id="status" class="status status-${statusClass}">${t(report.status.replace(/_/g, ' '))}</span>
<span class="muted">${t(report.startedAt)} → ${t(report.finishedAt)} (${t(seconds(typeof report.durationMs === 'number' ? report.durationMs : 0))}) · pipeline ${t(report.pipelineFile)} · report ${t(reportFile)}</span></p>
</header>
${report.error ? `<p class="error" id="run-error"><b>Run error</b> [${t(report.error.errorTag)}] ${t(report.error.reason)}</p>` : ''}
<section id="counts" class="cards">
${card(attach ? 'sent' : 'archived', n(c.archived))}${card(attach ? 'refused or failed' : 'failed', n(c.failed))}${card('awaiting', n(c.awaiting))}${card('skipped', n(c.skipped))}${card('seen', n(c.seen))}${card('duplicates', n(c.duplicates))}${card('success rate', t(rate))}${card('objects', n(report.objects))}${report.adopted ? card('adopted', n(report.adopted)) : ''}${card('stored', bytes(report.bytes.stored))}${card('from plaintext', bytes(report.bytes.plaintext))}${card('retries', n(report.retries))}
</section>
${throughputSection(report, throughput)}
<section><h2>Failures (${n(report.failuresTotal)})</h2>
${table('failures', ['Item', 'Error', 'Reason'], failures, 'No item failed.')}
${more(report.failures.length, report.failuresTotal, 'failures')}</section>
<section><h2>Skipped items by reason</h2>
${table('skips', ['Reason', { label: 'Items', num: true }], skips, 'No item skipped.')}</section>
<section><h2>Notes (${n(report.notesTotal)})</h2>
${table('notes', ['Item', 'Note'], notes, 'No notes.')}
${more(report.notes.length, report.notesTotal, 'notes')}</section>
<section><h2>API budgets</h2>
${table('budgets', ['Family', 'Budget', { label: 'Requests', num: true }, { label: 'Waits', num: true }, { label: 'Waited', num: true }, { label: 'Throttled', num: true }], budgets, 'No API budget used.')}</section>
<section><h2>Acknowledgements to the source</h2>
<p id="acks">done ${n(acks.done)}, refused ${n(acks.refused)}, still pending ${n(acks.pending)}</p></section>
<section><h2>Warnings</h2>
${report.warnings.length ? `<ul class="warnings" id="warnings">${report.warnings.map((w) => `<li>${t(w)}</li>`).join('')}</ul>` : '<p class="muted">None.</p>'}</section>
<section><h2>Notifiers</h2>
${table('notifiers', ['Notifier', { label: 'Delivered', num: true }, { label: 'Failed', num: true }, { label: 'Dropped', num: true }, { label: 'Undelivered', num: true }], notifiers, 'No notifier.')}</section>
<section><h2>Checkpoint</h2>
<pre id="checkpoint">before ${t(JSON.stringify(report.checkpoint.before))}
after  ${t(JSON.stringify(report.checkpoint.after))}</pre></section>
<section><h2>Plugins</h2>
${table('plugins', ['Label', 'Package', 'Version'], plugins, 'None recorded.')}</section>
<p class="muted">Written by <code>cxarchive report</code> from report version ${n(report.reportVersion)}. It holds no secrets and no interaction content.</p>
</main></body>
</html>
`;
};
