// `verify`, `keys rewrap` and `sync` in the batch record layout, as a user runs them: batch objects
// are checked, rewrapped and copied like any object, and named as batches.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { openSqliteLedger, SecretScrubber, verifyArchive } from '@cxarchive/core/host';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchArchive, type ReplayItem } from './batch-archive.js';
import { listFiles } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

beforeAll(assertBuilt);

const itemAt = (i: number): ReplayItem => ({
  id: `c${i + 1}`,
  occurredAt: i < 4 ? '2026-03-01T10:00:00Z' : '2026-03-02T10:00:00Z',
  record: { contactId: i + 1, text: `record ${i}` },
  ...(i % 2 === 0
    ? { artifacts: [{ name: 'recording.mp4', bytes: `audio ${i} `.repeat(300), contentType: 'video/mp4' }] }
    : {}),
});
const recordBytes = (i: number) => `${JSON.stringify(itemAt(i).record)}\n`;

/** 8 items, batches of 3: 2026-03-01 holds 2 batches (3 + 1), 2026-03-02 2 (3 + 1); 4 recordings. */
const archived = async (sinks?: string) => {
  const a = await batchArchive(8, itemAt, { batchSize: 3, ...(sinks ? { sinks } : {}) });
  expect((await a.run()).counts).toMatchObject({ archived: 8, failed: 0 });
  return a;
};

const batchKeysOf = (root: string) => listFiles(root).filter((f) => f.includes('/records/'));

const flipByte = (file: string) => {
  const bytes = readFileSync(file);
  bytes[bytes.length - 20]! ^= 0x01;
  writeFileSync(file, bytes);
};

/** The batch id of a batch key (`…/records/yyyy/mm/dd/<batchId>.jsonl.cxar`). */
const batchIdOfKey = (key: string) => path.basename(key).replace(/\.jsonl\.cxar$/, '');

