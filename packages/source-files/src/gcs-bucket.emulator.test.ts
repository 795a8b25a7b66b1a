import { freePort, type GcsEmulator, startGcsEmulator } from '@cxarchive/testkit';
import { Storage } from '@google-cloud/storage';
import { describeBucketSource } from '../test-support/bucket-cases.js';

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

let emulator: GcsEmulator;
let admin: Storage;
const connection = () => ({
  store: 'gcs' as const,
  bucket: 'outbox',
  apiEndpoint: emulator.apiEndpoint,
  projectId: emulator.projectId,
});

// The storage emulator checks no credentials (any or none are taken) and makes a bucket on its
// first write (listing a bucket never written is an empty listing), so the Auth and missing-bucket
// cases cannot run here; real GCS answers 401/403 and 404 to the listing, which map as the S3 and
// Azure cases prove (errors.test.ts covers GCS's error shapes).
describeBucketSource('the GCS storage emulator', {
  async start() {
    emulator = await startGcsEmulator();
    admin = new Storage({ apiEndpoint: emulator.apiEndpoint, projectId: emulator.projectId });
  },
  async stop() {
    await emulator?.stop();
  },
  listingRequest: /^GET \/storage\/v1\/b\/outbox\/o\?/,
  target: () => hostPort(emulator.apiEndpoint),
  via: (prefix, url) => ({ ...connection(), apiEndpoint: url, prefix }),
  options: (prefix, extra = {}) => ({ ...connection(), prefix, ...extra }),
  unreachable: async (prefix) => ({
    ...connection(),
    apiEndpoint: `http://127.0.0.1:${await freePort()}`,
    prefix,
  }),
  put: async (key, body) => {
    await admin.bucket('outbox').file(key).save(body, { resumable: false });
  },
  secrets: [],
});
