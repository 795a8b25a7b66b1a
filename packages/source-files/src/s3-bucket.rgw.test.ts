import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type CephRgw, cephRgwUnavailable, freePort, startCephRgw } from '@cxarchive/testkit';
import { describe, it } from 'vitest';
import { describeBucketSource } from '../test-support/bucket-cases.js';

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

const unavailable = cephRgwUnavailable();
const WRONG_SECRET = 'not-the-secret-0123456789';

if (unavailable !== undefined) {
  describe.skip(`files source on Ceph RGW — skipped: ${unavailable}`, () => {
    it('needs Ceph RGW', () => {});
  });
} else {
  let rgw: CephRgw;
  let admin: S3Client;
  const connection = (endpoint: string) => ({
    store: 's3' as const,
    bucket: 'outbox',
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    accessKeyId: 'TESTKEY',
    secretAccessKey: 'TESTSECRET',
  });
  describeBucketSource('Ceph RGW (S3)', {
    async start() {
      rgw = await startCephRgw();
      admin = new S3Client({
        endpoint: rgw.endpoint,
        region: rgw.region,
        forcePathStyle: true,
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      await admin.send(new CreateBucketCommand({ Bucket: 'outbox' }));
    },
    async stop() {
      admin?.destroy();
      await rgw?.stop();
    },
    listingRequest: /^GET \/outbox\/?\?.*list-type=2/,
    target: () => hostPort(rgw.endpoint),
    via: (prefix, url) => ({ ...connection(url), prefix }),
    options: (prefix, extra = {}) => ({ ...connection(rgw.endpoint), prefix, ...extra }),
    wrongCredentials: (prefix) => ({ ...connection(rgw.endpoint), prefix, secretAccessKey: WRONG_SECRET }),
    unreachable: async (prefix) => ({ ...connection(`http://127.0.0.1:${await freePort()}`), prefix }),
    missingBucket: (prefix) => ({ ...connection(rgw.endpoint), bucket: 'no-such-bucket', prefix }),
    put: async (key, body) => {
      await admin.send(new PutObjectCommand({ Bucket: 'outbox', Key: key, Body: body }));
    },
    secrets: ['TESTSECRET', WRONG_SECRET],
  });
}
