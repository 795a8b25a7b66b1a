import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  loadPipeline,
  type PreparedArchive,
  prepareArchive,
  SecretScrubber,
  type VerifyProblem,
  verifyArchive,
} from '@cxarchive/core/host';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, listFiles, makeTenant, runTenant, SOURCE_CONDITIONS, type Tenant } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';

const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});
beforeAll(assertBuilt);

const archived = async (contacts = 5) => {
  const t = await makeTenant(FS_SINK, { contacts });
  tenants.push(t);
  expect((await runTenant(t)).status).toBe('succeeded');
  return { t, archive: path.join(t.dir, 'archive') };
};

/** The pipeline as verify opens it: no CXONE_* variable set. */
const prepare = async (t: Tenant): Promise<PreparedArchive> =>
  prepareArchive(await loadPipeline({ file: t.file, env: {}, scope: 'archive' }), {
    fallbackFrom: [CLI_DIR],
    conditions: SOURCE_CONDITIONS,
    scrubber: new SecretScrubber(),
  });

const byKey = (problems: readonly VerifyProblem[]) => new Map(problems.map((p) => [p.key, p]));

/** Five objects of five different items, each damaged one way; returns their keys. */
const damage = (archive: string) => {
  const contacts = listFiles(archive).filter((f) => f.endsWith('/contact.json.cxar'));
  expect(contacts.length).toBeGreaterThanOrEqual(5);
  const [deleted, flipped, truncated, moved, movedOnto] = contacts as [
    string,
    string,
    string,
    string,
    string,
  ];
  unlinkSync(path.join(archive, deleted));
  const bytes = readFileSync(path.join(archive, flipped));
  bytes[bytes.length - 20]! ^= 0x40; // same size, one bit
  writeFileSync(path.join(archive, flipped), bytes);
  truncateSync(path.join(archive, truncated), 30);
  // One item's object in place of another's (a valid object of ours, at the wrong key).
  renameSync(path.join(archive, moved), path.join(archive, movedOnto));
  // An object the ledger does not know, under the tenant's prefix.
  const extra = 'e2e/2020/01/01/stray/contact.json.cxar';
  mkdirSync(path.dirname(path.join(archive, extra)), { recursive: true });
  copyFileSync(path.join(archive, movedOnto), path.join(archive, extra));
  return { deleted, flipped, truncated, moved, movedOnto, extra };
};

