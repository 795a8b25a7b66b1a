import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { LedgerObject } from './ledger.js';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = new Date('2026-11-30T12:00:00Z');
const later = new Date('2026-11-30T13:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'state', 't.db');
const ref = (id: string) => ({ id, data: { contactId: id } });
const object = (itemId: string): LedgerObject => ({
  artifact: 'contact.json',
  sink: 'sinks[0]',
  key: `t/2026/11/30/${itemId}/contact.json.cxar`,
  physicalKey: `t/2026/11/30/${itemId}/contact.json.cxar`,
  size: 10,
  sha256: 'a'.repeat(64),
  checksum: { algorithm: 'sha256', value: 'a'.repeat(64) },
  keyId: 'k1',
  unitId: `${itemId}/contact.json`,
  runId: 'run1',
});

const archive = async (
  l: ReturnType<typeof openSqliteLedger>,
  id: string,
  acknowledge: boolean,
  note?: string,
) => {
  await l.beginItem('t', 's', ref(id), 'run1', at);
  await l.recordObject('t', 's', id, object(id), at);
  await l.settleItem(
    't',
    's',
    id,
    { status: 'archived', acknowledge, ...(note === undefined ? {} : { note }) },
    'run1',
    at,
  );
};

describe('SQLite ledger: acknowledgements', () => {
  it('keeps an archived item to be acknowledged until it is, across reopening, with its ref and objects', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await archive(l, 'c1', true);
    await archive(l, 'c2', false);
    await archive(l, 'c3', true, 'archived without a recording: none after 24 h');
    await l.close();
    const again = openSqliteLedger(file);
    const page = await again.pendingAcks('t', 's', undefined, 10, at);
    expect(page.items.map((p) => p.ref.id)).toEqual(['c1', 'c3']);
    expect(page.items[0]!.objects.map((o) => o.key)).toEqual(['t/2026/11/30/c1/contact.json.cxar']);
    expect(page.items[0]!.attempts).toBe(0);
    expect(page.next).toBeUndefined();
    expect((await again.getItem('t', 's', 'c3'))?.note).toBe('archived without a recording: none after 24 h');
    expect((await again.getItem('t', 's', 'c1'))?.ack).toEqual({ status: 'pending', attempts: 0 });
    expect((await again.getItem('t', 's', 'c2'))?.ack).toBeUndefined();
    expect(await again.ackCounts('t', 's')).toEqual({ pending: 2, refused: 0 });
    await again.close();
  });

  it('pages with a cursor, leaves out what is not due, and settles each: done, refused (never again) or pending (counted, due later)', async () => {
    const l = openSqliteLedger(fresh());
    for (const id of ['a', 'b', 'c', 'd']) await archive(l, id, true);
    const first = await l.pendingAcks('t', 's', undefined, 2, at);
    expect(first.items.map((p) => p.ref.id)).toEqual(['a', 'b']);
    expect(first.next).toBe('b');
    const second = await l.pendingAcks('t', 's', first.next, 2, at);
    expect(second.items.map((p) => p.ref.id)).toEqual(['c', 'd']);

    await l.settleAck('t', 's', 'a', { status: 'done' }, at);
    await l.settleAck('t', 's', 'b', { status: 'refused', error: '[InvalidInput] field not defined' }, at);
    await l.settleAck('t', 's', 'c', { status: 'pending', error: '[Transient] 503', retryAt: later }, at);
    expect((await l.pendingAcks('t', 's', undefined, 10, at)).items.map((p) => p.ref.id)).toEqual(['d']);
    const due = await l.pendingAcks('t', 's', undefined, 10, later);
    expect(due.items.map((p) => [p.ref.id, p.attempts])).toEqual([
      ['c', 1],
      ['d', 0],
    ]);
    expect((await l.getItem('t', 's', 'a'))?.ack).toEqual({ status: 'done', attempts: 1 });
    expect((await l.getItem('t', 's', 'b'))?.ack).toEqual({
      status: 'refused',
      attempts: 1,
      lastError: '[InvalidInput] field not defined',
    });
    expect(await l.ackCounts('t', 's')).toEqual({ pending: 2, refused: 1 });
    // One item at a time, as committed: told, refused and not yet due are not due.
    expect(await l.ackDue('t', 's', 'a', later)).toBe(false);
    expect(await l.ackDue('t', 's', 'b', later)).toBe(false);
    expect(await l.ackDue('t', 's', 'c', at)).toBe(false);
    expect(await l.ackDue('t', 's', 'c', later)).toBe(true);
    expect(await l.ackDue('t', 's', 'd', at)).toBe(true);
    expect(await l.ackDue('t', 's', 'nope', at)).toBe(false);
    await l.close();
  });

  it('gives only what is committed: an item whose archiving is not durable yet is not acknowledged', async () => {
    const l = openSqliteLedger(fresh());
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    const settling = l.settleItem('t', 's', 'c1', { status: 'archived', acknowledge: true }, 'run1', at);
    // Applied in this connection's open transaction, not committed yet.
    expect((await l.getItem('t', 's', 'c1'))?.status).toBe('archived');
    expect((await l.pendingAcks('t', 's', undefined, 10, at)).items).toEqual([]);
    await settling;
    expect((await l.pendingAcks('t', 's', undefined, 10, at)).items.map((p) => p.ref.id)).toEqual(['c1']);
    await l.close();
  });

  it('never makes an item anything but archived: settling an acknowledgement leaves its status alone', async () => {
    const l = openSqliteLedger(fresh());
    await archive(l, 'x', true);
    await l.settleAck('t', 's', 'x', { status: 'refused', error: 'no' }, at);
    expect((await l.getItem('t', 's', 'x'))?.status).toBe('archived');
    expect(await l.beginItem('t', 's', ref('x'), 'run2', at)).toEqual({ state: 'archived' });
    await l.close();
  });

  it('adds the acknowledgement and note columns and the jobs table to a schema-2 file that lacks them', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await archive(l, 'old', false);
    await l.close();
    const db = new Database(file);
    db.exec('DROP INDEX IF EXISTS items_ack');
    db.exec('DROP TABLE jobs');
    for (const column of ['ack', 'ack_attempts', 'ack_error', 'ack_retry_at', 'note'])
      db.exec(`ALTER TABLE items DROP COLUMN ${column}`);
    db.close();
    const again = openSqliteLedger(file);
    expect((await again.getItem('t', 's', 'old'))?.status).toBe('archived');
    await archive(again, 'new', true, 'a note');
    expect((await again.pendingAcks('t', 's', undefined, 10, at)).items.map((p) => p.ref.id)).toEqual([
      'new',
    ]);
    await again.putJob('t', 'source', 'j', { id: 1 }, at);
    expect((await again.getJob('t', 'source', 'j'))?.state).toEqual({ id: 1 });
    await again.close();
  });
});

