// The tenant examples end to end: the same pipeline (examples/tenant-*) archived by the real CLI
// runtime from the CXone simulator into each cloud store's real server, then a contact restored
// from the store. And one pipeline with two cloud sinks, one of them failing.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import codecPlugin, { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  InjectedFault,
  ledgerPath,
  loadPipeline,
  memoryJobStore,
  openSqliteLedger,
  type PluginContext,
  type PreparedPipeline,
  preparePipeline,
  runPipeline,
  SecretScrubber,
  type Sink,
  setFaultHook,
} from '@cxarchive/core/host';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import {
  type Azurite,
  type CephRgw,
  cephRgwUnavailable,
  collect,
  type GcsEmulator,
  startAzurite,
  startCephRgw,
  startGcsEmulator,
  startHttpFaultProxy,
} from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, ROOT, SOURCE_CONDITIONS, simulatorEnv } from './helpers.js';

const CONTACTS = 6;
const example = (name: string) => path.join(ROOT, 'examples', `tenant-${name}`, 'archive.pipeline.yaml');

let simulator: RunningSimulator;
let azurite: Azurite;
let gcs: GcsEmulator;

/** The Azure SDK, from the sink that depends on it (a test creates the container a tenant expects). */
const azureSdk = createRequire(path.join(ROOT, 'packages', 'sink-azure', 'package.json'))(
  '@azure/storage-blob',
) as {
  BlobServiceClient: {
    fromConnectionString(connectionString: string): {
      getContainerClient(name: string): { createIfNotExists(): Promise<unknown> };
    };
  };
};

const createContainer = async (connectionString: string, name: string) => {
  await azureSdk.BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(name)
    .createIfNotExists();
};

