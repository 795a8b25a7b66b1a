// The filter transform in real pipelines (the CXone simulator → source-cxone → filter [→ redact] →
// gzip-aes → sink-fs, the SQLite ledger): dropped contacts are counted as skipped, nothing of them
// is archived, transforms apply in the order of the `transforms` list, and bad options are refused
// before anything runs.
import { createHmac } from 'node:crypto';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readCxarHeader } from '@cxarchive/codec-gzip-aes';
import { ConfigError, loadPipeline, preparePipeline, SecretScrubber } from '@cxarchive/core/host';
import type { SimContact } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI_DIR,
  listFiles,
  makeTenant,
  openCodec,
  runTenant,
  SOURCE_CONDITIONS,
  type Tenant,
} from './helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive, fsync: false }';
const BATCH = 'layout: { records: batch, batchSize: 100 }\n';
const REDACT_KEY = 'filter-test-key-0b9c2e7d4f1a6358c0e2d9b7a4f1c6e3';

const tenants: Tenant[] = [];
const tenant = async (extra: string, contacts = 24) => {
  const t = await makeTenant(FS_SINK, { contacts, extra });
  tenants.push(t);
  return { ...t, env: { ...t.env, REDACT_KEY } };
};
afterEach(async () => {
  await Promise.all(
    tenants.splice(0).map(async (t) => {
      await t.simulator.stop();
      rmSync(t.dir, { recursive: true, force: true });
    }),
  );
});

const readAll = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** The archive's objects: their keys, and the records they hold by contact id (per-item or batch lines). */
const archived = async (t: Tenant) => {
  const codec = await openCodec(t);
  const archive = path.join(t.dir, 'archive');
  const keys = listFiles(archive);
  const records = new Map<string, Record<string, unknown>>();
  for (const key of keys.filter((k) => k.endsWith('.json.cxar') || k.endsWith('.jsonl.cxar'))) {
    const header = await readCxarHeader(createReadStream(path.join(archive, key)));
    if (header.isErr()) throw new Error(header.error.message);
    header.value.rest.destroy();
    const { v: _v, ...context } = header.value.header.context;
    const decoded = await codec.decode(
      createReadStream(path.join(archive, key)),
      context,
      new AbortController().signal,
    );
    if (decoded.isErr()) throw new Error(decoded.error.message);
    const text = (await readAll(decoded.value)).toString('utf8').trim();
    if (key.endsWith('.jsonl.cxar'))
      for (const line of text.split('\n')) {
        const { id, record } = JSON.parse(line) as { id: string; record: Record<string, unknown> };
        records.set(id, record);
      }
    else records.set(String(JSON.parse(text).contactId), JSON.parse(text));
  }
  return { keys, records };
};