describe('SQLite ledger: durable jobs', () => {
  it('keeps a job per tenant, owner and key across reopening; replaces and deletes it', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.putJob('t', 'source', 'media-download/1', { requestId: 'r-1', entities: [1, 2] }, at);
    await l.putJob('t', 'sinks[0]', 'media-download/1', { other: true }, at);
    await l.putJob('u', 'source', 'media-download/1', { tenant: 'u' }, at);
    // Durable once put: a crash right after loses nothing.
    await l.close();
    const again = openSqliteLedger(file);
    expect(await again.getJob('t', 'source', 'media-download/1')).toEqual({
      key: 'media-download/1',
      state: { requestId: 'r-1', entities: [1, 2] },
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    });
    await again.putJob('t', 'source', 'media-download/1', { requestId: 'r-1', status: 'COMPLETED' }, later);
    expect(await again.getJob('t', 'source', 'media-download/1')).toMatchObject({
      state: { requestId: 'r-1', status: 'COMPLETED' },
      createdAt: at.toISOString(),
      updatedAt: later.toISOString(),
    });
    await again.deleteJob('t', 'source', 'media-download/1');
    expect(await again.getJob('t', 'source', 'media-download/1')).toBeUndefined();
    expect((await again.getJob('t', 'sinks[0]', 'media-download/1'))?.state).toEqual({ other: true });
    expect((await again.getJob('u', 'source', 'media-download/1'))?.state).toEqual({ tenant: 'u' });
    await again.close();
  });

  it('lists the jobs of an owner in key order, a page at a time, optionally under a key prefix', async () => {
    const l = openSqliteLedger(fresh());
    for (const key of ['dx/2', 'md/1', 'dx/1', 'md/2', 'md/3'])
      await l.putJob('t', 'source', key, { key }, at);
    const first = await l.jobsPage('t', 'source', { prefix: 'md/' }, undefined, 2);
    expect(first.jobs.map((j) => j.key)).toEqual(['md/1', 'md/2']);
    const second = await l.jobsPage('t', 'source', { prefix: 'md/' }, first.next, 2);
    expect(second.jobs.map((j) => j.key)).toEqual(['md/3']);
    expect(second.next).toBeUndefined();
    expect((await l.jobsPage('t', 'source', {}, undefined, 10)).jobs.map((j) => j.key)).toEqual([
      'dx/1',
      'dx/2',
      'md/1',
      'md/2',
      'md/3',
    ]);
    // A prefix is literal: LIKE wildcards in it match only themselves.
    await l.putJob('t', 'source', 'a%b', {}, at);
    await l.putJob('t', 'source', 'axb', {}, at);
    expect((await l.jobsPage('t', 'source', { prefix: 'a%' }, undefined, 10)).jobs.map((j) => j.key)).toEqual(
      ['a%b'],
    );
    await l.close();
  });
});