describe('cxarchive verify in the batch layout', () => {
  it('checks batch objects like any object, names a damaged one as its batch, and samples over them', async () => {
    const a = await archived();
    const archive = path.join(a.dir, 'archive');
    const batches = batchKeysOf(archive);
    expect(batches).toHaveLength(4);
    const total = listFiles(archive).length;
    expect(total).toBe(8);

    const clean = await cli(['verify', a.file, '--deep', '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ recorded: total, checked: total, problemCount: 0 });

    const damaged = batches[1]!;
    flipByte(path.join(archive, damaged));
    const deep = await cli(['verify', a.file, '--deep']);
    expect(deep.code).toBe(5);
    const row = deep.stdout.split('\n').find((l) => l.includes(damaged))!;
    expect(row).toContain(`batch ${batchIdOfKey(damaged)}`);
    expect(row).toContain('fails authentication');
    expect(deep.stdout).not.toContain('#batch:');
    const json = JSON.parse((await cli(['verify', a.file, '--deep', '--json', '--sink', '0'])).stdout);
    expect(json.problems).toEqual([
      expect.objectContaining({
        key: damaged,
        itemId: `#batch:${batchIdOfKey(damaged)}`,
        artifact: 'records.jsonl',
        batchId: batchIdOfKey(damaged),
        kinds: expect.arrayContaining(['authentication']),
      }),
    ]);

    // A sample is drawn over every object, batches included: a sample as big as the archive
    // checks them all, and a sample of one that keeps the first object offered checks a batch
    // (batch ids sort first).
    const all = JSON.parse((await cli(['verify', a.file, '--deep', '--sample', '100', '--json'])).stdout);
    expect(all).toMatchObject({ sample: 100, recorded: total, checked: total, problemCount: 1 });
    const prepared = await a.prepared();
    const ledger = openSqliteLedger(path.join(a.dir, '.cxarchive', 'acme.db'));
    const first = (await ledger.objectsPage('acme', undefined, {}, undefined, 1)).objects[0]!;
    await ledger.close();
    expect(first.itemId.startsWith('#batch:')).toBe(true);
    flipByte(path.join(archive, first.key));
    const one = await verifyArchive({
      prepared: { ...prepared, sourceId: 'cxone' },
      scrubber: new SecretScrubber(),
      deep: true,
      sample: 1,
      random: () => 0.999_999,
    });
    expect(one.checked).toBe(1);
    expect(one.problems).toEqual([
      expect.objectContaining({ key: first.key, batchId: first.itemId.slice(7) }),
    ]);
  }, 60_000);

  it('lists objects under the records prefix the ledger does not know, and names an abandoned batch’s', async () => {
    const a = await archived();
    const archive = path.join(a.dir, 'archive');
    const [someBatch] = batchKeysOf(archive);
    const stray = 'acme/records/2026/03/09/stray.jsonl.cxar';
    const abandoned = 'acme/records/2026/03/09/old-run-00001.jsonl.cxar';
    for (const key of [stray, abandoned]) {
      mkdirSync(path.dirname(path.join(archive, key)), { recursive: true });
      copyFileSync(path.join(archive, someBatch!), path.join(archive, key));
    }
    const ledger = openSqliteLedger(path.join(a.dir, '.cxarchive', 'acme.db'));
    const at = new Date('2026-03-09T12:00:00Z');
    await ledger.sealBatch('acme', 'cxone', { batchId: 'old-run-00001', key: abandoned }, ['c1', 'c2'], at);
    await ledger.settleBatch('acme', 'cxone', 'old-run-00001', 'abandoned', 'old-run', at);
    await ledger.close();

    const result = await cli(['verify', a.file, '--json']);
    expect(result.code).toBe(5);
    const json = JSON.parse(result.stdout);
    expect(json.kinds.unknown).toBe(2);
    const byKey = new Map(json.problems.map((p: { key: string }) => [p.key, p]));
    expect(byKey.get(stray)).toMatchObject({ kinds: ['unknown'] });
    expect(byKey.get(stray)).not.toHaveProperty('batchId');
    expect(byKey.get(abandoned)).toMatchObject({ kinds: ['unknown'], batchId: 'old-run-00001' });
    expect((byKey.get(abandoned) as { detail: string }).detail).toContain(
      'it is the key of batch old-run-00001 (2 records, source cxone), abandoned',
    );
    const table = await cli(['verify', a.file]);
    expect(table.stdout.split('\n').find((l) => l.includes(abandoned))).toContain('batch old-run-00001');
  }, 60_000);
});

describe('cxarchive keys rewrap in the batch layout', () => {
  it('rewraps batch objects under their own context; restore and verify --deep then need only the new key', async () => {
    const a = await archived();
    const archive = path.join(a.dir, 'archive');
    const before = listFiles(archive);
    const newKey = path.join(a.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    const rewrap = await cli(['keys', 'rewrap', a.file, '--to', newKey, '--json']);
    expect(rewrap.code).toBe(0);
    const result = JSON.parse(rewrap.stdout);
    expect(result).toMatchObject({ rewrapped: before.length, failed: 0 });
    const tag = result.keyId.replace(':', '-');
    for (const key of batchKeysOf(archive).filter((k) => before.includes(k)))
      expect(listFiles(archive)).toContain(key.replace(/\.cxar$/, `.${tag}.cxar`));

    // Only the new key from now on.
    writeFileSync(a.file, readFileSync(a.file, 'utf8').replace('./keys/tenant.key', './keys/next.key'));
    rmSync(path.join(a.dir, 'keys', 'tenant.key'));
    const out = path.join(a.dir, 'restored');
    const restored = await cli(['restore', a.file, '--item', 'c5', '--item', 'c6', '--out', out]);
    expect(restored.code).toBe(0);
    expect(readFileSync(path.join(out, 'c5', 'contact.json'), 'utf8')).toBe(recordBytes(4));
    expect(readFileSync(path.join(out, 'c6', 'contact.json'), 'utf8')).toBe(recordBytes(5));
    const deep = await cli(['verify', a.file, '--deep', '--json']);
    expect(deep.code).toBe(0);
    expect(JSON.parse(deep.stdout)).toMatchObject({ checked: before.length, problemCount: 0 });
    // Nothing left to do.
    const again = JSON.parse((await cli(['keys', 'rewrap', a.file, '--to', newKey, '--json'])).stdout);
    expect(again).toMatchObject({ rewrapped: 0, alreadyUnder: before.length });
  }, 60_000);
});

describe('cxarchive sync in the batch layout', () => {
  it('fills a sink added later with the batch objects, byte for byte, and names a batch that cannot be copied', async () => {
    const a = await archived();
    a.setSinks('  - use: fs\n    with: { root: ./archive }\n  - use: fs\n    with: { root: ./copy }');
    const archive = path.join(a.dir, 'archive');
    const copy = path.join(a.dir, 'copy');
    const batches = batchKeysOf(archive);
    // Something else already at one batch's key on the new sink: that copy fails, named.
    const blocked = batches[2]!;
    mkdirSync(path.dirname(path.join(copy, blocked)), { recursive: true });
    writeFileSync(path.join(copy, blocked), 'not the batch');

    const synced = await a.sync();
    expect(synced.status).toBe('completed_with_failures');
    expect(synced.objects).toBe(listFiles(archive).length - 1);
    expect(synced.failures).toEqual([
      expect.objectContaining({
        itemId: `batch ${batchIdOfKey(blocked)}/records.jsonl → sinks[1]`,
        reason: expect.stringContaining(`a different object already exists at ${blocked}`),
      }),
    ]);
    for (const key of batches.filter((k) => k !== blocked))
      expect(readFileSync(path.join(copy, key))).toEqual(readFileSync(path.join(archive, key)));

    // Cleared, the next sync copies it; the new sink alone then restores and verifies.
    rmSync(path.join(copy, blocked));
    const again = await a.sync();
    expect(again).toMatchObject({ status: 'succeeded', objects: 1 });
    expect(listFiles(copy)).toEqual(listFiles(archive));
    const out = path.join(a.dir, 'restored');
    const restored = await cli(['restore', a.file, '--since', '2026-03-01', '--sink', '1', '--out', out]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('restored 8 of 8 items (12 files');
    for (let i = 0; i < 8; i++)
      expect(readFileSync(path.join(out, `c${i + 1}`, 'contact.json'), 'utf8')).toBe(recordBytes(i));
    const deep = await cli(['verify', a.file, '--deep', '--sink', '1', '--json']);
    expect(deep.code).toBe(0);
    expect(JSON.parse(deep.stdout)).toMatchObject({ checked: listFiles(archive).length, problemCount: 0 });
  }, 60_000);
});
