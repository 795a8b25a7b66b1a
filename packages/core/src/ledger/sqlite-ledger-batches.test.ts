import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { batchItemId, isBatchItemId } from './ledger.js';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = new Date('2026-11-30T12:00:00Z');
const later = new Date('2026-11-30T13:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'state', 't.db');
const B1 = { batchId: 'b1', key: 't/records/2026/11/30/b1.jsonl.cxar' };
const B2 = { batchId: 'b2', key: 't/records/2026/11/30/b2.jsonl.cxar' };

describe('SQLite ledger: batches', () => {
  it('keeps members in their order once sealed, across reopening, and finds an item’s batch', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.sealBatch('t', 's', B1, ['c1', 'c2', 'c3'], at);
    await l.close();
    const again = openSqliteLedger(file);
    expect(await again.batchOf('t', 's', 'c3')).toEqual({
      batchId: 'b1',
      key: B1.key,
      status: 'sealed',
      members: ['c1', 'c2', 'c3'],
    });
    expect(await again.batchOf('t', 's', 'c9')).toBeUndefined();
    expect(await again.batchOf('u', 's', 'c1')).toBeUndefined();
    await again.close();
  });

  it('gives the newest batch that is not abandoned: a member of an abandoned batch is found in its new one', async () => {
    const l = openSqliteLedger(fresh());
    await l.sealBatch('t', 's', B1, ['c1', 'c2'], at);
    await l.settleBatch('t', 's', 'b1', 'abandoned', 'run1', at);
    expect(await l.batchOf('t', 's', 'c1')).toBeUndefined();
    await l.sealBatch('t', 's', B2, ['c1'], later);
    expect(await l.batchOf('t', 's', 'c1')).toMatchObject({
      batchId: 'b2',
      status: 'sealed',
      members: ['c1'],
    });
    await l.close();
  });

  it('writes a batch with all its members in order and seals it in one write; settles many items at once, notes and acknowledgements kept', async () => {
    const l = openSqliteLedger(fresh());
    for (const id of ['a', 'b', 'c', 'd']) await l.beginItem('t', 's', { id, data: {} }, 'run1', at);
    await l.sealBatch('t', 's', { ...B1, recordName: 'contact' }, ['c', 'a', 'b'], at);
    expect(await l.batchOf('t', 's', 'a')).toMatchObject({ status: 'sealed', members: ['c', 'a', 'b'] });
    expect(await l.getBatch('t', 's', 'b1')).toMatchObject({ size: 3, recordName: 'contact' });
    await l.settleArchivedMany(
      't',
      's',
      [
        { itemId: 'a', acknowledge: true },
        { itemId: 'b' },
        { itemId: 'c', acknowledge: true, note: 'no recording' },
      ],
      'run1',
      at,
    );
    expect((await l.getItem('t', 's', 'a'))?.ack).toMatchObject({ status: 'pending' });
    expect((await l.getItem('t', 's', 'b'))?.ack).toBeUndefined();
    expect(await l.getItem('t', 's', 'c')).toMatchObject({ status: 'archived', note: 'no recording' });
    expect((await l.getItem('t', 's', 'd'))?.status).toBe('pending');
    expect(await l.counts('t', 's')).toMatchObject({ archived: 3, pending: 1 });
    await l.close();
  });

  it('a stored batch is an archived item of kind batch: never listed as unsettled, not counted as an item', async () => {
    const l = openSqliteLedger(fresh());
    await l.beginItem('t', 's', { id: 'c1', data: {} }, 'run1', at);
    await l.sealBatch('t', 's', B1, ['c1'], at);
    await l.settleBatch('t', 's', 'b1', 'stored', 'run1', at);
    await l.settleItem('t', 's', 'c1', { status: 'archived' }, 'run1', at);
    expect(await l.counts('t', 's')).toMatchObject({ archived: 1, pending: 0 });
    expect((await l.getItem('t', 's', batchItemId('b1')))?.status).toBe('archived');
    expect((await l.unsettledPage('t', 's', 'run2', later, undefined, 10)).refs).toEqual([]);
    expect(isBatchItemId(batchItemId('b1'))).toBe(true);
    expect(isBatchItemId('c1')).toBe(false);
    expect(await l.batchOf('t', 's', 'c1')).toMatchObject({ status: 'stored' });
    await l.close();
  });

  it('adds the batch tables and the kind column to a file that lacks them', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', { id: 'old', data: {} }, 'run1', at);
    await l.close();
    const db = new Database(file);
    db.exec('DROP TABLE batch_members');
    db.exec('DROP TABLE batches');
    db.exec('ALTER TABLE items DROP COLUMN kind');
    db.close();
    const again = openSqliteLedger(file);
    expect((await again.counts('t', 's')).pending).toBe(1);
    await again.sealBatch('t', 's', B1, ['old'], at);
    expect((await again.batchOf('t', 's', 'old'))?.members).toEqual(['old']);
    await again.close();
  });
});
