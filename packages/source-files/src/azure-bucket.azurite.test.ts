import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { type Azurite, freePort, startAzurite } from '@cxarchive/testkit';
import { describeBucketSource } from '../test-support/bucket-cases.js';

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

let azurite: Azurite;
let container: ContainerClient;
/** A well-formed account key (base64) that is not the account's. */
const WRONG_KEY = Buffer.from('not-the-account-key-0123456789abcdef').toString('base64');

describeBucketSource('Azurite (Azure Blob)', {
  async start() {
    azurite = await startAzurite();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('outbox');
    await container.create();
  },
  async stop() {
    await azurite?.stop();
  },
  listingRequest: /^GET \/devstoreaccount1\/outbox\?.*comp=list/,
  target: () => hostPort(azurite.url),
  via: (prefix, url) => ({
    store: 'azure',
    container: 'outbox',
    accountUrl: `${url}/devstoreaccount1`,
    accountKey: azurite.accountKey,
    prefix,
  }),
  options: (prefix, extra = {}) => ({
    store: 'azure',
    container: 'outbox',
    connectionString: azurite.connectionString,
    prefix,
    ...extra,
  }),
  wrongCredentials: (prefix) => ({
    store: 'azure',
    container: 'outbox',
    accountUrl: azurite.url,
    accountKey: WRONG_KEY,
    prefix,
  }),
  unreachable: async (prefix) => ({
    store: 'azure',
    container: 'outbox',
    accountUrl: `http://127.0.0.1:${await freePort()}/devstoreaccount1`,
    accountKey: azurite.accountKey,
    prefix,
  }),
  missingBucket: (prefix) => ({
    store: 'azure',
    container: 'no-such-container',
    accountUrl: azurite.url,
    accountKey: azurite.accountKey,
    prefix,
  }),
  put: async (key, body) => {
    await container.getBlockBlobClient(key).uploadData(body);
  },
  get secrets() {
    return [azurite.accountKey, WRONG_KEY];
  },
});
