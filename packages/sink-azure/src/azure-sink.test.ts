import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { PluginErrors, PluginFailure, type PutOptions, Redacted } from '@cxarchive/core';
import {
  type Azurite,
  collect,
  generatedStream,
  stallingStream,
  startAzurite,
  startHttpFaultProxy,
} from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, freshContainer, makeSink, serviceOf } from '../test-support/azurite.js';
import { createAzureSink } from './azure-sink.js';
import plugin from './index.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

const live = () => new AbortController().signal;
const bytes = (text: string) => Readable.from([Buffer.from(text)], { objectMode: false });
const putOptions = (overrides: Partial<PutOptions> = {}): PutOptions => ({
  signal: live(),
  contentType: 'application/octet-stream',
  metadata: {},
  ...overrides,
});
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
const WRONG_KEY = Buffer.alloc(64, 7).toString('base64');

describe('azure sink on Azurite', () => {
  describe('a missing container', () => {
    it('fails create with InvalidInput naming the container', async () => {
      const container = freshContainer();
      const created = await plugin.create(
        { container, connectionString: Redacted.make(azurite.connectionString) },
        contextFor(),
      );
      const error = created._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
      expect(error.message).toContain(`"${container}"`);
    });

    it('fails put, head and get with InvalidInput when it is deleted after create', async () => {
      const { sink, container } = await makeSink(azurite);
      await serviceOf(azurite).getContainerClient(container).delete();
      for (const result of [
        await sink.put('k.bin', bytes('x'), putOptions()),
        await sink.head('k.bin', live()),
        await sink.get('k.bin', live()),
        await sink.list!('', { signal: live() }),
      ])
        expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
    });

    it('is created with createContainer: true', async () => {
      const { sink, container } = await makeSink(azurite, {
        create: false,
        extra: { createContainer: true },
      });
      expect((await sink.put('k.bin', bytes('made'), putOptions())).isOk()).toBe(true);
      expect(await serviceOf(azurite).getContainerClient(container).exists()).toBe(true);
    });
  });

  describe('credentials', () => {
    it('a wrong account key is Auth, at create, and the key is in no message', async () => {
      const container = freshContainer();
      await serviceOf(azurite).getContainerClient(container).create();
      for (const config of [
        { connectionString: Redacted.make(azurite.connectionString.replace(azurite.accountKey, WRONG_KEY)) },
        { accountUrl: azurite.url, accountKey: Redacted.make(WRONG_KEY) },
      ]) {
        const error = (await plugin.create({ container, ...config }, contextFor()))._unsafeUnwrapErr();
        expect(error._tag).toBe('Auth');
        expect(error.message).toContain(container);
        expect(error.message).not.toContain(WRONG_KEY);
        expect(error.message).not.toContain(azurite.accountKey);
      }
    });

    it('accountUrl with the account key, and with a SAS token, both work', async () => {
      const container = freshContainer();
      await serviceOf(azurite).getContainerClient(container).create();
      const byKey = (
        await plugin.create(
          { container, accountUrl: azurite.url, accountKey: Redacted.make(azurite.accountKey) },
          contextFor(),
        )
      )._unsafeUnwrap();
      expect((await byKey.put('by-key.bin', bytes('k'), putOptions())).isOk()).toBe(true);
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container,
          permissions: BlobSASPermissions.parse('racw'),
          expiresOn: new Date(Date.now() + 3600_000),
        },
        new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
      ).toString();
      const bySas = (
        await plugin.create(
          { container, accountUrl: azurite.url, sasToken: Redacted.make(sas) },
          contextFor(),
        )
      )._unsafeUnwrap();
      const stored = (await bySas.put('by-sas.bin', bytes('s'), putOptions()))._unsafeUnwrap();
      expect(stored.checksum).toEqual({ algorithm: 'md5', value: md5('s') });
      expect((await collect((await bySas.get('by-key.bin', live()))._unsafeUnwrap())).toString()).toBe('k');
    });
  });

  describe('a prefix', () => {
    it('names the blob prefix + key, and head/get take the logical key', async () => {
      const { sink, container } = await makeSink(azurite, { extra: { prefix: 'tenants/acme/' } });
      const stored = (await sink.put('t/2026/a.json', bytes('{}'), putOptions()))._unsafeUnwrap();
      expect(stored.key).toBe('tenants/acme/t/2026/a.json');
      const names: string[] = [];
      for await (const blob of serviceOf(azurite).getContainerClient(container).listBlobsFlat())
        names.push(blob.name);
      expect(names).toEqual(['tenants/acme/t/2026/a.json']);
      expect((await sink.head('t/2026/a.json', live()))._unsafeUnwrap()?.key).toBe(
        'tenants/acme/t/2026/a.json',
      );
      expect((await sink.head('tenants/acme/t/2026/a.json', live()))._unsafeUnwrap()).toBeNull();
    });

    it('lists only the blobs under the prefix, by their logical key', async () => {
      const { sink, container } = await makeSink(azurite, { extra: { prefix: 'tenants/acme/' } });
      (await sink.put('t/2026/a.json', bytes('{}'), putOptions()))._unsafeUnwrap();
      const client = serviceOf(azurite).getContainerClient(container);
      for (const name of ['tenants/acme2/t/b.json', 'tenants/other/t/c.json', 'd.json'])
        await client.getBlockBlobClient(name).upload('x', 1);
      expect((await sink.list!('', { signal: live() }))._unsafeUnwrap()).toEqual({
        objects: [{ key: 't/2026/a.json', physicalKey: 'tenants/acme/t/2026/a.json', size: 2 }],
      });
    });
  });

  describe('immutability policy and legal hold (Azurite 3.35 keeps neither)', () => {
    const NO_IMMUTABILITY =
      'Azurite 3.35 reports no version-level immutability on any container, drops x-ms-immutability-policy-* and x-ms-legal-hold on Put Blob / Put Block List, and answers NotImplemented to Set Blob Immutability Policy and Set Legal Hold';
    const blobsIn = async (container: string) => {
      const names: string[] = [];
      for await (const blob of serviceOf(azurite).getContainerClient(container).listBlobsFlat())
        names.push(blob.name);
      return names;
    };

    it('the sink declares the retention capability', async () => {
      const { sink } = await makeSink(azurite);
      expect(sink.capabilities?.retention).toBe(true);
    });

    it('retention on a container without version-level immutability fails InvalidInput naming it, and no blob is written', async () => {
      const { sink, container } = await makeSink(azurite);
      const error = (
        await sink.put(
          'locked.bin',
          bytes('keep me'),
          putOptions({ retention: { mode: 'compliance', until: new Date(Date.now() + 3_600_000) } }),
        )
      )._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
      expect(error.message).toContain(`"${container}"`);
      expect(await blobsIn(container)).toEqual([]);
    });

    it('legalHold: true on such a container fails the same way; without it and without retention, puts go on', async () => {
      const { sink, container } = await makeSink(azurite, { extra: { legalHold: true } });
      const error = (await sink.put('held.bin', bytes('hold me'), putOptions()))._unsafeUnwrapErr();
      expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
      expect(await blobsIn(container)).toEqual([]);
      const { sink: plain, container: other } = await makeSink(azurite);
      (await plain.put('free.bin', bytes('free'), putOptions()))._unsafeUnwrap();
      expect(await blobsIn(other)).toEqual(['free.bin']);
    });

    it.skip(`a blob committed under an immutability policy or legal hold, and the policy read back: not checkable here, ${NO_IMMUTABILITY}; immutability.requests.test.ts checks the headers sent, the Permanent failure when the committed blob lacks them, and the error mapping`, () => {});
  });

  describe('what is stored', () => {
    it('metadata names are stored as C# identifiers and come back as given; the content type and Content-MD5 are set', async () => {
      const { sink, container } = await makeSink(azurite);
      const metadata = { 'cxarchive-key-id': 'kek-2026-01' };
      await sink.put('m.bin', bytes('meta'), putOptions({ metadata, contentType: 'application/x-cxar' }));
      const properties = await serviceOf(azurite)
        .getContainerClient(container)
        .getBlockBlobClient('m.bin')
        .getProperties();
      expect(properties.metadata).toEqual({ cxarchive_key_id: 'kek-2026-01' });
      expect(properties.contentType).toBe('application/x-cxar');
      expect(Buffer.from(properties.contentMD5 ?? []).toString('hex')).toBe(md5('meta'));
      const info = (await sink.head('m.bin', live()))._unsafeUnwrap();
      expect(info).toMatchObject({ metadata, size: 4, checksum: { algorithm: 'md5', value: md5('meta') } });
    });

    it('a metadata name that would not round-trip is refused before anything is sent', async () => {
      const { sink } = await makeSink(azurite);
      const error = (
        await sink.put('m.bin', bytes('x'), putOptions({ metadata: { Bad_Name: 'v' } }))
      )._unsafeUnwrapErr();
      expect(error._tag).toBe('InvalidInput');
      expect((await sink.head('m.bin', live()))._unsafeUnwrap()).toBeNull();
    });

    it('a body of many blocks is committed in order and verified by read-back', async () => {
      const container = freshContainer();
      const client = serviceOf(azurite).getContainerClient(container);
      await client.create();
      const sink = createAzureSink(client, { container, prefix: '', maxInFlight: 1, blockSize: 64 * 1024 });
      const body = await collect(generatedStream(1_000_003, 9));
      const stored = (await sink.put('big.bin', generatedStream(1_000_003, 9), putOptions()))._unsafeUnwrap();
      expect(stored).toMatchObject({ size: 1_000_003, checksum: { algorithm: 'md5', value: md5(body) } });
      const blocks = await client.getBlockBlobClient('big.bin').getBlockList('committed');
      expect(blocks.committedBlocks).toHaveLength(16);
    });

    it('accessTier is applied', async () => {
      const { sink, container } = await makeSink(azurite, { extra: { accessTier: 'Cool' } });
      await sink.put('cool.bin', bytes('c'), putOptions());
      const properties = await serviceOf(azurite)
        .getContainerClient(container)
        .getBlockBlobClient('cool.bin')
        .getProperties();
      expect(properties.accessTier).toBe('Cool');
    });

    it('AlreadyExists carries the existing blob MD5 and reads none of the new body', async () => {
      const { sink } = await makeSink(azurite);
      await sink.put('once.bin', bytes('first'), putOptions());
      const body = bytes('second');
      const error = (await sink.put('once.bin', body, putOptions()))._unsafeUnwrapErr();
      expect(error).toMatchObject({
        _tag: 'AlreadyExists',
        checksum: { algorithm: 'md5', value: md5('first') },
      });
      expect(body.destroyed).toBe(true);
    });
  });

  describe('cancel', () => {
    it('an aborted put commits nothing: the staged blocks stay uncommitted (the service drops them)', async () => {
      const container = freshContainer();
      const client = serviceOf(azurite).getContainerClient(container);
      await client.create();
      const sink = createAzureSink(client, { container, prefix: '', maxInFlight: 1, blockSize: 1024 });
      const controller = new AbortController();
      const { stream, stalled } = stallingStream(10_000, 3);
      const put = sink.put('cut.bin', stream, putOptions({ signal: controller.signal }));
      await stalled;
      controller.abort(new Error('stop'));
      expect((await put)._unsafeUnwrapErr()).toMatchObject({
        _tag: 'Transient',
        message: 'azure sink: writing cut.bin was cancelled',
      });
      expect((await sink.head('cut.bin', live()))._unsafeUnwrap()).toBeNull();
      const list = await client.getBlockBlobClient('cut.bin').getBlockList('all');
      expect(list.committedBlocks ?? []).toEqual([]);
      expect((list.uncommittedBlocks ?? []).length).toBeGreaterThan(0);
    });
  });

  describe('faults through a proxy in front of Azurite', () => {
    it('503 ServerBusy is Throttled with Retry-After, 500 Transient, a reset connection Transient', async () => {
      const { container } = await makeSink(azurite);
      const target = new URL(azurite.url);
      const http = await startHttpFaultProxy({ host: target.hostname, port: Number(target.port) });
      const sinkBehind = async (proxyUrl: string) =>
        (
          await plugin.create(
            {
              container,
              accountUrl: `${proxyUrl}${target.pathname}`,
              accountName: azurite.accountName,
              accountKey: Redacted.make(azurite.accountKey),
            },
            contextFor(),
          )
        ).match(
          (ok) => ok,
          (e) => {
            throw new Error(`${e._tag}: ${e.message}`);
          },
        );
      /** Azure's answer to the next request through the HTTP proxy. */
      const answerNext = (status: number, code: string, retryAfter?: string) =>
        http.setFaults({
          respond: [
            {
              nth: http.requests() + 1,
              status,
              headers: { 'x-ms-error-code': code, ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
            },
          ],
        });
      try {
        const sink = await sinkBehind(http.url);
        answerNext(503, 'ServerBusy', '3');
        expect((await sink.put('f.bin', bytes('x'), putOptions()))._unsafeUnwrapErr()).toMatchObject({
          _tag: 'Throttled',
          retryAfterMs: 3000,
        });
        answerNext(500, 'InternalError');
        expect((await sink.get('f.bin', live()))._unsafeUnwrapErr()._tag).toBe('Transient');
        http.setFaults({ respond: [{ nth: http.requests() + 1, reset: true }] });
        expect((await sink.head('f.bin', live()))._unsafeUnwrapErr()._tag).toBe('Transient');
        http.setFaults({});
        expect((await sink.put('f.bin', bytes('x'), putOptions())).isOk()).toBe(true);
      } finally {
        await http.stop();
      }
    });
  });

  it('a body that fails with a tagged error fails the put with that tag', async () => {
    const { sink } = await makeSink(azurite);
    const body = new Readable({
      read() {
        this.destroy(new PluginFailure(PluginErrors.auth('injected')));
      },
    });
    expect((await sink.put('bad.bin', body, putOptions()))._unsafeUnwrapErr()._tag).toBe('Auth');
  });
});
