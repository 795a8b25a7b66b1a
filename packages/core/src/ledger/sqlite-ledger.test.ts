import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = new Date('2026-11-01T00:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-ledger-')), 'state', 't.db');
const ref = (id: string) => ({ id, data: { record: { contactId: id } } });

describe('SQLite ledger', () => {
  it('keeps checkpoints per tenant and source, across reopening', () => {
    const file = fresh();
    const a = openSqliteLedger(file);
    expect(a.getCheckpoint('t', 'cxone')).toBeUndefined();
    a.setCheckpoint('t', 'cxone', { updatedSince: '2026-10-01T00:00:00Z' }, at);
    a.setCheckpoint('t', 'other', { n: 1 }, at);
    a.close();
    const b = openSqliteLedger(file);
    expect(b.getCheckpoint('t', 'cxone')).toEqual({ updatedSince: '2026-10-01T00:00:00Z' });
    expect(b.getCheckpoint('u', 'cxone')).toBeUndefined();
    b.close();
  });

  it('tracks an item from pending to archived with its objects, counting attempts', () => {
    const l = openSqliteLedger(fresh());
    expect(l.beginItem('t', 's', ref('1'), 'run1', at)).toMatchObject({
      status: 'pending',
      attempts: 1,
      objects: [],
    });
    l.recordObject(
      't',
      's',
      '1',
      { artifact: 'contact.json', sink: 'sinks[0]', key: 'k', size: 10, sha256: 'ab', keyId: 'kek:1' },
      at,
    );
    l.settleItem('t', 's', '1', 'failed', 'run1', at, '[Transient] down');
    expect(l.unsettled('t', 's').map((i) => [i.itemId, i.status, i.lastError])).toEqual([
      ['1', 'failed', '[Transient] down'],
    ]);
    expect(l.beginItem('t', 's', ref('1'), 'run2', at)).toMatchObject({ status: 'pending', attempts: 2 });
    l.settleItem('t', 's', '1', 'archived', 'run2', at);
    const item = l.getItem('t', 's', '1');
    expect(item).toMatchObject({ status: 'archived', ref: ref('1') });
    expect(item?.objects).toEqual([
      { artifact: 'contact.json', sink: 'sinks[0]', key: 'k', size: 10, sha256: 'ab', keyId: 'kek:1' },
    ]);
    expect(l.unsettled('t', 's')).toEqual([]);
    // An archived item stays archived even if it is begun again.
    expect(l.beginItem('t', 's', ref('1'), 'run3', at).status).toBe('archived');
    expect(l.counts('t', 's')).toEqual({ pending: 0, archived: 1, failed: 0, dropped: 0 });
    l.close();
  });

  it('holds one run lock per tenant, and replaces a holder whose process is gone', () => {
    const l = openSqliteLedger(fresh());
    const me = { runId: 'r1', pid: process.pid, host: hostname(), since: at.toISOString() };
    expect(l.acquireLock('t', me)).toEqual({ ok: true });
    const second = l.acquireLock('t', { ...me, runId: 'r2' });
    expect(second).toEqual({ ok: false, holder: me });
    expect(l.acquireLock('u', { ...me, runId: 'r3' })).toEqual({ ok: true });
    l.releaseLock('t', 'r1');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    expect(l.acquireLock('t', { ...me, runId: 'r4', pid: Number(dead.stdout) })).toEqual({ ok: true });
    expect(l.acquireLock('t', { ...me, runId: 'r5' })).toEqual({ ok: true });
    l.close();
  });
});
