import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Checkpoint, ItemRef, Page, PluginContext, Source } from '@cxarchive/core';
import { memoryJobStore } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import {
  sealEnvelope,
  tempDir,
  VECTOR_ENVELOPE,
  VECTOR_PASSPHRASE,
  VECTOR_PASSPHRASE_FILE,
  vectorEnvelope,
  vectorLines,
  writeEnvelope,
} from '../test-support/envelopes.js';
import plugin, { createLegacySource, LEGACY_RECORD_NAME } from './index.js';

const signal = new AbortController().signal;

const source = (target: string, pageSize = 100): Source =>
  createLegacySource({ path: target, passphrase: VECTOR_PASSPHRASE, pageSize, maxEnvelopeBytes: 1 << 20 });

/** Every page the source lists from `checkpoint`; fails the test on a listing error. */
const list = async (s: Source, checkpoint?: Checkpoint): Promise<Page[]> => {
  const pages: Page[] = [];
  for await (const result of s.pages(checkpoint, signal)) {
    if (result.isErr()) throw new Error(`${result.error._tag}: ${result.error.message}`);
    pages.push(result.value);
  }
  return pages;
};

const ids = (pages: Page[]) => pages.flatMap((p) => p.items.map((i) => i.id));

/** A directory with the vector as b.json and another envelope (two records) as a.json. */
const twoEnvelopes = () => {
  const dir = tempDir('dir');
  copyFileSync(VECTOR_ENVELOPE, path.join(dir, 'b.json'));
  const lines = [
    '{"contactId": 11, "contactStart": "2023-12-31T23:00:00Z"}',
    '{"contactId": 12, "contactStart": "2024-01-01T01:00:00Z"}',
  ];
  writeEnvelope(dir, 'a.json', sealEnvelope(`${lines.join('\n')}\n`, VECTOR_PASSPHRASE));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an envelope');
  return dir;
};

const context = (baseDir: string): PluginContext => ({
  tenant: 't',
  baseDir,
  label: 'source',
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  jobs: memoryJobStore(),
  now: () => new Date(),
  budget: () => {
    throw new Error('no budgets');
  },
});

