// `cxarchive keys rewrap` as a user runs it: a tenant archived with the real codec into the fs sink,
// its key rotated, every object then restored and verified under the new key alone.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, ROOT, runTenant, type Tenant } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});
beforeAll(assertBuilt);

const archived = async () => {
  const t = await makeTenant(FS_SINK, { contacts: 3 });
  tenants.push(t);
  expect((await runTenant(t)).status).toBe('succeeded');
  return { t, archive: path.join(t.dir, 'archive') };
};

/** Points the pipeline's codec at `key`, keeping `readKeys`. */
const useKey = (file: string, key: string, readKeys: string[] = []) => {
  const text = readFileSync(file, 'utf8');
  const codec = `codec:\n  use: gzip-aes\n  with:\n    key: { provider: file, path: ${JSON.stringify(key)} }\n${
    readKeys.length > 0
      ? `    readKeys:\n${readKeys.map((k) => `      - { provider: file, path: ${JSON.stringify(k)} }\n`).join('')}`
      : ''
  }`;
  writeFileSync(file, text.replace(/^codec:\n(?:(?: {2}.*)?\n)+?(?=^\S)/m, codec));
};

describe('cxarchive keys rewrap', () => {
  it('puts every object under the new key beside the original, chunks byte for byte; restore and verify --deep then need only the new key', async () => {
    const { t, archive } = await archived();
    const before = listFiles(archive);
    const newKey = path.join(t.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    const rewrap = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--json']);
    expect(rewrap.stderr).toBe('');
    expect(rewrap.code).toBe(0);
    const result = JSON.parse(rewrap.stdout);
    expect(result).toMatchObject({ rewrapped: before.length, failed: 0, alreadyUnder: 0 });
    const tag = result.keyId.replace(':', '-');
    const after = listFiles(archive);
    // every original is still there, and beside each a rewrapped sibling
    expect(after.filter((f) => before.includes(f))).toEqual(before);
    const siblings = after.filter((f) => !before.includes(f));
    expect(siblings).toHaveLength(before.length);
    for (const original of before) {
      const sibling = original.replace(/\.cxar$/, `.${tag}.cxar`);
      expect(siblings).toContain(sibling);
      const a = readFileSync(path.join(archive, original));
      const b = readFileSync(path.join(archive, sibling));
      // the same length; the bytes differ only inside the key slot (the wrapped data key, with its
      // nonce, and the key id), after the authenticated header: the chunks are the same bytes
      expect(b.length).toBe(a.length);
      const differ = [...a.keys()].filter((i) => a[i] !== b[i]);
      expect(differ.length).toBeGreaterThan(0);
      expect(differ[0]).toBeGreaterThan(83);
      expect(differ.at(-1)! - differ[0]!).toBeLessThan(100);
    }

    // The old key is gone: the codec knows only the new one.
    useKey(t.file, newKey);
    const verify = await cli(['verify', t.file, '--deep', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).problemCount).toBe(0);
    const item = before[0]!.split('/')[4]!;
    const out = path.join(t.dir, 'restored');
    const restore = await cli(['restore', t.file, '--item', item, '--out', out]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(listFiles(out).length).toBeGreaterThan(0);

    // A second rewrap to the same key finds nothing to do.
    const again = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ rewrapped: 0, alreadyUnder: before.length, failed: 0 });
  });

  it('a rewrap whose records were lost (stopped before recording) adopts the siblings it finds, after authenticating them', async () => {
    const { t, archive } = await archived();
    const before = listFiles(archive);
    const ledger = path.join(t.dir, '.cxarchive', 'e2e.db');
    const saved = readFileSync(ledger);
    const newKey = path.join(t.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    expect((await cli(['keys', 'rewrap', t.file, '--to', newKey])).code).toBe(0);
    // The ledger as it was before: every sibling exists, none is recorded.
    for (const suffix of ['-wal', '-shm']) rmSync(`${ledger}${suffix}`, { force: true });
    writeFileSync(ledger, saved);
    // One sibling is not what a rewrap would write: it must be refused, not adopted.
    const bad = listFiles(archive).find((f) => !before.includes(f) && f.includes('contact.json'))!;
    const bytes = readFileSync(path.join(archive, bad));
    bytes[bytes.length - 3]! ^= 0x01;
    writeFileSync(path.join(archive, bad), bytes);
    const again = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--json']);
    const result = JSON.parse(again.stdout);
    expect(result).toMatchObject({ rewrapped: 0, adopted: before.length - 1, failed: 1 });
    expect(result.failures[0].reason).toContain('left untouched');
    expect(again.code).toBe(1);
  });

  it('rewraps the records migrated from a tutorial envelope too (another source of the same tenant), and verify checks them', async () => {
    const { t, archive } = await archived();
    const vectors = path.join(ROOT, 'packages', 'legacy-envelope', 'test-vectors');
    const migrate = await cli([
      'migrate',
      '--legacy',
      path.join(vectors, 'tutorial-envelope.json'),
      '--passphrase-file',
      path.join(vectors, 'passphrase.txt'),
      t.file,
    ]);
    expect(migrate.code, migrate.stderr).toBe(0);
    const legacy = listFiles(archive).filter((f) => f.endsWith('legacy-contact.json.cxar'));
    expect(legacy).toHaveLength(3);
    const before = listFiles(archive);
    const newKey = path.join(t.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    const rewrap = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--json']);
    expect(rewrap.code, rewrap.stderr).toBe(0);
    expect(JSON.parse(rewrap.stdout)).toMatchObject({ rewrapped: before.length, failed: 0 });
    useKey(t.file, newKey);
    const verify = await cli(['verify', t.file, '--deep', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout).checked).toBe(before.length);
  });

  it('leaves an object whose stored bytes changed as it was, names it, exits 1; the others are rewrapped', async () => {
    const { t, archive } = await archived();
    const before = listFiles(archive);
    const victim = before.find((f) => f.endsWith('contact.json.cxar'))!;
    const bytes = readFileSync(path.join(archive, victim));
    bytes[bytes.length - 5]! ^= 0x01;
    writeFileSync(path.join(archive, victim), bytes);
    const newKey = path.join(t.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    const rewrap = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--json']);
    expect(rewrap.code).toBe(1);
    const result = JSON.parse(rewrap.stdout);
    expect(result).toMatchObject({ rewrapped: before.length - 1, failed: 1 });
    expect(result.failures[0].key).toBe(victim);
    expect(rewrap.stderr).toContain(victim);
    // nothing was stored for it
    expect(
      listFiles(archive).filter((f) => f !== victim && f.startsWith(victim.replace(/\.cxar$/, '.'))),
    ).toEqual([]);
  });

  it('refuses a key file others can read, and an unknown sink, before touching anything (exit 2)', async () => {
    const { t, archive } = await archived();
    const before = listFiles(archive);
    const newKey = path.join(t.dir, 'keys', 'next.key');
    await writeKeyFile(newKey);
    chmodSync(newKey, 0o644);
    const open = await cli(['keys', 'rewrap', t.file, '--to', newKey]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('chmod 600');
    chmodSync(newKey, 0o600);
    const sink = await cli(['keys', 'rewrap', t.file, '--to', newKey, '--sink', '7']);
    expect(sink.code).toBe(2);
    expect(sink.stderr).toContain('no such sink');
    expect(listFiles(archive)).toEqual(before);
  });
});
