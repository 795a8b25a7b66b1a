import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../schema.js';
import { createFilesSource } from '../source.js';
import type { BucketOptions } from './options.js';

/** A loopback server that takes connections and never answers: a store that hangs. */
let silent: Server;
const sockets = new Set<Socket>();
let endpoint: string;
let base: string;

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  base = await mkdtemp(path.join(tmpdir(), 'cxarchive-source-files-probe-'));
  await writeFile(path.join(base, 'm.csv'), 'file,contactNumber,channelId\n');
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(base, { recursive: true, force: true });
});

const SECRET = 'probe-secret-never-shown';

describe('files source on a bucket: a store that never answers at start', () => {
  for (const bucket of [
    {
      store: 's3',
      bucket: 'outbox',
      endpoint: '',
      forcePathStyle: true,
      accessKeyId: 'K',
      secretAccessKey: SECRET,
    },
    { store: 'gcs', bucket: 'outbox', apiEndpoint: '', projectId: 'p' },
    {
      store: 'azure',
      container: 'outbox',
      accountUrl: '',
      accountName: 'devstoreaccount1',
      accountKey: 'c2VjcmV0',
    },
  ] as const)
    it(`${bucket.store}: fails Transient after the probe's time, saying what did not answer`, async () => {
      const options = {
        ...bucket,
        ...(bucket.store === 's3'
          ? { endpoint }
          : bucket.store === 'gcs'
            ? { apiEndpoint: endpoint }
            : { accountUrl: `${endpoint}/devstoreaccount1` }),
        prefix: 'in/',
      } as BucketOptions;
      const resolved = resolveOptions({ bucket: options, manifest: 'm.csv' }, base)._unsafeUnwrap();
      const error = (await createFilesSource(resolved, { probeTimeoutMs: 300 }))._unsafeUnwrapErr();
      expect(error._tag).toBe('Transient');
      expect(error.message).toMatch(/prefix "in\/" did not answer a listing within 0\.3 s/);
      expect(error.message).not.toContain(SECRET);
    });
});