describe('legacy-envelope source', () => {
  it('lists each record of the vector as an item and fetches it as written, with no artifacts', async () => {
    const s = source(VECTOR_ENVELOPE);
    expect(s.recordName).toBe(LEGACY_RECORD_NAME);
    const pages = await list(s);
    expect(ids(pages)).toEqual(['583920114', '583920187', '583920201']);
    const refs = pages.flatMap((p) => p.items);
    // References hold the place only, never record content.
    expect(refs[1]!.data).toEqual({ file: VECTOR_ENVELOPE, salt: vectorEnvelope().salt, line: 2 });
    const lines = vectorLines();
    for (const [i, ref] of refs.entries()) {
      const item = (await s.fetch(ref, signal))._unsafeUnwrap();
      expect(item.record).toEqual(JSON.parse(lines[i]!));
      expect(item.artifacts).toEqual([]);
    }
    const second = (await s.fetch(refs[1]!, signal))._unsafeUnwrap();
    expect(second.occurredAt).toEqual(new Date('2024-03-04T10:02:45Z'));
  });

  it('fetches by re-reading the envelope when the listing is gone (a later run retrying an item)', async () => {
    const refs = (await list(source(VECTOR_ENVELOPE))).flatMap((p) => p.items);
    const fresh = source(VECTOR_ENVELOPE);
    const item = (await fresh.fetch(refs[2]!, signal))._unsafeUnwrap();
    expect(item.id).toBe('583920201');
    expect(item.record).toEqual(JSON.parse(vectorLines()[2]!));
  });

  it('lists the *.json envelopes of a directory in name order, one envelope per page at most', async () => {
    const pages = await list(source(twoEnvelopes(), 2));
    expect(pages.map((p) => p.items.map((i) => i.id))).toEqual([
      ['11', '12'],
      [],
      ['583920114', '583920187'],
      ['583920201'],
    ]);
    expect(
      pages.map((p) => [path.basename(String(p.checkpoint.file)), p.checkpoint.line, p.checkpoint.complete]),
    ).toEqual([
      ['a.json', 2, false],
      ['a.json', 2, true],
      ['b.json', 2, false],
      ['b.json', 3, true],
    ]);
  });

  it('resumes after the checkpoint: later lines of its file, then later files', async () => {
    const dir = twoEnvelopes();
    const pages = await list(source(dir, 2));
    expect(ids(await list(source(dir, 2), pages[2]!.checkpoint))).toEqual(['583920201']);
    expect(ids(await list(source(dir, 2), pages[1]!.checkpoint))).toEqual([
      '583920114',
      '583920187',
      '583920201',
    ]);
    expect(ids(await list(source(dir, 2), pages[3]!.checkpoint))).toEqual([]);
  });

  it('lists in full an envelope replaced since the checkpoint, and ignores a checkpoint of another path', async () => {
    const dir = twoEnvelopes();
    const pages = await list(source(dir, 2));
    const replaced = { ...pages[3]!.checkpoint, salt: 'AAAA' };
    expect(ids(await list(source(dir, 2), replaced))).toEqual(['583920114', '583920187', '583920201']);
    const elsewhere = { ...pages[3]!.checkpoint, file: '/elsewhere/b.json' };
    expect(ids(await list(source(dir, 2), elsewhere))).toHaveLength(5);
  });

  it('lists a record without a contactId under a placeholder id and fails it with its file and line', async () => {
    const dir = tempDir('noid');
    const lines = ['{"contactId": 1, "contactStart": "2024-01-01T00:00:00Z"}', '{"agent": "x"}', 'not json'];
    writeEnvelope(dir, 'x.json', sealEnvelope(`${lines.join('\n')}\n`, VECTOR_PASSPHRASE));
    const s = source(dir);
    const refs: ItemRef[] = (await list(s)).flatMap((p) => p.items);
    expect(refs.map((r) => r.id)).toEqual([
      '1',
      '(no contactId) x.json line 2',
      '(no contactId) x.json line 3',
    ]);
    const second = await s.fetch(refs[1]!, signal);
    expect(second._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      message: 'x.json line 2: the record has no contactId',
    });
    expect((await s.fetch(refs[2]!, signal))._unsafeUnwrapErr().message).toMatch(
      /x\.json line 3: the line is not JSON/,
    );
  });

  it('fails the listing naming the envelope for a wrong passphrase, without the passphrase', async () => {
    const s = createLegacySource({
      path: VECTOR_ENVELOPE,
      passphrase: 'nope',
      pageSize: 10,
      maxEnvelopeBytes: 1 << 20,
    });
    const results = [];
    for await (const r of s.pages(undefined, signal)) results.push(r);
    expect(results).toHaveLength(1);
    const error = results[0]!._unsafeUnwrapErr();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toMatch(/tutorial-envelope\.json: wrong passphrase or altered envelope/);
    expect(error.message).not.toContain('nope');
  });

  it('create refuses a missing passphrase file and a directory without envelopes', async () => {
    const empty = tempDir('empty');
    const noPass = await plugin.create(
      { path: VECTOR_ENVELOPE, passphraseFile: 'missing.txt' },
      context(empty),
    );
    expect(noPass._unsafeUnwrapErr()).toMatchObject({
      _tag: 'NotFound',
      message: expect.stringMatching(/missing\.txt: no such file/),
    });
    const noEnvelopes = await plugin.create(
      { path: '.', passphraseFile: VECTOR_PASSPHRASE_FILE },
      context(empty),
    );
    expect(noEnvelopes._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining('holds no *.json envelope'),
    });
    const ok = await plugin.create(
      { path: VECTOR_ENVELOPE, passphraseFile: VECTOR_PASSPHRASE_FILE },
      context(empty),
    );
    expect(ok.isOk()).toBe(true);
  });
});
