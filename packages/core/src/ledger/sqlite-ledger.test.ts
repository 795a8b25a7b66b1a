import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processHost } from '../process-identity.js';
import type { LedgerObject } from './ledger.js';
import { LedgerError } from './ledger-error.js';
import { openSqliteLedger } from './sqlite-ledger.js';

const at = new Date('2026-11-30T12:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'ledger-')), 'state', 't.db');
const ref = (id: string) => ({ id, data: { contactId: id } });
const object = (artifact: string, sink: string, runId: string): LedgerObject => ({
  artifact,
  sink,
  key: `t/2026/11/30/c1/${artifact}.cxar`,
  physicalKey: `p/t/2026/11/30/c1/${artifact}.cxar`,
  size: 10,
  sha256: 'a'.repeat(64),
  checksum: { algorithm: 'md5', value: 'b'.repeat(32) },
  keyId: 'k1',
  unitId: `c1/${artifact}`,
  runId,
});

describe('SQLite ledger', () => {
  it('keeps checkpoints per tenant and source, across reopening; a reset forgets one', async () => {
    const file = fresh();
    const a = openSqliteLedger(file);
    await a.setCheckpoint('t', 'cxone', { cursor: 1 }, at);
    await a.setCheckpoint('u', 'cxone', { cursor: 2 }, at);
    await a.close();
    const b = openSqliteLedger(file);
    expect(await b.getCheckpoint('t', 'cxone')).toEqual({ cursor: 1 });
    expect(await b.getCheckpoint('u', 'cxone')).toEqual({ cursor: 2 });
    await b.resetCheckpoint('t', 'cxone');
    expect(await b.getCheckpoint('t', 'cxone')).toBeUndefined();
    await b.close();
  });

  it('begins an item once per run, never re-begins an archived one, and counts attempts', async () => {
    const l = openSqliteLedger(fresh());
    expect(await l.beginItem('t', 's', ref('c1'), 'run1', at)).toEqual({
      state: 'begun',
      attempts: 1,
      objects: [],
    });
    expect(await l.beginItem('t', 's', ref('c1'), 'run1', at)).toEqual({ state: 'duplicate' });
    await l.recordObject('t', 's', 'c1', object('contact.json', 'sinks[0]', 'run1'), at);
    await l.settleItem('t', 's', 'c1', { status: 'failed', error: '[Transient] 503' }, 'run1', at);
    const again = await l.beginItem('t', 's', ref('c1'), 'run2', at);
    expect(again).toMatchObject({ state: 'begun', attempts: 2 });
    expect(again.state === 'begun' && again.objects[0]).toMatchObject({
      physicalKey: 'p/t/2026/11/30/c1/contact.json.cxar',
      checksum: { algorithm: 'md5' },
      runId: 'run1',
      unitId: 'c1/contact.json',
    });
    await l.settleItem('t', 's', 'c1', { status: 'archived' }, 'run2', at);
    expect(await l.beginItem('t', 's', ref('c1'), 'run3', at)).toEqual({ state: 'archived' });
    expect((await l.getItem('t', 's', 'c1'))?.status).toBe('archived');
    await l.close();
  });

  it('applies grouped writes in order: concurrent begins of one id give one begun and one duplicate', async () => {
    const l = openSqliteLedger(fresh());
    const [x, y] = await Promise.all([
      l.beginItem('t', 's', ref('c1'), 'run1', at),
      l.beginItem('t', 's', ref('c1'), 'run1', at),
    ]);
    expect([x.state, y.state]).toEqual(['begun', 'duplicate']);
    await l.close();
  });

  it('begins a page at once as beginItem would each item: new, known, settled, awaiting and listed twice', async () => {
    const l = openSqliteLedger(fresh());
    // Earlier runs: c1 failed with an object stored, c2 archived, c3 dropped, c4 awaiting (not due),
    // c5 awaiting and due.
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) await l.beginItem('t', 's', ref(id), 'run1', at);
    await l.recordObject('t', 's', 'c1', object('contact.json', 'sinks[0]', 'run1'), at);
    await l.settleItem('t', 's', 'c1', { status: 'failed', error: '[Transient] 503' }, 'run1', at);
    await l.settleItem('t', 's', 'c2', { status: 'archived' }, 'run1', at);
    await l.settleItem('t', 's', 'c3', { status: 'dropped' }, 'run1', at);
    const later = new Date(at.getTime() + 60_000);
    await l.settleItem('t', 's', 'c4', { status: 'awaiting', reason: 'x', retryAt: later }, 'run1', at);
    await l.settleItem('t', 's', 'c5', { status: 'awaiting', reason: 'x', retryAt: at }, 'run1', at);
    await l.beginItem('t', 's', ref('c6'), 'run2', at);

    const page = ['n1', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'n1', 'n2'].map(ref);
    const results = await l.beginMany('t', 's', page, 'run2', at);
    expect(results.map((r) => r.state)).toEqual([
      'begun',
      'begun',
      'archived',
      'dropped',
      'awaiting',
      'begun',
      'duplicate',
      'duplicate',
      'begun',
    ]);
    expect(results[0]).toEqual({ state: 'begun', attempts: 1, objects: [] });
    expect(results[1]).toMatchObject({
      state: 'begun',
      attempts: 2,
      objects: [{ unitId: 'c1/contact.json' }],
    });
    expect(results[5]).toMatchObject({ state: 'begun', attempts: 2, objects: [] });
    expect(results[4]).toEqual({ state: 'awaiting', retryAt: later.toISOString() });
    // Written as beginItem writes: pending, this run, the ref kept for a later retry.
    expect(await l.getItem('t', 's', 'n2')).toMatchObject({ status: 'pending', attempts: 1, ref: ref('n2') });
    expect(await l.beginItem('t', 's', ref('n2'), 'run2', at)).toEqual({ state: 'duplicate' });
    expect(await l.beginMany('t', 's', [], 'run2', at)).toEqual([]);
    await l.close();
  });

  it('keeps each ref of a page exactly as beginItem keeps it (text, numbers, nesting)', async () => {
    const l = openSqliteLedger(fresh());
    const tricky = {
      id: 'é"\\\n\u0000\u2028💬',
      data: {
        contactId: 702100000001,
        big: 2 ** 60,
        float: 0.1 + 0.2,
        tiny: 5e-324,
        large: 1e21,
        negative: -0.5,
        text: 'line\nbreak\ttab "quoted" \\ back </script> \u007f',
        nested: { tags: [{ tagId: 1, tagName: 'VIP' }], empty: {}, none: null, yes: true },
      },
    };
    const refs = [tricky, ref('plain'), { id: 'a.b', data: { list: [1, [2, [3]]] } }];
    await l.beginMany('t', 's', refs, 'run1', at);
    for (const r of refs)
      expect((await l.getItem('t', 's', r.id))?.ref).toEqual(JSON.parse(JSON.stringify(r)));
    // The same refs begun one by one are kept alike.
    const one = openSqliteLedger(fresh());
    for (const r of refs) await one.beginItem('t', 's', r, 'run1', at);
    for (const r of refs)
      expect((await l.getItem('t', 's', r.id))?.ref).toEqual((await one.getItem('t', 's', r.id))?.ref);
    await l.close();
    await one.close();
  });

  it('keeps awaiting items out of the unsettled list until they are due', async () => {
    const l = openSqliteLedger(fresh());
    await l.beginItem('t', 's', ref('a'), 'run1', at);
    await l.settleItem(
      't',
      's',
      'a',
      { status: 'awaiting', reason: 'processing', retryAt: new Date(at.getTime() + 60_000) },
      'run1',
      at,
    );
    await l.beginItem('t', 's', ref('b'), 'run1', at);
    await l.settleItem('t', 's', 'b', { status: 'failed', error: 'x' }, 'run1', at);
    expect((await l.unsettledPage('t', 's', 'run2', at, undefined, 10)).refs.map((r) => r.id)).toEqual(['b']);
    const later = new Date(at.getTime() + 61_000);
    expect((await l.unsettledPage('t', 's', 'run2', later, undefined, 10)).refs.map((r) => r.id)).toEqual([
      'a',
      'b',
    ]);
    expect(await l.beginItem('t', 's', ref('a'), 'run2', at)).toMatchObject({ state: 'awaiting' });
    await l.close();
  });

  it('pages through unsettled items with a cursor, leaving out items begun by this run', async () => {
    const l = openSqliteLedger(fresh());
    for (let i = 0; i < 7; i++) {
      await l.beginItem('t', 's', ref(`i${i}`), 'old', at);
    }
    await l.beginItem('t', 's', ref('i3'), 'now', at);
    const seen: string[] = [];
    let cursor: Awaited<ReturnType<typeof l.unsettledPage>>['next'];
    do {
      const page = await l.unsettledPage('t', 's', 'now', at, cursor, 2);
      seen.push(...page.refs.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['i0', 'i1', 'i2', 'i4', 'i5', 'i6']);
    await l.close();
  });

  it('holds one lease per tenant; takes over an expired one or a dead holder on this host, marking its run abandoned', async () => {
    const l = openSqliteLedger(fresh());
    const lease = (runId: string, pid: number, host: string, ms: number) => ({
      runId,
      pid,
      host,
      since: at.toISOString(),
      expiresAt: new Date(at.getTime() + ms).toISOString(),
    });
    await l.recordRun('r1', 't', at);
    expect(await l.acquireLease('t', lease('r1', process.pid, processHost(), 60_000), at)).toEqual({
      ok: true,
    });
    const refused = await l.acquireLease('t', lease('r2', process.pid, processHost(), 60_000), at);
    expect(refused).toMatchObject({ ok: false, holder: { runId: 'r1' } });
    expect(await l.renewLease('t', 'r1', new Date(at.getTime() + 120_000))).toBe(true);
    // after expiry anyone takes over, and the renewing holder learns it lost the lease
    const later = new Date(at.getTime() + 121_000);
    const taken = await l.acquireLease('t', lease('r3', 1, 'elsewhere', 60_000), later);
    expect(taken).toMatchObject({ ok: true, tookOverFrom: { runId: 'r1' } });
    expect(await l.renewLease('t', 'r1', later)).toBe(false);
    await l.releaseLease('t', 'r1'); // not the holder: no effect
    expect(await l.breakLease('t', later)).toMatchObject({ runId: 'r3' });
    expect(await l.breakLease('t', later)).toBeUndefined();
    await l.close();
  });

  it('notes what was sent per unit and sink (newest first, the latest 4 kept, composites kept whole), and forgets it once the object is recorded', async () => {
    const file = fresh();
    const ledger = openSqliteLedger(file);
    const sent = (n: number, sink = 'sinks[0]') => ({
      unitId: 'c1/recording.wav',
      sink,
      size: 100 + n,
      sha256: String(n).repeat(64).slice(0, 64),
      checksum: { algorithm: 'md5' as const, value: 'c'.repeat(32), parts: n },
      plainSha256: 'd'.repeat(64),
      keyId: 'kek:1',
      contentType: 'application/x-cxar',
      runId: `r${n}`,
    });
    for (let n = 1; n <= 6; n++)
      await ledger.recordSent('t', 'cxone', 'c1', sent(n), new Date(at.getTime() + n * 1000));
    await ledger.recordSent('t', 'cxone', 'c1', sent(9, 'sinks[1]'), at);
    const kept = await ledger.sentObjects('t', 'cxone', 'c1/recording.wav', 'sinks[0]');
    expect(kept.map((s) => s.runId)).toEqual(['r6', 'r5', 'r4', 'r3']);
    expect(kept[0]).toEqual(sent(6));
    await ledger.close();
    const again = openSqliteLedger(file);
    expect(await again.sentObjects('t', 'cxone', 'c1/recording.wav', 'sinks[0]')).toHaveLength(4);
    await again.recordObject('t', 'cxone', 'c1', { ...object('recording.wav', 'sinks[0]', 'r7') }, at);
    expect(await again.sentObjects('t', 'cxone', 'c1/recording.wav', 'sinks[0]')).toEqual([]);
    expect(await again.sentObjects('t', 'cxone', 'c1/recording.wav', 'sinks[1]')).toHaveLength(1);
    await again.close();
  });

  it('refuses to be used after it was closed', async () => {
    const l = openSqliteLedger(fresh());
    await l.close();
    await expect(l.getCheckpoint('t', 's')).rejects.toThrow(/used after it was closed/);
  });

  it('names a damaged file and what to do', async () => {
    const file = fresh();
    await openSqliteLedger(file).close();
    writeFileSync(file, 'this is not a database'.repeat(500));
    expect(() => openSqliteLedger(file)).toThrow(LedgerError);
    expect(() => openSqliteLedger(file)).toThrow(
      /is damaged or not a ledger .*restore it from a backup, or move it aside/,
    );
  });

  it('refuses a ledger of schema 1 (it held whole contact records) with what to do', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => openSqliteLedger(file)).toThrow(/earlier development version .*move it aside and run again/);
  });
  it("keeps each object's artifact content type, and adds its column to a schema-2 file that lacks it", async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    await l.recordObject('t', 's', 'c1', object('contact.json', 'sinks[0]', 'run1'), at);
    await l.close();
    // A schema-2 file written before the column existed.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.exec('DROP INDEX objects_by_key; ALTER TABLE objects DROP COLUMN artifact_content_type');
    db.close();
    const again = openSqliteLedger(file);
    const old = await again.getItem('t', 's', 'c1');
    expect(old?.objects[0]).not.toHaveProperty('artifactContentType');
    await again.recordObject(
      't',
      's',
      'c1',
      { ...object('recording.wav', 'sinks[0]', 'run1'), artifactContentType: 'audio/wav' },
      at,
    );
    await again.flush();
    const item = await again.getItem('t', 's', 'c1');
    expect(item?.objects.find((o) => o.artifact === 'recording.wav')?.artifactContentType).toBe('audio/wav');
    expect(await again.knowsObject('t', 'sinks[0]', 't/2026/11/30/c1/recording.wav.cxar')).toBe(true);
    await again.close();
    const check = new Database(file, { readonly: true });
    const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    check.close();
    expect(indexes).toContainEqual({ name: 'objects_by_key' });
  });

  it('adds the sent and superseded tables and the stored_key column to a schema-2 file that lacks them; a rewrapped object is found by its stored key, the one it replaced by its own', async () => {
    const file = fresh();
    const l = openSqliteLedger(file);
    await l.beginItem('t', 's', ref('c1'), 'run1', at);
    await l.recordObject('t', 's', 'c1', object('recording.wav', 'sinks[0]', 'run1'), at);
    await l.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.exec(
      'DROP TABLE sent; DROP TABLE superseded; DROP INDEX objects_by_stored_key; ALTER TABLE objects DROP COLUMN stored_key',
    );
    db.close();
    const again = openSqliteLedger(file);
    const original = (await again.getItem('t', 's', 'c1'))!.objects[0]!;
    expect(original).not.toHaveProperty('storedKey');
    const sibling = 't/2026/11/30/c1/recording.wav.kek-2.cxar';
    await again.recordRewrapped(
      't',
      's',
      'c1',
      { ...original, storedKey: sibling, physicalKey: `p/${sibling}`, keyId: 'kek:2' },
      { sink: 'sinks[0]', key: original.key, physicalKey: original.physicalKey, keyId: original.keyId },
      at,
    );
    const rewrapped = (await again.getItem('t', 's', 'c1'))!.objects[0]!;
    expect(rewrapped).toMatchObject({ key: original.key, storedKey: sibling, keyId: 'kek:2' });
    expect(await again.knowsObject('t', 'sinks[0]', sibling)).toBe(true);
    expect(await again.knowsObject('t', 'sinks[0]', original.key)).toBe(true);
    expect(await again.knowsObject('t', 'sinks[0]', 't/2026/11/30/c1/recording.wav.kek-3.cxar')).toBe(false);
    await again.recordSent(
      't',
      's',
      'c1',
      {
        unitId: 'c1/recording.wav',
        sink: 'sinks[0]',
        size: 1,
        sha256: 'f'.repeat(64),
        checksum: { algorithm: 'sha256', value: 'f'.repeat(64) },
        plainSha256: 'e'.repeat(64),
        keyId: 'kek:2',
        contentType: 'application/x-cxar',
        runId: 'run2',
      },
      at,
    );
    expect(await again.sentObjects('t', 's', 'c1/recording.wav', 'sinks[0]')).toHaveLength(1);
    await again.close();
  });

  it('pages through every object in (item, artifact, sink) order, one sink when asked, and finds items by key range', async () => {
    const l = openSqliteLedger(fresh());
    const keyed = (itemId: string, day: string, artifact: string, sink: string): LedgerObject => ({
      ...object(artifact, sink, 'run1'),
      key: `t/${day}/${itemId}/${artifact}.cxar`,
      unitId: `${itemId}/${artifact}`,
    });
    const all: [string, string, string, string][] = [];
    for (const [itemId, day] of [
      ['c3', '2026/03/02'],
      ['c1', '2026/03/01'],
      ['c2', '2026/04/01'],
    ] as const)
      for (const artifact of ['contact.json', 'recording.wav'])
        for (const sink of ['sinks[0]', 'sinks[1]']) {
          await l.recordObject('t', 's', itemId, keyed(itemId, day, artifact, sink), at);
          all.push([itemId, artifact, sink, day]);
        }
    await l.recordObject('u', 's', 'c1', keyed('c1', '2026/03/01', 'contact.json', 'sinks[0]'), at);
    const seen: string[] = [];
    let cursor: Parameters<typeof l.objectsPage>[3];
    let pages = 0;
    do {
      const page = await l.objectsPage('t', 's', {}, cursor, 5);
      pages++;
      expect(page.objects.length).toBeLessThanOrEqual(5);
      seen.push(...page.objects.map((o) => `${o.itemId} ${o.artifact} ${o.sink}`));
      cursor = page.next;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map(([i, a, s]) => `${i} ${a} ${s}`).sort());
    const one = await l.objectsPage('t', 's', { sink: 'sinks[1]' }, undefined, 100);
    expect(one.objects.map((o) => o.sink)).toEqual(Array(6).fill('sinks[1]'));
    expect(one.next).toBeUndefined();
    expect(one.objects[0]).toMatchObject({ itemId: 'c1', key: 't/2026/03/01/c1/contact.json.cxar' });

    // Without a source: every source's objects, paged across the boundary between sources.
    await l.recordObject(
      't',
      'legacy',
      'c1',
      keyed('c1', '2026/03/01', 'legacy-contact.json', 'sinks[0]'),
      at,
    );
    const everySource: string[] = [];
    let anyCursor: Parameters<typeof l.objectsPage>[3];
    do {
      const page = await l.objectsPage('t', undefined, { sink: 'sinks[0]' }, anyCursor, 4);
      everySource.push(...page.objects.map((o) => `${o.source} ${o.itemId} ${o.artifact}`));
      anyCursor = page.next;
    } while (anyCursor);
    expect(everySource).toHaveLength(7);
    expect(everySource[0]).toBe('legacy c1 legacy-contact.json');
    expect(everySource.slice(1).every((o) => o.startsWith('s '))).toBe(true);

    const march = { from: 't/2026/03/01/', before: 't/2026/04/01/' };
    const first = await l.itemIdsInKeyRange('t', 's', march, undefined, 1);
    expect(first).toEqual({ itemIds: ['c1'], next: 'c1' });
    expect(await l.itemIdsInKeyRange('t', 's', march, 'c1', 1)).toEqual({ itemIds: ['c3'], next: 'c3' });
    expect(await l.itemIdsInKeyRange('t', 's', march, 'c3', 1)).toEqual({ itemIds: [] });
    expect(await l.knowsObject('t', 'sinks[1]', 't/2026/04/01/c2/recording.wav.cxar')).toBe(true);
    expect(await l.knowsObject('t', 'sinks[2]', 't/2026/04/01/c2/recording.wav.cxar')).toBe(false);
    expect(await l.knowsObject('t', 'sinks[0]', 't/2026/04/01/c2/other.cxar')).toBe(false);
    await l.close();
  });
});
