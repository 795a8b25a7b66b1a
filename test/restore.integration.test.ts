import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { sha256OfStream } from '@cxarchive/core/host';
import { openRecording } from '@cxarchive/cxone-simulator';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, ROOT, runTenant, type Tenant } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
const TWO_SINKS = '  - use: fs\n    with: { root: ./a }\n  - use: fs\n    with: { root: ./b }';

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});
beforeAll(assertBuilt);

const archived = async (sinks: string, contacts = 4) => {
  const t = await makeTenant(sinks, { contacts });
  tenants.push(t);
  const report = await runTenant(t);
  expect(report.status).toBe('succeeded');
  return t;
};

/** A contact that has a recording (an item with two artifacts), and its recording's name. */
const withRecording = (t: Tenant) => {
  const [masterId] = [...t.simulator.dataset.recordings.keys()];
  const contact = t.simulator.dataset.contacts.find((c) => c.contactId === masterId)!;
  expect(contact).toBeDefined();
  return { id: String(masterId), contact, masterId: masterId! };
};

const objectsOf = (root: string, id: string) => listFiles(root).filter((f) => f.includes(`/${id}/`));

const sha256 = async (file: string) => (await sha256OfStream(createReadStream(file))).sha256;

const outDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-restored-')), 'out');

describe('cxarchive restore', () => {
  it('restores an item byte for byte without the source credentials, owner-only, and refuses to overwrite', async () => {
    const t = await archived(FS_SINK);
    const { id, contact, masterId } = withRecording(t);
    const out = outDir();
    const first = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(first.stderr).not.toContain('CXONE');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`restored 1 of 1 items (2 files`);
    const files = listFiles(path.join(out, id));
    const recording = files.find((f) => f.startsWith('recording'))!;
    expect(files).toEqual(['contact.json', recording].sort());
    const record = JSON.parse(readFileSync(path.join(out, id, 'contact.json'), 'utf8'));
    expect(record.contactId).toBe(Number(contact.contactId));
    expect(record.lastUpdateTime).toBe(contact.lastUpdateTime);
    expect(await sha256(path.join(out, id, recording))).toBe(
      (await sha256OfStream(openRecording(t.simulator.dataset, masterId))).sha256,
    );
    expect(statSync(path.join(out, id, recording)).mode & 0o777).toBe(0o600);

    const before = readFileSync(path.join(out, id, 'contact.json'));
    writeFileSync(path.join(out, id, 'contact.json'), 'edited by hand\n');
    const again = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('contact.json already exists (pass --force to overwrite it)');
    expect(readFileSync(path.join(out, id, 'contact.json'), 'utf8')).toBe('edited by hand\n');
    const forced = await cli(['restore', t.file, '--item', id, '--out', out, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(out, id, 'contact.json'))).toEqual(before);
    expect(listFiles(out).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('leaves no file for a tampered object, names it and why, and restores the rest', async () => {
    const t = await makeTenant(FS_SINK, { contacts: 4 });
    tenants.push(t);
    // 4 KiB chunks, uncompressed: a recording spans many chunks, and all but the last authenticate.
    writeFileSync(
      t.file,
      readFileSync(t.file, 'utf8').replace(
        'path: ./keys/tenant.key } }',
        'path: ./keys/tenant.key }, chunkSizeLog2: 12, compression: none }',
      ),
    );
    expect((await runTenant(t)).status).toBe('succeeded');
    const { id } = withRecording(t);
    const archive = path.join(t.dir, 'archive');
    const key = objectsOf(archive, id).find((f) => f.includes('/recording'))!;
    const file = path.join(archive, key);
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(3 * 4096);
    bytes[bytes.length - 40]! ^= 0x01; // inside the last chunk: every earlier chunk decodes
    writeFileSync(file, bytes);
    const out = outDir();
    const { code, stderr, stdout } = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(code).toBe(1);
    const artifact = path.basename(key, '.cxar');
    expect(stderr).toContain(`failed ${id}/${artifact}: the object at ${key} on sinks[0] does not decode`);
    expect(stdout).toContain('1 in part');
    // No plaintext of the earlier chunks either: no temp file is left beside it.
    expect(listFiles(path.join(out, id))).toEqual(['contact.json']);
  });

  it('names an unknown item, a wrong key and a bad option, printing no key material', async () => {
    const t = await archived(FS_SINK, 2);
    const { id } = withRecording(t);
    const unknown = await cli(['restore', t.file, '--item', 'no-such-contact', '--out', outDir()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('item no-such-contact is not in the ledger of tenant e2e');

    const bad = await cli(['restore', t.file, '--since', '2026-02-30', '--out', outDir()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "2026-02-30" is not a date');
    expect((await cli(['restore', t.file, '--out', outDir()])).code).toBe(2);
    const noSink = await cli(['restore', t.file, '--item', id, '--sink', 'sinks[4]', '--out', outDir()]);
    expect(noSink.code).toBe(2);
    expect(noSink.stderr).toContain(
      '--sink sinks[4]: this pipeline has no such sink (its sinks: sinks[0] or 0)',
    );

    // Another key in the key file's place.
    const other = path.join(t.dir, 'keys', 'other.key');
    await writeKeyFile(other);
    const otherText = readFileSync(other, 'utf8').trim();
    renameSync(other, t.keyFile);
    const out = outDir();
    const wrong = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not decode under the expected context: .*kek:[0-9a-f]{16}/);
    expect(wrong.stderr + wrong.stdout).not.toContain(otherText);
    expect(listFiles(path.join(out, id))).toEqual([]);
  });

  it('reads from the sink asked for, says when it lacks the object, and otherwise falls back to the next holder', async () => {
    const t = await archived(TWO_SINKS, 3);
    const { id } = withRecording(t);
    const key = objectsOf(path.join(t.dir, 'a'), id).find((f) => f.includes('/recording'))!;
    unlinkSync(path.join(t.dir, 'a', key));
    const only = await cli(['restore', t.file, '--item', id, '--sink', '0', '--out', outDir()]);
    expect(only.code).toBe(1);
    expect(only.stderr).toContain(`sinks[0] has no object at ${key}`);
    const out = outDir();
    const fallback = await cli(['restore', t.file, '--item', id, '--out', out]);
    expect(fallback.code).toBe(0);
    expect(fallback.stderr).toContain(`from sinks[1]`);
    expect(fallback.stderr).toContain(
      `note ${path.basename(key, '.cxar')}: sinks[0] has no object at ${key}`,
    );
    expect(listFiles(path.join(out, id))).toHaveLength(2);
  });

  it('restores every item dated within a window, and says when a window holds none', async () => {
    const t = await archived(FS_SINK, 4);
    const days = t.simulator.dataset.contacts.map((c) => c.contactStartDate.slice(0, 10)).sort();
    const out = outDir();
    const all = await cli([
      'restore',
      t.file,
      '--since',
      days[0]!,
      '--until',
      days.at(-1)!,
      '--out',
      out,
      '--json',
    ]);
    expect(all.code).toBe(0);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.at(-1).summary;
    expect(summary).toMatchObject({ items: 4, restored: 4, failed: 0 });
    expect(
      lines
        .slice(0, -1)
        .map((l) => l.item.itemId)
        .sort(),
    ).toEqual(t.simulator.dataset.contacts.map((c) => String(c.contactId)).sort());
    const none = await cli(['restore', t.file, '--until', '1999-12-31', '--out', outDir()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no item of the ledger is dated within the window');
  });
});

describe('cxarchive restore --legacy', () => {
  const vectors = path.join(ROOT, 'packages', 'legacy-envelope', 'test-vectors');

  it('restores a tutorial-era envelope record for record, with no pipeline', async () => {
    const out = outDir();
    const { code, stdout } = await cli([
      'restore',
      '--legacy',
      path.join(vectors, 'tutorial-envelope.json'),
      '--passphrase-file',
      path.join(vectors, 'passphrase.txt'),
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('restored 3 records');
    expect(readFileSync(path.join(out, 'tutorial-envelope.jsonl'))).toEqual(
      readFileSync(path.join(vectors, 'tutorial-records.jsonl')),
    );
  });

  it('fails cleanly on a wrong passphrase, leaving no file, and needs its passphrase file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-legacy-'));
    const wrong = path.join(dir, 'wrong.txt');
    writeFileSync(wrong, 'not the passphrase\n');
    const out = path.join(dir, 'out');
    const envelope = path.join(vectors, 'tutorial-envelope.json');
    const failed = await cli(['restore', '--legacy', envelope, '--passphrase-file', wrong, '--out', out]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cannot restore ${envelope}:`);
    expect(failed.stderr + failed.stdout).not.toContain('not the passphrase');
    expect(existsSync(out) ? listFiles(out) : []).toEqual([]);
    const without = await cli(['restore', '--legacy', envelope, '--out', out]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--legacy needs --passphrase-file <file>');
    const mixed = await cli(['restore', '--legacy', envelope, '--passphrase-file', wrong, '--item', 'c1']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(
      '--legacy restores an envelope on its own: give no pipeline and no --item',
    );
  });
});

describe('cxarchive keys generate', () => {
  it('creates an owner-only key file in a new owner-only directory, prints its id only, and never overwrites', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-keys-'));
    const file = path.join(dir, 'new', 'tenant.key');
    const made = await cli(['keys', 'generate', file]);
    expect(made.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(Buffer.from(text.trim(), 'base64')).toHaveLength(32);
    expect(made.stdout).toMatch(/^created .*tenant\.key \(key id kek:[0-9a-f]{16}\)\n$/);
    expect(made.stdout + made.stderr).not.toContain(text.trim());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const again = await cli(['keys', 'generate', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists: a key file is never overwritten');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
