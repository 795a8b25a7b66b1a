// Redaction proven end to end: a real pipeline (the CXone simulator → source-cxone → redact →
// gzip-aes → sink-fs, the SQLite ledger) runs with redaction rules on the phone numbers and names of
// every contact, and no original value is then found anywhere the run wrote: the decoded archive
// objects (per-item records, batch JSON Lines), the plaintext headers of every object, any other
// file of the archive, the raw bytes of the ledger's files, the run report, the audit log, and the
// CLI's stdout and stderr with --verbose.
import { createHmac } from 'node:crypto';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readCxarHeader } from '@cxarchive/codec-gzip-aes';
import { ConfigError, loadPipeline, preparePipeline, SecretScrubber } from '@cxarchive/core/host';
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
import { assertBuilt, cli } from './restore-helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive, fsync: false }';
const REDACT_KEY = 'redact-key-4c6f0a1e9b2d7c3f5a8e0d1b6c9f2a4e';
const BATCH = 'layout: { records: batch, batchSize: 100 }\n';

const redactBlock = (rules: string) =>
  `transforms:\n  - use: redact\n    with:\n      key: \${REDACT_KEY}\n      rules:\n${rules}`;
const RULES = redactBlock(
  [
    '        - { action: hash, paths: [fromAddress, toAddress] }',
    '        - { action: mask, paths: [lastName], keepLast: 2 }',
    '        - { action: remove, paths: [firstName] }',
    // source-cxone adds the agents of the interaction (Media Playback details) to the record.
    '        - { action: hash, paths: ["**.agentName"] }',
    '',
  ].join('\n'),
);

