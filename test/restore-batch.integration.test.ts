// `cxarchive restore` in the batch record layout, as a user runs it: an item's record found inside
// its batch object, written as the per-item layout would have written it; a tampered batch leaves
// no file; a window decodes each batch once for all of its members; memory does not grow with the
// batch.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteLedger, restoreArchive, SecretScrubber } from '@cxarchive/core/host';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchArchive, type ReplayItem } from './batch-archive.js';
import { listFiles, makeTenant, runTenant, type Tenant } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

beforeAll(assertBuilt);
const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

const outDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-restored-')), 'out');

/** Items over three days; every third has a recording. Records with escapes and non-ASCII. */
const DAYS = [
  '2026-03-01T23:59:59.999Z',
  '2026-03-02T00:00:00.000Z',
  '2026-03-02T12:30:00Z',
  '2026-03-03T08:00:00Z',
];
const itemAt = (i: number): ReplayItem => ({
  id: String(5234001 + i),
  occurredAt: DAYS[i % DAYS.length]!,
  record: {
    contactId: 5234001 + i,
    note: `line "${i}"\n\u2028é`,
    n: i / 3,
    nested: { list: [i, null, true] },
  },
  ...(i % 3 === 0
    ? {
        artifacts: [{ name: 'recording.mp4', bytes: `audio of ${i} `.repeat(500), contentType: 'video/mp4' }],
      }
    : {}),
});
const recordBytes = (i: number) => `${JSON.stringify(itemAt(i).record)}\n`;

const batchKeysOf = (root: string) => listFiles(root).filter((f) => f.includes('/records/'));

