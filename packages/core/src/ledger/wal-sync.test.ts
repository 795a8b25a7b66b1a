import { existsSync, mkdtempSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from './sqlite-ledger.js';
import { walSync } from './wal-sync.js';

const at = new Date('2026-12-01T00:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'wal-')), 'state', 't.db');
const ref = (id: string) => ({ id, data: { id } });

describe('durable commits (the WAL synced off the main thread)', () => {
  it('a durable write resolves once committed and synced; what it wrote is there after reopening', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    await l.settleItem('t', 's', 'c1', { status: 'archived' }, 'run1', at);
    expect(existsSync(`${file}-wal`)).toBe(true);
    // Read through the read-only connection (what is committed), given after the syncs.
    expect((await l.pendingAcks('t', 's', undefined, 10, at)).items).toEqual([]);
    await l.close();
    const again = openSqliteLedger(file);
    expect((await again.getItem('t', 's', 'c1'))?.status).toBe('archived');
    await again.close();
  });

  it('a WAL that cannot be synced fails the durable write, and the ledger refuses every later call', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    // The WAL exists (the open transaction wrote to it); gone before its first sync, it cannot be synced.
    await new Promise((r) => setTimeout(r, 80));
    unlinkSync(`${file}-wal`);
    await expect(l.settleItem('t', 's', 'c1', { status: 'archived' }, 'run1', at)).rejects.toThrow(/t\.db/);
    await expect(l.beginItem('t', 's', ref('c2'), 'run1', at)).rejects.toThrow();
    await l.close().catch(() => undefined);
  });

  it('sync fails for a database that has no WAL, and works once it has one', async () => {
    const file = fresh();
    const wal = walSync(file);
    await expect(wal.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    await l.settleItem('t', 's', 'c1', { status: 'failed', error: 'x' }, 'run1', at);
    await new Promise((r) => setTimeout(r, 80));
    await expect(wal.sync()).resolves.toBeUndefined();
    expect(() => wal.syncNow()).not.toThrow();
    wal.close();
    await l.close();
  });
});
