import type { RunReport } from '@cxarchive/core/host';
import { describe, expect, it } from 'vitest';
import { escapeHtml, reportHtml } from './report-html.js';

const base = {
  reportVersion: 4,
  runId: 'r1',
  tenant: 'acme',
  pipelineFile: '/srv/acme/archive.pipeline.yaml',
  flow: 'archive',
  status: 'succeeded',
  startedAt: '2026-11-30T17:00:00.000Z',
  finishedAt: '2026-11-30T17:00:10.000Z',
  durationMs: 10_000,
  counts: { seen: 3, archived: 2, failed: 1, awaiting: 0, skipped: 0, duplicates: 0 },
  successRate: 2 / 3,
  objects: 4,
  bytes: { plaintext: 2048, stored: 1024 },
  retries: 0,
  budgets: {},
  notifiers: [],
  checkpoint: { before: null, after: { updatedSince: '2026-11-30T16:00:00.000Z' } },
  failures: [],
  failuresTotal: 0,
  notes: [],
  notesTotal: 0,
  skips: [],
  acknowledgements: { done: 0, refused: 0, pending: 0 },
  warnings: [],
  plugins: [],
} as unknown as RunReport;

/** The count cards: label and value. */
const cardsOf = (html: string) =>
  [...html.matchAll(/<div class="card"><span class="muted">([^<]*)<\/span><b>([^<]*)<\/b>/g)].map((m) => [
    m[1],
    m[2],
  ]);

describe('the HTML report', () => {
  it('escapes markup, quotes and control characters', () => {
    expect(escapeHtml('<a href="x">\'&\'</a>\u202e\u0007')).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\\u202e\\x07',
    );
    expect(escapeHtml(42)).toBe('42');
  });

  it('names the counts of an attach run as sent and refused or failed', () => {
    const archive = cardsOf(reportHtml(base, 'no chart', '/r.json'));
    expect(archive.slice(0, 2)).toEqual([
      ['archived', '2'],
      ['failed', '1'],
    ]);
    const attach = cardsOf(reportHtml({ ...base, flow: 'attach' }, 'no chart', '/r.json'));
    expect(attach.slice(0, 2)).toEqual([
      ['sent', '2'],
      ['refused or failed', '1'],
    ]);
  });

  it('shows what a tampered report holds as text: numbers that are not, a status, a budget', () => {
    const tampered = {
      ...base,
      status: 'x" onmouseover="alert(1)',
      objects: '<img src=x>',
      budgets: {
        '<b>family</b>': { requests: '<i>', per: '1m', taken: '<u>', waits: 0, waitedMs: 'x', throttled: 0 },
      },
    } as unknown as RunReport;
    const html = reportHtml(tampered, 'no chart', '/r.json');
    for (const markup of ['<img', '<i>', '<u>', '<b>family']) expect(html).not.toContain(markup);
    expect(html).toContain('class="status status-unknown"');
    expect(html).toContain('x&quot; onmouseover=&quot;alert(1)');
    expect(html).toContain('&lt;img src=x&gt;');
    expect(html).toContain('<td class="wrap">&lt;b&gt;family&lt;/b&gt;</td>');
    expect(html).toContain('<td class="num">&lt;u&gt;</td>');
  });
});
