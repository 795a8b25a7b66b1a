// `cxarchive validate --connect` on the tenant examples against the cloud stores' real local
// servers (Azurite, the GCS emulator, Ceph RGW when present): the sink's health check (a head of a
// key that does not exist) passes with the right credentials and fails, exit 3, without them.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import {
  type Azurite,
  type CephRgw,
  cephRgwUnavailable,
  type GcsEmulator,
  startAzurite,
  startCephRgw,
  startGcsEmulator,
} from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, simulatorEnv } from './helpers.js';

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

let simulator: RunningSimulator;
let azurite: Azurite;
let gcs: GcsEmulator;

beforeAll(async () => {
  [simulator, azurite, gcs] = await Promise.all([
    startSimulator({ seed: 5, contacts: 2, recordingSeconds: [1, 2] }),
    startAzurite(),
    startGcsEmulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([simulator?.stop(), azurite?.stop(), gcs?.stop()]);
});

/** A tenant directory holding a copy of examples/tenant-<name> and its key. */
const tenant = async (name: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-validate-cloud-'));
  mkdirSync(path.join(dir, 'keys'));
  await writeKeyFile(path.join(dir, 'keys', 'acme.key'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  copyFileSync(path.join(ROOT, 'examples', `tenant-${name}`, 'archive.pipeline.yaml'), file);
  return { dir, file };
};

const validate = (file: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'validate', file, '--connect'], {
      env: { ...process.env, ...simulatorEnv(simulator), ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

const createContainer = async (connectionString: string, name: string) => {
  const sdk = createRequire(path.join(ROOT, 'packages', 'sink-azure', 'package.json'))(
    '@azure/storage-blob',
  ) as {
    BlobServiceClient: {
      fromConnectionString(c: string): {
        getContainerClient(n: string): { createIfNotExists(): Promise<unknown> };
      };
    };
  };
  await sdk.BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(name)
    .createIfNotExists();
};

describe('validate --connect against the cloud stores', () => {
  it('azure: a head of a missing key passes on Azurite; a wrong account key fails with exit 3', async () => {
    await createContainer(azurite.connectionString, 'acme-archive');
    const t = await tenant('azure');
    const ok = await validate(t.file, { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/sinks\[0\]\s+ok: head of a missing key answered "not found"/);
    const wrongKey = azurite.connectionString.replace(
      /AccountKey=[^;]+/,
      `AccountKey=${Buffer.alloc(64, 7).toString('base64')}`,
    );
    const refused = await validate(t.file, { AZURE_STORAGE_CONNECTION_STRING: wrongKey });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('sinks[0] (@cxarchive/sink-azure):');
    expect(refused.stderr).toContain('[check.failed]');
    expect(refused.stderr).not.toContain(Buffer.alloc(64, 7).toString('base64'));
  });

  it('gcs: passes against the emulator; an endpoint nobody listens on fails with exit 3', async () => {
    const t = await tenant('gcs');
    const env = {
      GCS_API_ENDPOINT: gcs.apiEndpoint,
      GCP_PROJECT: gcs.projectId,
      ARCHIVE_BUCKET: 'acme-validate',
    };
    const ok = await validate(t.file, env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/sinks\[0\]\s+ok: head of a missing key answered "not found"/);
    const down = await validate(t.file, { ...env, GCS_API_ENDPOINT: 'http://127.0.0.1:9' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('sinks[0] (@cxarchive/sink-gcs):');
    expect(readdirSync(t.dir)).not.toContain('_probe');
  }, 120_000);
});

const rgwUnavailable = cephRgwUnavailable();
(rgwUnavailable ? describe.skip : describe)(
  `validate --connect on Ceph RGW${rgwUnavailable ? ` — skipped: ${rgwUnavailable}` : ''}`,
  () => {
    let rgw: CephRgw;
    beforeAll(async () => {
      rgw = await startCephRgw();
    }, 180_000);
    afterAll(async () => {
      await rgw?.stop();
    });

    it('s3: passes with the right keys, exit 3 with a wrong secret', async () => {
      const s3 = createRequire(path.join(ROOT, 'packages', 'sink-s3', 'package.json'))(
        '@aws-sdk/client-s3',
      ) as {
        S3Client: new (config: object) => { send(command: object): Promise<unknown>; destroy(): void };
        CreateBucketCommand: new (input: { Bucket: string }) => object;
      };
      const client = new s3.S3Client({
        endpoint: rgw.endpoint,
        region: rgw.region,
        forcePathStyle: true,
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      });
      await client.send(new s3.CreateBucketCommand({ Bucket: 'acme-archive' }));
      client.destroy();
      const t = await tenant('s3');
      const env = {
        S3_ENDPOINT: rgw.endpoint,
        AWS_REGION: rgw.region,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: rgw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      };
      const ok = await validate(t.file, env);
      expect(ok.code).toBe(0);
      const refused = await validate(t.file, { ...env, AWS_SECRET_ACCESS_KEY: 'wrong-secret-canary-5521' });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('sinks[0] (@cxarchive/sink-s3):');
      expect(refused.stderr).not.toContain('wrong-secret-canary-5521');
    }, 120_000);
  },
);