const tenants: Tenant[] = [];
const tenant = async (extra: string, contacts = 16) => {
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

const hmac = (value: string) => `hmac-sha256:${createHmac('sha256', REDACT_KEY).update(value).digest('hex')}`;

/** Every file under a directory (recursively), as bytes, by relative path. */
const filesUnder = (dir: string): Map<string, Buffer> =>
  new Map(listFiles(dir).map((f) => [f, readFileSync(path.join(dir, f))]));

/**
 * What the run left where a reader can see it: each archive object's plaintext header (its codec
 * context) and decoded body when it is JSON (records, batches), the plaintext manifests, and every
 * file of the state directory (ledger and its WAL, reports, audit log) byte for byte. Recording
 * bodies are encrypted audio, so their bytes say nothing and are not searched.
 */
const visibleTexts = async (t: Tenant) => {
  const codec = await openCodec(t);
  const archive = path.join(t.dir, 'archive');
  const seen = new Map<string, Buffer>();
  const decodedJson: string[] = [];
  for (const [file, bytes] of filesUnder(archive)) {
    if (!file.endsWith('.cxar')) {
      seen.set(`archive/${file}`, bytes); // manifests
      continue;
    }
    const header = await readCxarHeader(createReadStream(path.join(archive, file)));
    if (header.isErr()) throw new Error(`${file}: ${header.error.message}`);
    header.value.rest.destroy();
    seen.set(`archive/${file} (header)`, header.value.header.contextBytes);
    const { v: _v, ...context } = header.value.header.context;
    if (!String(context.contentType ?? '').includes('json')) continue;
    const decoded = await codec.decode(
      createReadStream(path.join(archive, file)),
      context,
      new AbortController().signal,
    );
    if (decoded.isErr()) throw new Error(`${file}: ${decoded.error.message}`);
    const text = (await readAll(decoded.value)).toString('utf8');
    decodedJson.push(text);
    seen.set(`archive/${file} (decoded)`, Buffer.from(text));
  }
  for (const [file, bytes] of filesUnder(path.join(t.dir, '.cxarchive')))
    seen.set(`.cxarchive/${file}`, bytes);
  return { seen, decodedJson };
};

const occurrences = (seen: Map<string, Buffer>, needles: Iterable<string>) => {
  const found: string[] = [];
  for (const needle of needles)
    for (const [where, bytes] of seen) if (bytes.includes(needle)) found.push(`${needle} in ${where}`);
  return found;
};

/** The records the archive holds, by contact id, from per-item objects or batch lines. */
const recordsOf = (decodedJson: readonly string[]) => {
  const records = new Map<string, Record<string, unknown>>();
  for (const text of decodedJson) {
    const trimmed = text.trim();
    if (trimmed.startsWith('{"id"')) {
      for (const line of trimmed.split('\n')) {
        const { id, record } = JSON.parse(line) as { id: string; record: Record<string, unknown> };
        records.set(id, record);
      }
    } else {
      const record = JSON.parse(trimmed) as Record<string, unknown>;
      records.set(String(record.contactId), record);
    }
  }
  return records;
};

describe.each([
  ['per-item', ''],
  ['batch', BATCH],
])('redact in a real pipeline (%s layout)', (layout, extra) => {
  it('leaves no phone number and no name anywhere the run wrote, and keeps the hashes joinable', async () => {
    const t = await tenant(`${RULES}${extra}`);
    const report = await runTenant(t);
    const contacts = t.simulator.dataset.contacts;
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: contacts.length, failed: 0, skipped: 0 });

    const { seen, decodedJson } = await visibleTexts(t);
    const files = [...seen.keys()];
    expect(files.some((f) => f.endsWith('.audit.jsonl'))).toBe(true);
    expect(files.some((f) => f.startsWith('.cxarchive/reports/'))).toBe(true);
    expect(files.some((f) => f.endsWith('.db'))).toBe(true);
    if (layout === 'batch')
      expect(files.some((f) => f.includes('/records/') && f.endsWith('(decoded)'))).toBe(true);

    const originals = new Set<string>();
    for (const c of contacts)
      for (const v of [c.fromAddress, c.toAddress, c.firstName, c.lastName]) originals.add(v);
    expect(originals.size).toBeGreaterThan(8);
    expect(occurrences(seen, originals)).toEqual([]);
    // Nor the hash key.
    expect(occurrences(seen, [REDACT_KEY])).toEqual([]);

    // The search can see: the contact ids (not personal data) are in the ledger, the audit log and
    // the records, and other fields of the records came through unchanged.
    const ids = contacts.map((c) => c.contactId);
    for (const where of ['.db', '.audit.jsonl'])
      expect(
        occurrences(new Map([...seen].filter(([f]) => f.endsWith(where))), ids).length,
      ).toBeGreaterThanOrEqual(ids.length);
    const records = recordsOf(decodedJson);
    expect(records.size).toBe(contacts.length);
    for (const c of contacts) {
      const record = records.get(c.contactId);
      expect(record, c.contactId).toBeDefined();
      expect(record).toMatchObject({
        contactId: Number(c.contactId),
        skillName: c.skillName,
        mediaTypeName: c.mediaTypeName,
        fromAddress: hmac(c.fromAddress),
        toAddress: hmac(c.toAddress),
        lastName: `****${c.lastName.slice(-2)}`,
      });
      expect(record).not.toHaveProperty('firstName');
      const participants = (record?.participants ?? []) as { agentName?: string }[];
      for (const p of participants.filter((p) => p.agentName !== undefined))
        expect(p.agentName).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    const named = [...records.values()].flatMap((r) => (r.participants ?? []) as { agentName?: string }[]);
    expect(named.filter((p) => p.agentName !== undefined).length).toBeGreaterThan(0);
    // One caller's number gives one token wherever it appears: a data lake can join on it.
    const company = contacts.find((c) => !c.isOutbound)!.toAddress;
    const tokens = [...records.values()].filter((r) => r.toAddress === hmac(company));
    expect(tokens.length).toBe(contacts.filter((c) => c.toAddress === company).length);
  });
});