const auditOf = (t: Tenant) =>
  readFileSync(path.join(t.dir, '.cxarchive', 'e2e.audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; itemId?: string; reason?: string });

const split = (contacts: readonly SimContact[], keep: (c: SimContact) => boolean) => ({
  kept: contacts.filter(keep),
  dropped: contacts.filter((c) => !keep(c)),
});

describe('filter in a real pipeline', () => {
  it('drops what its rules say, counts it as skipped, and archives nothing of it', async () => {
    const t = await tenant(
      [
        'transforms:',
        '  - use: filter',
        '    with:',
        '      keep:',
        '        - { mediaType: [Call] }',
        '        - { mediaType: [Email], tags: { none: [Follow-Up] } }',
        '      drop:',
        '        - { duration: { max: 20s } }',
        '',
      ].join('\n'),
    );
    const contacts = t.simulator.dataset.contacts;
    const { kept, dropped } = split(
      contacts,
      (c) =>
        c.totalDurationSeconds > 20 &&
        (c.mediaTypeName === 'Call' ||
          (c.mediaTypeName === 'Email' && !c.tags.some((g) => g.tagName === 'follow-up'))),
    );
    // The seeded data set exercises every rule: an email kept, one dropped for its tag, a chat
    // dropped, a call dropped for being short.
    expect(kept.some((c) => c.mediaTypeName === 'Email')).toBe(true);
    expect(dropped.some((c) => c.mediaTypeName === 'Email' && c.totalDurationSeconds > 20)).toBe(true);
    expect(dropped.some((c) => c.mediaTypeName === 'Chat')).toBe(true);
    expect(dropped.some((c) => c.mediaTypeName === 'Call')).toBe(true);

    const report = await runTenant(t);
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({
      seen: contacts.length,
      archived: kept.length,
      skipped: dropped.length,
      failed: 0,
    });

    const { keys, records } = await archived(t);
    expect([...records.keys()].sort()).toEqual(kept.map((c) => c.contactId).sort());
    for (const c of dropped)
      expect(
        keys.filter((k) => k.includes(`/${c.contactId}/`)),
        c.contactId,
      ).toEqual([]);
    // Recordings only of kept masters.
    const recordingOwners = keys.filter((k) => k.includes('/recording')).map((k) => k.split('/').at(-2));
    for (const owner of recordingOwners) expect(kept.map((c) => c.contactId)).toContain(owner);

    const skipped = auditOf(t).filter((e) => e.type === 'item.skipped');
    expect(skipped.map((e) => e.itemId).sort()).toEqual(dropped.map((c) => c.contactId).sort());
    for (const e of skipped) expect(e.reason).toMatch(/^dropped by transforms\[0\]: /);

    // A second run does not bring them back.
    const again = await runTenant(t);
    expect(again.counts).toMatchObject({ archived: 0, failed: 0 });
    expect(listFiles(path.join(t.dir, 'archive'))).toEqual(keys);
  });

  it('applies filter then redact in the order of the list (batch layout), and order matters', async () => {
    const filterThenRedact = [
      'transforms:',
      '  - use: filter',
      '    with: { keep: [{ skill: [Inbound Sales, Inbound Support] }] }',
      '  - use: redact',
      '    with:',
      '      key: ${REDACT_KEY}',
      '      rules:',
      '        - { action: hash, paths: [fromAddress, toAddress] }',
      '        - { action: remove, paths: [skillName, firstName, lastName, "participants[*].agentName"] }',
      '',
    ].join('\n');
    const t = await tenant(`${filterThenRedact}${BATCH}`);
    const contacts = t.simulator.dataset.contacts;
    const { kept, dropped } = split(
      contacts,
      (c) => c.skillName === 'Inbound Sales' || c.skillName === 'Inbound Support',
    );
    expect(kept.length).toBeGreaterThan(0);
    expect(dropped.length).toBeGreaterThan(0);
    const report = await runTenant(t);
    expect(report.counts).toMatchObject({ archived: kept.length, skipped: dropped.length, failed: 0 });
    const { keys, records } = await archived(t);
    expect(keys.some((k) => k.includes('/records/'))).toBe(true);
    expect([...records.keys()].sort()).toEqual(kept.map((c) => c.contactId).sort());
    const hmac = (v: string) => `hmac-sha256:${createHmac('sha256', REDACT_KEY).update(v).digest('hex')}`;
    for (const c of kept) {
      const record = records.get(c.contactId)!;
      expect(record).toMatchObject({
        fromAddress: hmac(c.fromAddress),
        toAddress: hmac(c.toAddress),
        skillId: c.skillId,
      });
      expect(record).not.toHaveProperty('skillName');
    }

    // The other way round, the filter no longer sees the skill the redaction removed: nothing is kept.
    const redactThenFilter = filterThenRedact
      .replace('  - use: filter\n    with: { keep: [{ skill: [Inbound Sales, Inbound Support] }] }\n', '')
      .replace('transforms:\n', 'transforms:\n')
      .concat('  - use: filter\n    with: { keep: [{ skill: [Inbound Sales, Inbound Support] }] }\n');
    expect(redactThenFilter.indexOf('use: redact')).toBeLessThan(redactThenFilter.indexOf('use: filter'));
    const reversed = await tenant(`${redactThenFilter}${BATCH}`);
    const second = await runTenant(reversed);
    expect(second.counts).toMatchObject({ archived: 0, skipped: contacts.length, failed: 0 });
    expect(listFiles(path.join(reversed.dir, 'archive')).filter((k) => k.endsWith('.cxar'))).toEqual([]);
  });
});

describe('filter options are checked before anything runs', () => {
  const prepare = async (withBlock: string) => {
    const t = await tenant(`transforms:\n  - use: filter\n    with:\n${withBlock}`, 1);
    const loaded = await loadPipeline({ file: t.file, env: t.env });
    const failure = await preparePipeline(loaded, {
      fallbackFrom: [CLI_DIR],
      conditions: SOURCE_CONDITIONS,
      scrubber: new SecretScrubber(),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { t, failure };
  };

  it('refuses an unknown predicate with a suggestion, and a duration that is not one, at file:line:col', async () => {
    const { t, failure } = await prepare(
      '      keep:\n        - { skil: [Inbound Sales] }\n      drop:\n        - { duration: { min: 30 seconds } }\n',
    );
    expect(failure).toBeInstanceOf(ConfigError);
    const message = (failure as Error).message;
    expect(message).toContain(`${t.file}:`);
    expect(message).toContain('unknown key "skil" (at transforms[0].with.keep[0].skil)');
    expect(message).toContain('did you mean "skill"?');
    expect(message).toContain('"30 seconds" must match pattern');
    expect(message).toContain('transforms[0].with.drop[0].duration.min');
    expect(message).toContain('A duration such as 30s, 10m or 2h.');
  });

  it('refuses a filter without rules, and an unknown direction', async () => {
    const empty = await prepare('      {}\n');
    expect((empty.failure as Error).message).toMatch(/missing required key "keep"/);
    const sideways = await prepare('      drop: [{ direction: sideways }]\n');
    expect((sideways.failure as Error).message).toContain('"sideways" is not one of "inbound", "outbound"');
  });

  it('refuses a range whose min is above its max: the run does not start', async () => {
    const t = await tenant(
      'transforms:\n  - use: filter\n    with: { drop: [{ duration: { min: 10m, max: 30s } }] }\n',
      1,
    );
    const failure = await runTenant(t).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure?.message).toContain('transforms[0]');
    expect(failure?.message).toContain('drop[0].duration: min (10m) is longer than max (30s)');
    expect(listFiles(t.dir).filter((f) => f.startsWith('archive/'))).toEqual([]);
  });
});
