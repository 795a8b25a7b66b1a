import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import codecPlugin, { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  buildObjectKey,
  ConfigError,
  memoryJobStore,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLI_PACKAGE_DIR } from '../pipeline-setup.js';
import Migrate, { LEGACY_SOURCE, prepareLegacyMigration } from './migrate.js';

const VECTORS = path.resolve(
  fileURLToPath(new URL('../../../legacy-envelope/test-vectors', import.meta.url)),
);
const ENVELOPE = path.join(VECTORS, 'tutorial-envelope.json');
const PASSPHRASE_FILE = path.join(VECTORS, 'passphrase.txt');
const PASSPHRASE = readFileSync(PASSPHRASE_FILE, 'utf8').trimEnd();
const LINES = readFileSync(path.join(VECTORS, 'tutorial-records.jsonl'), 'utf8').trimEnd().split('\n');
/** In tests, plugins load from their TypeScript sources, sharing one copy of core with the test. */
const SOURCE_CONDITIONS = ['@cxarchive/source', 'import', 'default'];
const signal = new AbortController().signal;

/** A tenant whose pipeline has a cxone source with unset variables, the gzip-aes codec and an fs sink. */
const makeTenant = async (codecKey = './keys/tenant.key') => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-migrate-'));
  const keyFile = path.join(dir, 'keys', 'tenant.key');
  await writeKeyFile(keyFile);
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: acme
source:
  use: cxone
  with:
    accessKeyId: \${CXONE_ACCESS_KEY_ID}
    accessKeySecret: \${CXONE_ACCESS_KEY_SECRET}
    clientId: \${CXONE_CLIENT_ID}
    clientSecret: \${CXONE_CLIENT_SECRET}
    since: 2024-01-01T00:00:00Z
codec:
  use: gzip-aes
  with: { key: { provider: file, path: "${codecKey}" } }
sinks:
  - use: fs
    with: { root: ./archive, fsync: false }