describe('redact through the CLI', () => {
  it('prints no original value and no key on stdout or stderr, with --verbose, and the files hold none either', async () => {
    assertBuilt();
    const filter = '  - use: filter\n    with: { drop: [{ mediaType: [Chat] }] }\n';
    const t = await tenant(`${RULES}${filter}${BATCH}`, 24);
    const run = await cli(['run', t.file, '--verbose'], t.env, t.dir);
    expect(run.code, run.stderr).toBe(0);
    const contacts = t.simulator.dataset.contacts;
    const chats = contacts.filter((c) => c.mediaTypeName === 'Chat').length;
    expect(chats).toBeGreaterThan(0);
    expect(run.stdout).toMatch(new RegExp(`archived ${contacts.length - chats}, failed 0, skipped ${chats}`));
    const originals = new Set<string>();
    for (const c of contacts)
      for (const v of [c.fromAddress, c.toAddress, c.firstName, c.lastName]) originals.add(v);
    const output = new Map([
      ['stdout', Buffer.from(run.stdout)],
      ['stderr', Buffer.from(run.stderr)],
    ]);
    // --verbose shows the filter's reasons: the run did log, and logged no value.
    expect(run.stderr).toContain('item dropped by the filter');
    expect(run.stderr).toContain('"reason":"drop[0] matched (mediaType)"');
    expect(occurrences(output, [...originals, REDACT_KEY])).toEqual([]);
    const { seen } = await visibleTexts(t);
    expect(occurrences(seen, [...originals, REDACT_KEY])).toEqual([]);
  });
});

describe('a control run without redaction', () => {
  it('finds the originals where the redacted runs find none (the search is not blind)', async () => {
    const t = await tenant(BATCH, 6);
    expect((await runTenant(t)).status).toBe('succeeded');
    const { seen } = await visibleTexts(t);
    const c = t.simulator.dataset.contacts[0]!;
    expect(occurrences(seen, [c.fromAddress, c.lastName]).length).toBeGreaterThanOrEqual(2);
  });
});

describe('redact options are checked when the pipeline file is validated', () => {
  const prepare = async (rules: string, withKey = true) => {
    const t = await tenant(
      withKey ? redactBlock(rules) : `transforms:\n  - use: redact\n    with:\n      rules:\n${rules}`,
      1,
    );
    const loaded = await loadPipeline({ file: t.file, env: t.env });
    try {
      await preparePipeline(loaded, {
        fallbackFrom: [CLI_DIR],
        conditions: SOURCE_CONDITIONS,
        scrubber: new SecretScrubber(),
      });
    } catch (error) {
      if (error instanceof ConfigError) return { file: t.file, message: error.message };
      throw error;
    }
    return { file: t.file, message: undefined };
  };

  it('refuses a path outside the syntax, with its file, line and column', async () => {
    const { file, message } = await prepare('        - { action: remove, paths: [firstName, "tags[0]"] }\n');
    expect(message).toContain(path.basename(file));
    expect(message).toMatch(/:\d+:\d+/);
    expect(message).toContain('transforms[0].with.rules[0].paths[1]');
    expect(message).toContain('"tags[0]" must match pattern');
    expect(message).toContain('`[*]` after a key for every element of an array');
  });

  it('refuses a hash rule without a key, an unknown action and a mistyped option', async () => {
    const noKey = await prepare('        - { action: hash, paths: [fromAddress] }\n', false);
    expect(noKey.message).toContain('missing required key "key"');
    const action = await prepare('        - { action: scramble, paths: [fromAddress] }\n');
    expect(action.message).toContain(
      '"scramble" is not one of "mask", "remove", "hash" (at transforms[0].with.rules[0].action)',
    );
    expect(noKey.message).toContain('key: The HMAC-SHA256 key of `hash` rules');
    const typo = await prepare('        - { action: mask, paths: [lastName], keeplast: 2 }\n');
    expect(typo.message).toContain('unknown key "keeplast"');
    expect(typo.message).toContain('did you mean "keepLast"?');
  });

  it('never quotes the key in a message', async () => {
    const t = await tenant(redactBlock('        - { action: hash, paths: [fromAddress] }\n'), 1);
    const env = { ...t.env, REDACT_KEY: 'too-short-secret-value' };
    const loaded = await loadPipeline({ file: t.file, env });
    const failure = await preparePipeline(loaded, {
      fallbackFrom: [CLI_DIR],
      conditions: SOURCE_CONDITIONS,
      scrubber: new SecretScrubber(),
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain('transforms[0].with.key');
    expect((failure as Error).message).not.toContain('too-short-secret-value');
  });
});