describe('cxarchive restore in the batch layout', () => {
  it('finds a CXone contact inside its batch: contact.json and its recording as the per-item layout restores them', async () => {
    const layout = 'layout: { records: batch, batchSize: 4 }\n';
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', { contacts: 6, extra: layout });
    tenants.push(t);
    expect((await runTenant(t)).status).toBe('succeeded');
    expect(listFiles(path.join(t.dir, 'archive')).filter((f) => f.endsWith('contact.json.cxar'))).toEqual([]);
    // The same contacts from the same simulator, one object per record, in a directory of its own.
    const twinDir = path.join(t.dir, 'per-item');
    mkdirSync(path.join(twinDir, 'keys'), { recursive: true });
    copyFileSync(t.keyFile, path.join(twinDir, 'keys', 'tenant.key'));
    const twinFile = path.join(twinDir, 'archive.pipeline.yaml');
    writeFileSync(twinFile, readFileSync(t.file, 'utf8').replace(layout, ''));
    expect((await runTenant({ ...t, dir: twinDir, file: twinFile })).status).toBe('succeeded');

    const [masterId] = [...t.simulator.dataset.recordings.keys()];
    const id = String(masterId);
    const out = outDir();
    const twinOut = outDir();
    const batched = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(batched.stderr).not.toContain('CXONE');
    expect(batched.code).toBe(0);
    expect((await cli(['restore', twinFile, '--item', id, '--out', twinOut])).code).toBe(0);
    const files = listFiles(path.join(out, id));
    expect(files).toContain('contact.json');
    expect(files.some((f) => f.startsWith('recording'))).toBe(true);
    expect(files).toEqual(listFiles(path.join(twinOut, id)));
    for (const f of files)
      expect(readFileSync(path.join(out, id, f))).toEqual(readFileSync(path.join(twinOut, id, f)));
    expect(JSON.parse(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).contactId).toBe(Number(id));
  }, 60_000);

  it('restores an item from inside its batch with the bytes the per-item layout stores, owner-only, beside its recording', async () => {
    const a = await batchArchive(9, itemAt, { batchSize: 4 });
    expect((await a.run()).counts).toMatchObject({ archived: 9, failed: 0 });
    const twin = await batchArchive(9, itemAt, { layout: 'per-item' });
    expect((await twin.run()).counts).toMatchObject({ archived: 9, failed: 0 });
    const archive = path.join(a.dir, 'archive');
    expect(batchKeysOf(archive).length).toBeGreaterThan(0);
    expect(listFiles(archive).filter((f) => f.endsWith('contact.json.cxar'))).toEqual([]);

    const out = outDir();
    const twinOut = outDir();
    const id = itemAt(3).id; // with a recording
    const restored = await cli(['restore', a.file, '--item', id, '--out', out]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('restored 1 of 1 items (2 files');
    expect(restored.stderr).toMatch(
      new RegExp(`restored ${id}: contact\\.json \\(.*, from sinks\\[0\\], batch `),
    );
    expect((await cli(['restore', twin.file, '--item', id, '--out', twinOut])).code).toBe(0);
    expect(listFiles(path.join(out, id))).toEqual(['contact.json', 'recording.mp4']);
    for (const name of ['contact.json', 'recording.mp4'])
      expect(readFileSync(path.join(out, id, name))).toEqual(readFileSync(path.join(twinOut, id, name)));
    expect(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).toBe(recordBytes(3));
    expect(statSync(path.join(out, id, 'contact.json')).mode & 0o777).toBe(0o600);

    // An item without recordings: its record alone. --record-name names the file.
    const plain = itemAt(4).id;
    const named = await cli(['restore', a.file, '--item', plain, '--out', out, '--record-name', 'call']);
    expect(named.code).toBe(0);
    expect(readFileSync(path.join(out, plain, 'call.json'), 'utf8')).toBe(recordBytes(4));
    const json = await cli(['restore', a.file, '--item', plain, '--out', outDir(), '--json']);
    const [line] = json.stdout.trim().split('\n');
    expect(JSON.parse(line!).item).toMatchObject({
      itemId: plain,
      status: 'restored',
      files: [
        {
          artifact: 'contact.json',
          batchId: expect.any(String),
          key: expect.stringMatching(/^acme\/records\/2026\/03\/01\/.+\.jsonl\.cxar$/),
        },
      ],
    });
    const bad = await cli(['restore', a.file, '--item', plain, '--out', out, '--record-name', '../x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--record-name "../x": give the base name of the record file');

    // Refused before anything is read when the file is there; --force replaces it.
    writeFileSync(path.join(out, id, 'contact.json'), 'edited\n');
    const again = await cli(['restore', a.file, '--item', id, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('contact.json already exists (pass --force to overwrite it)');
    expect(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).toBe('edited\n');
    expect((await cli(['restore', a.file, '--item', id, '--out', out, '--force'])).code).toBe(0);
    expect(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).toBe(recordBytes(3));

    // A whole window restores the same files as the per-item archive does.
    const all = outDir();
    const twinAll = outDir();
    const window = await cli([
      'restore',
      a.file,
      '--since',
      '2026-03-01',
      '--until',
      '2026-03-03',
      '--out',
      all,
    ]);
    expect(window.code).toBe(0);
    expect(window.stdout).toContain('restored 9 of 9 items (12 files');
    expect((await cli(['restore', twin.file, '--since', '2026-03-01', '--out', twinAll])).code).toBe(0);
    expect(listFiles(all)).toEqual(listFiles(twinAll));
    for (const f of listFiles(all))
      expect(readFileSync(path.join(all, f))).toEqual(readFileSync(path.join(twinAll, f)));
  }, 60_000);

  it('restores the items of the days asked for, from batches keyed by those days, and each batch is read once', async () => {
    const a = await batchArchive(12, itemAt, { batchSize: 100 });
    expect((await a.run()).counts.archived).toBe(12);
    // One batch per day: 2026-03-01, -02, -03.
    expect(batchKeysOf(path.join(a.dir, 'archive')).map((k) => k.split('/').slice(2, 5).join('-'))).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
    ]);
    const ids = (day: string) =>
      Array.from({ length: 12 }, (_, i) => itemAt(i))
        .filter((it) => it.occurredAt.startsWith(day))
        .map((it) => it.id)
        .sort();
    const one = outDir();
    const r1 = await cli(['restore', a.file, '--since', '2026-03-02', '--until', '2026-03-02', '--out', one]);
    expect(r1.code).toBe(0);
    expect(listFiles(one).map((f) => f.split('/')[0])).toEqual(
      ids('2026-03-02').flatMap((id) => ((Number(id) - 5234001) % 3 === 0 ? [id, id] : [id])),
    );
    const two = outDir();
    const r2 = await cli(['restore', a.file, '--since', '2026-03-01', '--until', '2026-03-02', '--out', two]);
    expect(r2.stdout).toContain(`restored ${ids('2026-03-01').length + ids('2026-03-02').length} of`);
    expect(new Set(listFiles(two).map((f) => f.split('/')[0]))).toEqual(
      new Set([...ids('2026-03-01'), ...ids('2026-03-02')]),
    );
    for (const f of listFiles(two).filter((f) => f.endsWith('contact.json')))
      expect(readFileSync(path.join(two, f), 'utf8')).toBe(recordBytes(Number(f.split('/')[0]) - 5234001));
    const none = await cli(['restore', a.file, '--since', '2026-03-04', '--out', outDir()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no item of the ledger is dated within the window');

    // Through the host API, counting what the sink is asked for: one get per batch, one per recording.
    const prepared = await a.prepared();
    const gets: string[] = [];
    const sink = prepared.sinks[0]!;
    const counted = {
      ...sink,
      definition: {
        ...sink.definition,
        create: async (config: never, context: never) => {
          const made = await sink.definition.create(config, context);
          if (made.isErr()) return made;
          const instance = made.value;
          return made.map(() => ({
            ...instance,
            head: instance.head.bind(instance),
            put: instance.put.bind(instance),
            get: (key: string, signal: AbortSignal) => {
              gets.push(key);
              return instance.get(key, signal);
            },
          }));
        },
      },
    } as unknown as typeof sink;
    const summary = await restoreArchive({
      prepared: { ...prepared, sourceId: 'cxone', sinks: [counted] },
      scrubber: new SecretScrubber(),
      selection: { since: '2026-03-01' },
      out: outDir(),
      recordName: 'contact',
    });
    expect(summary).toMatchObject({ items: 12, restored: 12, failed: 0, files: 16 });
    expect(gets.filter((k) => k.includes('/records/'))).toHaveLength(3);
    expect(gets.filter((k) => k.endsWith('recording.mp4.cxar'))).toHaveLength(4);

    // Items named one by one: those of one batch are restored from one reading of it too.
    gets.length = 0;
    const named = [1, 2, 7, 5, 9].map((i) => itemAt(i).id); // 03-02, 03-02, 03-03, 03-02, 03-02
    const results: string[] = [];
    const byName = await restoreArchive({
      prepared: { ...prepared, sourceId: 'cxone', sinks: [counted] },
      scrubber: new SecretScrubber(),
      selection: { itemIds: [...named, itemAt(1).id] },
      out: outDir(),
      recordName: 'contact',
      onItem: (r) => results.push(`${r.itemId}:${r.status}`),
    });
    expect(byName).toMatchObject({ items: 6, restored: 5, failed: 1 });
    expect(gets.filter((k) => k.includes('/records/'))).toHaveLength(2);
    // In the order named, a batch's items where the first of them is; one named twice is found there.
    expect(results).toEqual([
      ...[1, 2, 5, 9].map((i) => `${itemAt(i).id}:restored`),
      `${itemAt(1).id}:failed`,
      `${itemAt(7).id}:restored`,
    ]);
  }, 60_000);

  it('leaves no file for a tampered batch, names it and why, restores the rest, and falls back to a sink that holds it intact', async () => {
    const sinks = '  - use: fs\n    with: { root: ./a }\n  - use: fs\n    with: { root: ./b }';
    const a = await batchArchive(6, itemAt, { batchSize: 100, sinks });
    expect((await a.run()).counts.archived).toBe(6);
    const id = itemAt(0).id; // 2026-03-01, with a recording
    const key = batchKeysOf(path.join(a.dir, 'a')).find((k) => k.includes('/2026/03/01/'))!;
    const file = path.join(a.dir, 'a', key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 20]! ^= 0x01;
    writeFileSync(file, bytes);

    const only = outDir();
    const failed = await cli(['restore', a.file, '--item', id, '--out', only, '--sink', '0']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `failed ${id}/contact.json: the object at ${key.replace(/^acme\//, 'acme/')}`,
    );
    expect(failed.stderr).toContain('on sinks[0] does not decode');
    expect(failed.stdout).toContain('1 in part');
    expect(listFiles(path.join(only, id))).toEqual(['recording.mp4']);

    // Every member of that batch in a window: none gets a record file, the other day's do.
    const window = outDir();
    const w = await cli(['restore', a.file, '--since', '2026-03-01', '--out', window, '--sink', 'sinks[0]']);
    expect(w.code).toBe(1);
    const files = listFiles(window);
    expect(files.filter((f) => f.includes('.partial'))).toEqual([]);
    for (const i of [0, 4]) expect(files).not.toContain(`${itemAt(i).id}/contact.json`);
    for (const i of [1, 2, 3, 5]) expect(files).toContain(`${itemAt(i).id}/contact.json`);

    // Without --sink, the next sink that holds the batch gives it.
    const out = outDir();
    const fell = await cli(['restore', a.file, '--item', id, '--out', out]);
    expect(fell.code).toBe(0);
    expect(fell.stderr).toMatch(/note contact\.json: the object at .* on sinks\[0\] does not decode/);
    expect(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).toBe(recordBytes(0));
  }, 60_000);

  it('restores one item of a batch of 2,000 by --item reading the batch as a stream: memory does not grow with the batch', async () => {
    const padding = 'x'.repeat(100 * 1024);
    const big = (i: number): ReplayItem => ({
      id: `c${String(i).padStart(5, '0')}`,
      occurredAt: '2026-05-05T10:00:00Z',
      record: { n: i, padding: `${i}${padding}` },
    });
    const a = await batchArchive(2000, big, { batchSize: 2000 });
    const report = await a.run();
    expect(report.counts.archived).toBe(2000);
    expect(batchKeysOf(path.join(a.dir, 'archive'))).toHaveLength(1);
    const ledger = openSqliteLedger(path.join(a.dir, '.cxarchive', 'acme.db'));
    const batch = await ledger.batchOf('acme', 'cxone', 'c01999');
    await ledger.close();
    expect(batch?.members).toHaveLength(2000);
    expect(batch?.members.at(-1)).toBe('c01999');

    // Peak RSS of the CLI process (VmHWM: its own, from exec on; getrusage's maxRSS would count
    // the parent's memory at fork), from a hook loaded before it.
    const hook = path.join(a.dir, 'peak-rss.mjs');
    writeFileSync(
      hook,
      [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        "process.on('exit', () => {",
        "  const kb = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1];",
        '  writeFileSync(process.env.PEAK_RSS_FILE, String(Number(kb) * 1024));',
        '});',
        '',
      ].join('\n'),
    );
    const peak = async (args: string[]) => {
      const at = path.join(a.dir, `peak-${Math.random()}`);
      const result = await cli(args, { NODE_OPTIONS: `--import ${hook}`, PEAK_RSS_FILE: at });
      return { ...result, rss: Number(readFileSync(at, 'utf8')) };
    };
    // The same process with nothing to read: the ledger, codec and sink opened.
    const baseline = await peak(['restore', a.file, '--item', 'no-such', '--out', outDir()]);
    expect(baseline.code).toBe(1);
    const out = outDir();
    const last = await peak(['restore', a.file, '--item', 'c01999', '--out', out]);
    expect(last.code).toBe(0);
    expect(readFileSync(path.join(out, 'c01999', 'contact.json'), 'utf8')).toBe(
      `${JSON.stringify(big(1999).record)}\n`,
    );
    const plaintext = 2000 * padding.length;
    // 200 MB of records read through; the peak grows by what the decoder's garbage takes before
    // it is collected (about 40 MB here, the same with 80 or 240 MB of records), not by the batch.
    expect(plaintext).toBeGreaterThan(200 * 1000 * 1000);
    expect(last.rss - baseline.rss).toBeLessThan(64 * 1024 * 1024);
  }, 180_000);
});