retry: { attempts: 2, initialDelay: 1ms, maxDelay: 2ms }
`,
  );
  const legacy = path.join(dir, 'legacy');
  mkdirSync(legacy);
  copyFileSync(ENVELOPE, path.join(legacy, 'march.json'));
  return { dir, file, keyFile, legacy, archive: path.join(dir, 'archive') };
};
type Tenant = Awaited<ReturnType<typeof makeTenant>>;

/** Every file under a directory, relative, sorted (none when it does not exist). */
const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out.sort();
};

const snapshot = (dir: string) => listFiles(dir).map((f) => `${f}:${statSync(path.join(dir, f)).mtimeMs}`);

const openCodec = async (t: Tenant) => {
  const created = await codecPlugin.create(
    { key: { provider: 'file', path: t.keyFile }, compression: 'auto', chunkSizeLog2: 16 } as never,
    {
      tenant: 'acme',
      baseDir: t.dir,
      label: 'codec',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      jobs: memoryJobStore(),
      now: () => new Date(),
      budget: (family: string) => {
        throw new Error(`the codec declares no budget (asked for ${family})`);
      },
    },
  );
  if (created.isErr()) throw new Error(created.error.message);
  return created.value;
};

/** The environment of the tests, without any CXONE_* variable. */
const noCxone = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CXONE_')));

const migrateInProcess = async (t: Tenant, passphraseFile = PASSPHRASE_FILE) => {
  const scrubber = new SecretScrubber();
  const prepared = await prepareLegacyMigration(
    { pipeline: t.file, legacy: t.legacy, passphraseFile, env: noCxone(), conditions: SOURCE_CONDITIONS },
    scrubber,
  );
  return runPipeline({ prepared, scrubber });
};

/** Runs the oclif command in this process, as `cxarchive migrate …` would. */
const cli = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.push(`${format(...args)}\n`);
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('CXONE_')) delete process.env[name];
  let exit: number | undefined;
  try {
    await Migrate.run(argv, CLI_PACKAGE_DIR);
  } catch (e) {
    exit = (e as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw e;
  } finally {
    vi.restoreAllMocks();
    Object.assign(process.env, saved);
  }
  return { stdout: out.join(''), stderr: err.join(''), exit };
};

afterEach(() => vi.restoreAllMocks());

describe('migrate --legacy, through the archive flow', () => {
  it('archives every record of an envelope as a CXAR object that decodes to its line; a second run stores nothing', async () => {
    const t = await makeTenant();
    const report = await migrateInProcess(t);
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 3, failed: 0 });

    const codec = await openCodec(t);
    const stored = listFiles(t.archive).filter((f) => f.endsWith('.cxar'));
    expect(stored).toHaveLength(3);
    for (const line of LINES) {
      const record = JSON.parse(line);
      const itemId = String(record.contactId);
      const objectKey = buildObjectKey(
        {
          tenant: 'acme',
          occurredAt: new Date(record.contactStart ?? record.contactStartDate),
          itemId,
          artifact: 'legacy-contact.json',
        },
        codec.extension,
      );
      expect(stored).toContain(objectKey);
      const decoded = await codec.decode(
        Readable.from([readFileSync(path.join(t.archive, objectKey))]),
        {
          tenant: 'acme',
          objectKey,
          itemId,
          artifact: 'legacy-contact.json',
          contentType: 'application/json',
        },
        signal,
      );
      if (decoded.isErr()) throw new Error(decoded.error.message);
      expect(JSON.parse(await text(decoded.value))).toEqual(record);
    }

    const before = snapshot(t.archive);
    const again = await migrateInProcess(t);
    expect(again.status).toBe('succeeded');
    // The checkpoint (file and line) skips the whole envelope: nothing is even listed again.
    expect(again.counts).toMatchObject({ archived: 0, skipped: 0, failed: 0 });
    expect(snapshot(t.archive).filter((f) => f.includes('.cxar'))).toEqual(
      before.filter((f) => f.includes('.cxar')),
    );
  });

  it('does not need the source block: its unset CXONE_* variables are no error, other blocks still are', async () => {
    const t = await makeTenant('${TENANT_KEY_PATH}');
    const error = await migrateInProcess(t).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('environment variable TENANT_KEY_PATH is not set');
    expect(message).not.toContain('CXONE_');
  });

  it('records migrated items under the legacy source, apart from the pipeline source', async () => {
    const t = await makeTenant();
    const scrubber = new SecretScrubber();
    const prepared = await prepareLegacyMigration(
      {
        pipeline: t.file,
        legacy: t.legacy,
        passphraseFile: PASSPHRASE_FILE,
        env: noCxone(),
        conditions: SOURCE_CONDITIONS,
      },
      scrubber,
    );
    expect(prepared.source.use).toBe(LEGACY_SOURCE);
    expect(prepared.source.config).toEqual({
      path: t.legacy,
      passphraseFile: PASSPHRASE_FILE,
      pageSize: 100,
      maxEnvelopeBytes: 256 * 1024 * 1024,
    });
    expect(prepared.sinks.map((s) => s.packageName)).toEqual(['@cxarchive/sink-fs']);
  });
});

describe('cxarchive migrate --legacy', () => {
  it('migrates, prints the summary, exits 0; the second run stores nothing', async () => {
    const t = await makeTenant();
    const first = await cli(['--legacy', t.legacy, t.file, '--passphrase-file', PASSPHRASE_FILE, '--json']);
    expect(first.exit).toBeUndefined();
    expect(JSON.parse(first.stdout)).toMatchObject({
      status: 'succeeded',
      counts: { archived: 3, failed: 0 },
    });
    const objects = listFiles(t.archive).filter((f) => f.endsWith('legacy-contact.json.cxar'));
    expect(objects).toHaveLength(3);
    const before = snapshot(t.archive).filter((f) => f.includes('.cxar'));
    const second = await cli(['--legacy', t.legacy, t.file, '--passphrase-file', PASSPHRASE_FILE, '--json']);
    expect(second.exit).toBeUndefined();
    expect(JSON.parse(second.stdout).counts.archived).toBe(0);
    expect(snapshot(t.archive).filter((f) => f.includes('.cxar'))).toEqual(before);
  });

  it('fails with exit 1 naming the envelope for a wrong passphrase, stores nothing, prints no passphrase', async () => {
    const t = await makeTenant();
    const wrong = path.join(t.dir, 'wrong.txt');
    writeFileSync(wrong, 'not the passphrase\n');
    const result = await cli(['--legacy', t.legacy, t.file, '--passphrase-file', wrong]);
    expect(result.exit).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/march\.json: wrong passphrase or altered envelope/);
    expect(result.stdout + result.stderr).not.toContain('not the passphrase');
    expect(result.stdout + result.stderr).not.toContain(PASSPHRASE);
    expect(listFiles(t.archive).filter((f) => f.endsWith('.cxar'))).toEqual([]);
  });

  it('cannot start (exit 3) without the passphrase file, and names it', async () => {
    const t = await makeTenant();
    const missing = path.join(t.dir, 'nowhere.txt');
    const result = await cli(['--legacy', t.legacy, t.file, '--passphrase-file', missing]);
    expect(result.exit).toBe(3);
    expect(result.stderr).toContain('nowhere.txt: no such file');
  });

  it('refuses an invalid pipeline with exit 2', async () => {
    const t = await makeTenant('${TENANT_KEY_PATH}');
    const result = await cli(['--legacy', t.legacy, t.file, '--passphrase-file', PASSPHRASE_FILE]);
    expect(result.exit).toBe(2);
    expect(result.stderr).toContain('TENANT_KEY_PATH');
  });
});
