// The read methods restore and verify use in the batch layout: a batch by id, its members page by
// page, and a batch found by its object key.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchIdOf, batchItemId } from './ledger.js';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = new Date('2026-11-30T12:00:00Z');
const later = new Date('2026-11-30T13:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'state', 't.db');
const B1 = { batchId: 'b1', key: 't/records/2026/11/30/b1.jsonl.cxar' };
const B2 = { batchId: 'b2', key: 't/records/2026/11/30/b2.jsonl.cxar' };

describe('SQLite ledger: reading batches back', () => {
  it('gives a batch by id with its size, and its members page by page in position order', async () => {
    const l = openSqliteLedger(fresh());
    // Added out of order: positions decide.
    await l.sealBatch('t', 's', B1, ['c1', 'c2', 'c3', 'c4', 'c5'], at);
    expect(await l.getBatch('t', 's', 'b1')).toEqual({
      batchId: 'b1',
      key: B1.key,
      status: 'sealed',
      size: 5,
    });
    expect(await l.getBatch('t', 's', 'b9')).toBeUndefined();
    expect(await l.getBatch('t', 'other', 'b1')).toBeUndefined();
    const first = await l.batchMembersPage('t', 's', 'b1', undefined, 2);
    expect(first).toEqual({
      members: [
        { position: 0, itemId: 'c1' },
        { position: 1, itemId: 'c2' },
      ],
      next: 1,
    });
    const second = await l.batchMembersPage('t', 's', 'b1', first.next, 2);
    expect(second.members.map((m) => m.itemId)).toEqual(['c3', 'c4']);
    const last = await l.batchMembersPage('t', 's', 'b1', second.next, 2);
    expect(last).toEqual({ members: [{ position: 4, itemId: 'c5' }] });
    expect(await l.batchMembersPage('t', 's', 'b2', undefined, 2)).toEqual({ members: [] });
    await l.settleBatch('t', 's', 'b1', 'stored', 'run1', later);
    expect((await l.getBatch('t', 's', 'b1'))?.status).toBe('stored');
    await l.close();
  });

  it('finds a batch by its object key in any source of the tenant, abandoned ones too', async () => {
    const l = openSqliteLedger(fresh());
    await l.sealBatch('t', 's', B1, ['c1'], at);
    await l.settleBatch('t', 's', 'b1', 'abandoned', 'run1', at);
    await l.sealBatch('t', 'legacy', B2, ['x1', 'x2'], at);
    expect(await l.batchAtKey('t', B1.key)).toEqual({
      source: 's',
      batchId: 'b1',
      key: B1.key,
      status: 'abandoned',
      size: 1,
    });
    expect(await l.batchAtKey('t', B2.key)).toMatchObject({ source: 'legacy', batchId: 'b2', size: 2 });
    expect(await l.batchAtKey('u', B1.key)).toBeUndefined();
    expect(await l.batchAtKey('t', 't/records/2026/11/30/none.jsonl.cxar')).toBeUndefined();
    await l.close();
  });

  it('tells a batch item id from an item id', () => {
    expect(batchIdOf(batchItemId('run-1-00001'))).toBe('run-1-00001');
    expect(batchIdOf('5234001')).toBeUndefined();
    expect(batchIdOf('batch:x')).toBeUndefined();
  });
});

describe('SQLite ledger: an item’s batch without its members', () => {
  it('gives the newest batch of an item that is not abandoned, as batchOf does, with its size', async () => {
    const l = openSqliteLedger(fresh());
    await l.sealBatch('t', 's', B1, ['c1', 'c2'], at);
    expect(await l.batchInfoOf('t', 's', 'c2')).toEqual({
      batchId: 'b1',
      key: B1.key,
      status: 'sealed',
      size: 2,
    });
    await l.settleBatch('t', 's', 'b1', 'abandoned', 'run1', at);
    expect(await l.batchInfoOf('t', 's', 'c2')).toBeUndefined();
    await l.sealBatch('t', 's', B2, ['c2'], later);
    await l.settleBatch('t', 's', 'b2', 'stored', 'run2', later);
    expect(await l.batchInfoOf('t', 's', 'c2')).toEqual({
      batchId: 'b2',
      key: B2.key,
      status: 'stored',
      size: 1,
    });
    expect(await l.batchInfoOf('t', 's', 'c9')).toBeUndefined();
    await l.close();
  });
});
