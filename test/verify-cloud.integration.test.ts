// restore and verify against a cloud store's real server: the azure tenant example archived into
// Azurite by the runtime, then verified (head, the store's MD5, the listing, --deep) and restored.
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  loadPipeline,
  prepareArchive,
  preparePipeline,
  restoreArchive,
  runPipeline,
  SecretScrubber,
  sha256OfStream,
  verifyArchive,
} from '@cxarchive/core/host';
import { openRecording, type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { type Azurite, startAzurite } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, listFiles, ROOT, SOURCE_CONDITIONS, simulatorEnv } from './helpers.js';

interface ContainerClient {
  createIfNotExists(): Promise<unknown>;
  deleteBlob(name: string): Promise<unknown>;
  getBlockBlobClient(name: string): { upload(body: string, length: number): Promise<unknown> };
}
const azureSdk = createRequire(path.join(ROOT, 'packages', 'sink-azure', 'package.json'))(
  '@azure/storage-blob',
) as {
  BlobServiceClient: {
    fromConnectionString(connectionString: string): { getContainerClient(name: string): ContainerClient };
  };
};

let simulator: RunningSimulator;
let azurite: Azurite;
beforeAll(async () => {
  [simulator, azurite] = await Promise.all([
    startSimulator({ seed: 23, contacts: 4, recordingSeconds: [1, 3] }),
    startAzurite(),
  ]);
});
afterAll(async () => {
  await Promise.all([simulator?.stop(), azurite?.stop()]);
});

describe('restore and verify on Azurite', () => {
  it('verifies the archived tenant, names a deleted blob and a stray one, and restores an item byte for byte', async () => {
    const container = azureSdk.BlobServiceClient.fromConnectionString(
      azurite.connectionString,
    ).getContainerClient('acme-verify');
    await container.createIfNotExists();
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-verify-cloud-'));
    mkdirSync(path.join(dir, 'keys'));
    await writeKeyFile(path.join(dir, 'keys', 'acme.key'));
    const file = path.join(dir, 'archive.pipeline.yaml');
    copyFileSync(path.join(ROOT, 'examples', 'tenant-azure', 'archive.pipeline.yaml'), file);
    const store = {
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      ARCHIVE_CONTAINER: 'acme-verify',
    };
    const options = { fallbackFrom: [CLI_DIR], conditions: SOURCE_CONDITIONS };
    const scrubber = new SecretScrubber();
    const run = await preparePipeline(
      await loadPipeline({ file, env: { ...simulatorEnv(simulator), ...store } }),
      { ...options, scrubber },
    );
    expect((await runPipeline({ prepared: run, scrubber })).status).toBe('succeeded');

    // From here on, no source credentials.
    const prepared = await prepareArchive(await loadPipeline({ file, env: store, scope: 'archive' }), {
      ...options,
      scrubber: new SecretScrubber(),
    });
    const clean = await verifyArchive({ prepared, scrubber, deep: true });
    expect(clean.problemCount).toBe(0);
    expect(clean.checked).toBe(clean.recorded);
    expect(clean.sinks[0]).toMatchObject({ listing: 'listed', listed: clean.recorded });

    const [masterId] = [...simulator.dataset.recordings.keys()];
    const contact = simulator.dataset.contacts.find((c) => c.contactId === masterId)!;
    const day = contact.contactStartDate.slice(0, 10).replace(/-/g, '/');
    const contactKey = `acme/${day}/${masterId}/contact.json.cxar`;
    await container.deleteBlob(`cxone/${contactKey}`);
    await container.getBlockBlobClient('cxone/acme/2020/01/01/stray/contact.json.cxar').upload('stray', 5);
    const damaged = await verifyArchive({ prepared, scrubber });
    expect(damaged.problems.map((p) => [p.key, p.kinds])).toEqual(
      expect.arrayContaining([
        [contactKey, ['missing']],
        ['acme/2020/01/01/stray/contact.json.cxar', ['unknown']],
      ]),
    );
    expect(damaged.problemCount).toBe(2);
    // Azurite reports each blob's MD5: the shallow check compared it.
    expect(damaged.sinks[0]!.byLevel.checksum).toBe(damaged.checked - 1);

    const out = mkdtempSync(path.join(tmpdir(), 'cxarchive-restored-cloud-'));
    const summary = await restoreArchive({
      prepared,
      scrubber,
      selection: { itemIds: [String(masterId)] },
      out,
    });
    // The contact record is gone from the only sink; the recording comes back byte for byte.
    expect(summary).toMatchObject({ items: 1, partial: 1, files: 1 });
    const files = listFiles(path.join(out, String(masterId)));
    expect(files).toHaveLength(1);
    expect((await sha256OfStream(createReadStream(path.join(out, String(masterId), files[0]!)))).sha256).toBe(
      (await sha256OfStream(openRecording(simulator.dataset, masterId!))).sha256,
    );
  });
});
