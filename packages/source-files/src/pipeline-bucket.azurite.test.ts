// A pipeline run through the real runtime with the files source on a bucket prefix (Azurite): the
// pipeline file's `bucket` option is validated by the schema, its connection string arrives wrapped
// as a secret, and the run archives the rows' objects with their exact bytes and reports refusals
// without the secret.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  ConfigError,
  definePlugin,
  loadPipeline,
  ok,
  PLUGIN_API_VERSION,
  type PreparedPlugin,
  preparePipeline,
  Redacted,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { type Azurite, createIdentityCodec, startAzurite } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('../../cli', import.meta.url));
const CONDITIONS = ['@cxarchive/source', 'import', 'default'];

const identityCodec = (): PreparedPlugin<'codec'> =>
  ({
    kind: 'codec',
    label: 'codec',
    use: 'identity',
    packageName: 'test-identity-codec',
    version: '0',
    config: {},
    definition: definePlugin({
      kind: 'codec',
      name: 'identity',
      apiVersion: PLUGIN_API_VERSION,
      configSchema: {},
      create: () => ok(createIdentityCodec()),
    }),
  }) as unknown as PreparedPlugin<'codec'>;

const pipeline = (bucket: string) => `version: 1
tenant: acme
source:
  use: files
  with:
    bucket: ${bucket}
    manifest: ./outbox.csv
codec: { use: gzip-aes, with: { key: { provider: file, path: ./unused.key } } }
sinks:
  - use: fs
    with: { root: ./archive, fsync: false }
retry: { attempts: 2, initialDelay: 1ms, maxDelay: 5ms }
`;

describe('a pipeline run with the files source on a bucket prefix (Azurite)', () => {
  let azurite: Azurite;
  let dir: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'outbox',
    );
    await container.create();
    await container.getBlockBlobClient('in/invoices/nov.pdf').uploadData(Buffer.from('%PDF-1.7 november'));
    await container.getBlockBlobClient('in/stray.png').uploadData(Buffer.from('PNG stray'));
    dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-source-files-bucket-run-'));
    writeFileSync(
      path.join(dir, 'outbox.csv'),
      'file,contactNumber,threadId,channelId\ninvoices/nov.pdf,1001,,chat_1\nmissing.pdf,1002,,chat_1\n',
    );
  }, 60_000);
  afterAll(() => azurite?.stop());

  const prepare = async (bucket: string) => {
    const file = path.join(dir, 'archive.pipeline.yaml');
    writeFileSync(file, pipeline(bucket));
    const loaded = await loadPipeline({
      file,
      env: { ...process.env, OUTBOX_CONNECTION_STRING: azurite.connectionString },
    });
    const scrubber = new SecretScrubber();
    const prepared = await preparePipeline(loaded, {
      fallbackFrom: [CLI_DIR],
      conditions: CONDITIONS,
      scrubber,
    });
    return { prepared: { ...prepared, codec: identityCodec() }, scrubber };
  };

  it('archives the rows’ objects, refuses the rest, and never shows the connection string', async () => {
    const { prepared, scrubber } = await prepare(
      '{ store: azure, container: outbox, prefix: in/, connectionString: "${OUTBOX_CONNECTION_STRING}" }',
    );
    const config = prepared.source.config as { bucket: Record<string, unknown> };
    expect(Redacted.is(config.bucket.connectionString)).toBe(true);
    const report = await runPipeline({ prepared, scrubber });
    expect(report.counts).toMatchObject({ archived: 1, failed: 2 });
    expect(report.failures.map((f) => [f.itemId, f.errorTag]).sort()).toEqual([
      ['chat_1/contact-1002/missing.pdf', 'NotFound'],
      ['refused/file/stray.png', 'InvalidInput'],
    ]);
    const stored = readdirSync(path.join(dir, 'archive'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'latin1'));
    expect(stored).toContain('%PDF-1.7 november');
    expect(JSON.stringify(report)).not.toContain(azurite.accountKey);
  });

  it('refuses a bucket option the schema does not take, naming where', async () => {
    const failure = await prepare('{ store: ftp, container: outbox }').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toContain(
      '"ftp" is not one of "s3", "gcs", "azure" (at source.with.bucket.store)',
    );
    // A known store: only that store's options are looked at.
    const wrongKey = await prepare('{ store: azure, bucket: outbox }').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((wrongKey as ConfigError).issues.map((issue) => issue.message)).toEqual([
      'missing required key "container"',
      'unknown key "bucket"',
    ]);
  });
});