describe('cxarchive verify', () => {
  it('passes an intact archive, exit 0, and its JSON counts every object', async () => {
    const { t, archive } = await archived(3);
    const objects = listFiles(archive).length;
    const plain = await cli(['verify', t.file]);
    expect(plain.stderr).not.toContain('CXONE');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`${objects} objects checked by head: no problems`);
    const deep = await cli(['verify', t.file, '--deep', '--json']);
    expect(deep.code).toBe(0);
    const result = JSON.parse(deep.stdout);
    expect(result).toMatchObject({ deep: true, recorded: objects, checked: objects, problemCount: 0 });
    expect(result.sinks[0]).toMatchObject({ sink: 'sinks[0]', checked: objects, byLevel: { deep: objects } });
  });

  it('names a deleted, a flipped, a truncated, a moved and an unknown object, and exits 5', async () => {
    const { t, archive } = await archived();
    const d = damage(archive);
    const { code, stdout } = await cli(['verify', t.file, '--json']);
    expect(code).toBe(5);
    const result = JSON.parse(stdout);
    const found = byKey(result.problems);
    expect(found.get(d.deleted)?.kinds).toEqual(['missing']);
    expect(found.get(d.moved)?.kinds).toEqual(['missing']);
    // The fs sink reports a SHA-256 of what it holds: a flipped byte shows without reading the object.
    expect(found.get(d.flipped)?.kinds).toEqual(['checksum']);
    expect(found.get(d.truncated)?.kinds).toEqual(['size', 'checksum']);
    expect(found.get(d.movedOnto)?.kinds).toContain('checksum');
    expect(found.get(d.flipped)?.itemId).toBe(d.flipped.split('/')[4]);
    // The fs sink lists its objects: the stray one is named too, and nothing else is unknown.
    expect(result.sinks[0]).toMatchObject({ listing: 'listed', listed: listFiles(archive).length });
    expect(found.get(d.extra)).toMatchObject({ kinds: ['unknown'], sink: 'sinks[0]' });
    expect(result.problemCount).toBe(6);
    expect(result.kinds).toMatchObject({ missing: 2, unknown: 1, unreadable: 0 });

    // The table names each bad object: sink, key, item, what.
    const table = await cli(['verify', t.file, '--deep']);
    expect(table.code).toBe(5);
    const row = (key: string) => table.stdout.split('\n').find((l) => l.includes(key)) ?? '';
    expect(row(d.deleted)).toMatch(/^sinks\[0\] +\S+ +\S+ +missing$/);
    expect(row(d.flipped)).toContain('altered (checksum), fails authentication');
    expect(row(d.truncated)).toContain('altered (size), altered (checksum), fails authentication');
    // Deep: the moved object is ours, but bound to another key, and fails there.
    const movedDetail = table.stdout.split('\n')[table.stdout.split('\n').indexOf(row(d.movedOnto)) + 1];
    expect(movedDetail).toContain('context mismatch');
  });

  it('--deep catches a flipped byte on a store that reports no checksum', async () => {
    const { t, archive } = await archived(5);
    const d = damage(archive);
    const prepared = await prepare(t);
    // The same fs sink, but its head reports no checksum (as a store that keeps none).
    const fs = prepared.sinks[0]!;
    const blind: PreparedArchive = {
      ...prepared,
      sinks: [
        {
          ...fs,
          definition: {
            ...fs.definition,
            create: (config, context) =>
              fs.definition.create(config, context).map((sink) => ({
                checksums: [],
                put: sink.put.bind(sink),
                get: sink.get.bind(sink),
                head: (key: string, signal: AbortSignal) =>
                  sink.head(key, signal).map((info) => (info ? { key: info.key, size: info.size } : null)),
              })),
          },
        },
      ],
    };
    const scrubber = new SecretScrubber();
    const shallow = await verifyArchive({ prepared: blind, scrubber });
    const shallowFound = byKey(shallow.problems);
    expect(shallowFound.has(d.flipped)).toBe(false);
    expect(shallow.sinks[0]!.byLevel.checksum).toBe(0);
    expect(shallow.sinks[0]!.listing).toBe('unsupported');
    const deep = await verifyArchive({ prepared: blind, scrubber, deep: true });
    const found = byKey(deep.problems);
    expect(found.get(d.flipped)?.kinds).toEqual(['authentication']);
    expect(found.get(d.flipped)?.detail).toMatch(/fails authentication: .*chunk 0 failed authentication/);
    expect(found.get(d.movedOnto)?.detail).toContain('context mismatch');
    expect(found.get(d.deleted)?.kinds).toEqual(['missing']);
    expect(found.get(d.truncated)?.kinds).toEqual(['size', 'authentication']);
  });

  it('checks a sample without listing, and one sink when asked', async () => {
    const { t, archive } = await archived(4);
    const objects = listFiles(archive).length;
    const prepared = await prepare(t);
    const sample = await verifyArchive({ prepared, scrubber: new SecretScrubber(), sample: 3, sink: '0' });
    expect(sample).toMatchObject({ recorded: objects, checked: 3, problemCount: 0, sample: 3 });
    expect(sample.sinks[0]!.listing).toBe('skipped');
    await expect(
      verifyArchive({ prepared, scrubber: new SecretScrubber(), sink: 'sinks[2]' }),
    ).rejects.toThrow('--sink sinks[2]: this pipeline has no such sink');
    const bad = await cli(['verify', t.file, '--sink', 'nope']);
    expect(bad.code).toBe(2);
  });

  it('exits 3 when there is no ledger to verify against', async () => {
    const t = await makeTenant(FS_SINK, { contacts: 1 });
    tenants.push(t);
    const { code, stderr } = await cli(['verify', t.file]);
    expect(code).toBe(3);
    expect(stderr).toContain('there is no ledger at');
  });
});