beforeAll(async () => {
  [simulator, azurite, gcs] = await Promise.all([
    startSimulator({ seed: 11, contacts: CONTACTS, recordingSeconds: [1, 4] }),
    startAzurite(),
    startGcsEmulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([simulator?.stop(), azurite?.stop(), gcs?.stop()]);
});

/** A tenant directory running an example pipeline file, with its own key and ledger. */
const tenantFrom = async (file: string, env: Record<string, string>) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-cloud-'));
  mkdirSync(path.join(dir, 'keys'));
  await writeKeyFile(path.join(dir, 'keys', 'acme.key'));
  const pipeline = path.join(dir, 'archive.pipeline.yaml');
  copyFileSync(file, pipeline);
  const scrubber = new SecretScrubber();
  const loaded = await loadPipeline({ file: pipeline, env: { ...simulatorEnv(simulator), ...env } });
  const prepared = await preparePipeline(loaded, {
    fallbackFrom: [CLI_DIR],
    conditions: SOURCE_CONDITIONS,
    scrubber,
  });
  return { dir, prepared, run: () => runPipeline({ prepared, scrubber }) };
};

const contextFor = (dir: string, label: string): PluginContext => ({
  tenant: 'acme',
  baseDir: dir,
  label,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  jobs: memoryJobStore(),
  now: () => new Date(),
  budget: (family) => {
    throw new Error(`no budget ${family} here`);
  },
});

/** Reads one contact back from the store the pipeline wrote to, and decodes it. */
const restoreContact = async (
  dir: string,
  prepared: PreparedPipeline,
  sinkIndex: number,
  contactId: string,
) => {
  const sinkPlugin = prepared.sinks[sinkIndex]!;
  const created = await sinkPlugin.definition.create(sinkPlugin.config, contextFor(dir, sinkPlugin.label));
  if (created.isErr()) throw new Error(created.error.message);
  const sink = created.value as Sink;
  const contact = simulator.dataset.contacts.find((c) => String(c.contactId) === contactId)!;
  const key = `acme/${contact.contactStartDate.slice(0, 10).replace(/-/g, '/')}/${contactId}/contact.json.cxar`;
  const signal = new AbortController().signal;
  const stored = await sink.get(key, signal);
  if (stored.isErr()) throw new Error(stored.error.message);
  const codec = await codecPlugin.create(prepared.codec.config as never, contextFor(dir, 'codec'));
  if (codec.isErr()) throw new Error(codec.error.message);
  const decoded = await codec.value.decode(
    stored.value,
    {
      tenant: 'acme',
      objectKey: key,
      itemId: contactId,
      artifact: 'contact.json',
      contentType: 'application/json',
    },
    signal,
  );
  if (decoded.isErr()) throw new Error(decoded.error.message);
  const record = JSON.parse((await collect(decoded.value)).toString('utf8'));
  await sink.close?.();
  return record as { contactId: unknown };
};

/**
 * Runs a tenant: every contact archived, none failed; a contact restored from the store; a second
 * run stores nothing.
 */
const archivesAndRestores = async (t: Awaited<ReturnType<typeof tenantFrom>>) => {
  const report = await t.run();
  expect(report.failures).toEqual([]);
  expect(report.status).toBe('succeeded');
  expect(report.counts.archived).toBe(simulator.dataset.contacts.length);
  const first = String(simulator.dataset.contacts[0]!.contactId);
  expect(String((await restoreContact(t.dir, t.prepared, 0, first)).contactId)).toBe(first);
  expect((await t.run()).objects).toBe(0);
};

describe('the tenant examples', () => {
  it('differ only in their sinks block', () => {
    const withoutSinks = (name: string) =>
      readFileSync(example(name), 'utf8').replace(/^sinks:\n(?: {2}.*\n)+/m, 'sinks: …\n');
    expect(withoutSinks('azure')).toBe(withoutSinks('gcs'));
    expect(withoutSinks('s3')).toBe(withoutSinks('gcs'));
  });

  it('azure: archives the tenant into Azurite and a contact is restored from it', async () => {
    await createContainer(azurite.connectionString, 'acme-archive');
    const t = await tenantFrom(example('azure'), {
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    });
    await archivesAndRestores(t);
  });

  it('gcs: archives the tenant into the storage emulator and a contact is restored from it', async () => {
    const t = await tenantFrom(example('gcs'), {
      GCS_API_ENDPOINT: gcs.apiEndpoint,
      GCP_PROJECT: gcs.projectId,
      ARCHIVE_BUCKET: 'acme-archive-gcs',
    });
    await archivesAndRestores(t);
  });
});

/** Creates a bucket on RGW with the S3 SDK of the sink that depends on it. */
const createBucket = async (rgw: CephRgw, bucket: string) => {
  const s3 = createRequire(path.join(ROOT, 'packages', 'sink-s3', 'package.json'))('@aws-sdk/client-s3') as {
    S3Client: new (config: object) => { send(command: object): Promise<unknown>; destroy(): void };
    CreateBucketCommand: new (input: { Bucket: string }) => object;
  };
  const client = new s3.S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
  await client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
};

const rgwUnavailable = cephRgwUnavailable();
(rgwUnavailable ? describe.skip : describe)(
  `the s3 tenant example on Ceph RGW${rgwUnavailable ? ` — skipped: ${rgwUnavailable}` : ''}`,
  () => {
    let rgw: CephRgw;
    beforeAll(async () => {
      rgw = await startCephRgw();
    }, 180_000);
    afterAll(async () => {
      await rgw?.stop();
    });

    it('archives the tenant into RGW and a contact is restored from it', async () => {
      await createBucket(rgw, 'acme-archive');
      const t = await tenantFrom(example('s3'), {
        S3_ENDPOINT: rgw.endpoint,
        AWS_REGION: rgw.region,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: rgw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      });
      await archivesAndRestores(t);
    });

    it('an upload whose run died before recording it is adopted by its ETag on the next run: nothing is read back', async () => {
      const target = new URL(rgw.endpoint);
      const proxy = await startHttpFaultProxy(
        { host: target.hostname, port: Number(target.port) },
        {},
        { keepHost: true },
      );
      const victim = String(simulator.dataset.contacts[1]!.contactId);
      let fired = false;
      setFaultHook((step, itemId) => {
        if (step === 'after-put' && itemId === victim && !fired) {
          fired = true;
          throw new InjectedFault(step, itemId);
        }
      });
      try {
        await createBucket(rgw, 'acme-adopted');
        const t = await tenantFrom(example('s3'), {
          ARCHIVE_BUCKET: 'acme-adopted',
          S3_ENDPOINT: proxy.url,
          AWS_REGION: rgw.region,
          S3_FORCE_PATH_STYLE: 'true',
          AWS_ACCESS_KEY_ID: rgw.accessKeyId,
          AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
        });
        const first = await t.run();
        // the fault ends the run as a crash would, right after the victim's object was stored
        expect(first.error?.reason).toContain(`injected fault at after-put for ${victim}`);
        const second = await t.run();
        expect(fired).toBe(true);
        expect(second.failures).toEqual([]);
        expect(second.status).toBe('succeeded');
        const victimRequests = proxy.log().filter((l) => l.includes(`/${victim}/`));
        // each object put once (the one whose answer the crash lost is not sent again), then HEAD
        expect(victimRequests.some((l) => l.startsWith('HEAD'))).toBe(true);
        expect(victimRequests.filter((l) => l.startsWith('GET'))).toEqual([]);
        expect(proxy.log().filter((l) => l.startsWith('GET /acme-adopted/cxone/'))).toEqual([]);
        const ledger = openSqliteLedger(ledgerPath(t.prepared));
        const item = await ledger.getItem('acme', 'cxone', victim);
        await ledger.close();
        expect(item?.status).toBe('archived');
        expect(item?.objects.every((o) => o.checksum.algorithm === 'md5')).toBe(true);
      } finally {
        setFaultHook(undefined);
        await proxy.stop();
      }
    });
  },
);

describe('two cloud sinks', () => {
  it('an item is archived only when both hold it: a failing sink leaves it failed, and the next run completes it without a second copy', async () => {
    await createContainer(azurite.connectionString, 'twin-archive');
    // Azure behind a proxy that answers 500 to everything while the fault is on.
    const azureUrl = new URL(azurite.url);
    const proxy = await startHttpFaultProxy({ host: azureUrl.hostname, port: Number(azureUrl.port) });
    const proxied = azurite.connectionString.replace(azurite.url, `${proxy.url}${azureUrl.pathname}`);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-twin-')), 'archive.pipeline.yaml');
    const base = readFileSync(example('gcs'), 'utf8');
    const twin = base.replace(
      /^sinks:\n/m,
      `sinks:\n  - use: azure\n    with: { connectionString: "\${AZURE_STORAGE_CONNECTION_STRING}", container: twin-archive }\n`,
    );
    (await import('node:fs')).writeFileSync(file, twin);
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: proxied,
      GCS_API_ENDPOINT: gcs.apiEndpoint,
      GCP_PROJECT: gcs.projectId,
      ARCHIVE_BUCKET: 'twin-archive-gcs',
    };
    const t = await tenantFrom(file, env);
    proxy.setFaults({
      respond: Array.from({ length: 10_000 }, (_, i) => ({ nth: proxy.requests() + 2 + i, status: 500 })),
    });
    const broken = await t.run();
    expect(broken.counts.archived).toBe(0);
    expect(broken.counts.failed).toBe(simulator.dataset.contacts.length);
    expect(broken.status).toBe('completed_with_failures');
    const gcsObjects = broken.objects;
    expect(gcsObjects).toBeGreaterThan(0); // the healthy sink got its objects, recorded per sink

    proxy.setFaults({});
    const healed = await t.run();
    expect(healed.failures).toEqual([]);
    expect(healed.counts.archived).toBe(simulator.dataset.contacts.length);
    // every object on each sink stored once over both runs: what the healthy sink got in the first
    // run was recorded then, and the second run only wrote what each sink still lacked
    const keys = simulator.dataset.contacts.length + simulator.dataset.recordings.size;
    expect(gcsObjects + healed.objects).toBe(2 * keys);
    await proxy.stop();
  });
});
