import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 12, minute));
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'ledger-status-')), 'state', 't.db');
const ref = (id: string) => ({ id, data: {} });

describe('SQLite ledger: the read-only queries of status and report', () => {
  it('lists the latest runs newest first, with the counts of the report each recorded', async () => {
    const l = openSqliteLedger(fresh());
    await l.recordRun('r1', 't', at(1));
    await l.finishRun('r1', at(2), 'succeeded', {
      counts: { archived: 3, failed: 0, awaiting: 1, skipped: 2 },
    });
    await l.recordRun('r2', 't', at(3));
    await l.finishRun('r2', at(4), 'completed_with_failures', {
      counts: { archived: 1, failed: 2, awaiting: 0, skipped: 0 },
    });
    await l.recordRun('r3', 't', at(5));
    await l.recordRun('other', 'u', at(6));
    const runs = await l.recentRuns('t', 2);
    expect(runs).toEqual([
      { runId: 'r3', startedAt: at(5).toISOString(), status: 'running' },
      {
        runId: 'r2',
        startedAt: at(3).toISOString(),
        finishedAt: at(4).toISOString(),
        status: 'completed_with_failures',
        counts: { archived: 1, failed: 2, awaiting: 0, skipped: 0 },
      },
    ]);
    expect((await l.recentRuns('t', 10)).map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
    expect(await l.recentRuns('nobody', 10)).toEqual([]);
    const r1 = await l.getRun('t', 'r1');
    expect(JSON.parse(r1!.report!)).toEqual({ counts: { archived: 3, failed: 0, awaiting: 1, skipped: 2 } });
    expect((await l.getRun('t', 'r3'))?.report).toBeUndefined();
    // A run of another tenant is not this tenant's.
    expect(await l.getRun('t', 'other')).toBeUndefined();
    await l.close();
  });

  it('pages through the failed items with their last error, and nothing else', async () => {
    const l = openSqliteLedger(fresh());
    for (const id of ['a', 'b', 'c', 'd', 'e']) await l.beginItem('t', 's', ref(id), 'r1', at(1));
    for (const id of ['a', 'c', 'e'])
      await l.settleItem('t', 's', id, { status: 'failed', error: `NotFound: ${id} is gone` }, 'r1', at(2));
    await l.settleItem('t', 's', 'b', { status: 'archived' }, 'r1', at(2));
    await l.beginItem('t', 'other', ref('x'), 'r1', at(1));
    await l.settleItem('t', 'other', 'x', { status: 'failed', error: 'no' }, 'r1', at(2));
    const first = await l.failedPage('t', 's', undefined, 2);
    expect(first.items).toEqual([
      {
        itemId: 'a',
        attempts: 1,
        lastError: 'NotFound: a is gone',
        runId: 'r1',
        updatedAt: at(2).toISOString(),
      },
      {
        itemId: 'c',
        attempts: 1,
        lastError: 'NotFound: c is gone',
        runId: 'r1',
        updatedAt: at(2).toISOString(),
      },
    ]);
    expect(first.next).toBe('c');
    const second = await l.failedPage('t', 's', first.next, 2);
    expect(second.items.map((i) => i.itemId)).toEqual(['e']);
    expect(second.next).toBeUndefined();
    await l.close();
  });

  it('tells who holds the lease without taking it, and counts jobs by state', async () => {
    const l = openSqliteLedger(fresh());
    expect(await l.leaseHolder('t')).toBeUndefined();
    const holder = {
      runId: 'r1',
      pid: 4242,
      host: 'worker-2',
      since: at(1).toISOString(),
      expiresAt: at(2).toISOString(),
    };
    await l.acquireLease('t', holder, at(1));
    // Expired by now, and still told as it stands: status reports, it does not take over.
    expect(await l.leaseHolder('t')).toEqual(holder);
    expect(await l.leaseHolder('u')).toBeUndefined();
    await l.putJob('t', '#attach', 'k1', { state: 'sending' }, at(1));
    await l.putJob('t', '#attach', 'k2', { state: 'sent' }, at(1));
    await l.putJob('t', '#attach', 'k3', { state: 'sent' }, at(1));
    await l.putJob('t', '#attach', 'k4', { other: 1 }, at(1));
    await l.putJob('t', 'sinks[0]', 'k5', { state: 'sent' }, at(1));
    expect(await l.jobStateCounts('t', '#attach')).toEqual({ sending: 1, sent: 2, '(none)': 1 });
    expect(await l.jobStateCounts('t', 'nobody')).toEqual({});
    await l.close();
  });
});
