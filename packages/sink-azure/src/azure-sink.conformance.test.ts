import { Redacted, type Sink } from '@cxarchive/core';
import { type Azurite, describeSinkConformance, type SinkFaultHooks, startAzurite } from '@cxarchive/testkit';
import { afterAll, beforeAll } from 'vitest';
import { contextFor, freshContainer, makeSink, serviceOf } from '../test-support/azurite.js';
import { createAzureSink } from './azure-sink.js';
import { containerClientFor } from './client.js';
import plugin from './index.js';
import { DEFAULTS } from './schema.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

/**
 * The sink through the plugin on a fresh container; with `listPageSize`, as the plugin builds it
 * but with pages that small, so the list case follows the continuation marker across many.
 */
const setup = (prefix?: string, listPageSize?: number) => async () => {
  const { sink: opened, container } = await makeSink(
    azurite,
    prefix === undefined ? {} : { extra: { prefix } },
  );
  const sink =
    listPageSize === undefined
      ? opened
      : createAzureSink(serviceOf(azurite).getContainerClient(container), {
          container,
          prefix: prefix ?? '',
          maxInFlight: DEFAULTS.maxInFlight,
          listPageSize,
        });
  return {
    sink,
    ...(prefix === undefined ? {} : { prefix }),
    ...(listPageSize === undefined ? {} : { listPageSize }),
    cleanup: async () => {
      await serviceOf(azurite).getContainerClient(container).delete();
    },
  };
};

/**
 * The sink as the plugin builds it once opened (the opening probe would already refuse a missing
 * container or a wrong key: this is a container deleted, or a key rotated, after the sink opened).
 */
const sinkOn = (container: string, accountUrl: string, accountKey: string): Sink => {
  const client = containerClientFor(
    {
      kind: 'sharedKey',
      accountUrl,
      accountName: azurite.accountName,
      accountKey: Redacted.make(accountKey),
    },
    container,
  )._unsafeUnwrap();
  return createAzureSink(client, { container, prefix: '', maxInFlight: DEFAULTS.maxInFlight });
};

/** The sink through the plugin (which probes the container) on a fresh container. */
const sinkAt = async (accountUrl: string): Promise<Sink> => {
  const container = freshContainer();
  await serviceOf(azurite).getContainerClient(container).create();
  const created = await plugin.create(
    {
      container,
      accountUrl,
      accountName: azurite.accountName,
      accountKey: Redacted.make(azurite.accountKey),
    },
    contextFor(),
  );
  return created.match(
    (sink) => sink,
    (error) => {
      throw new Error(`${error._tag}: ${error.message}`);
    },
  );
};

const faults: SinkFaultHooks = {
  missingContainer: async () => {
    const container = freshContainer();
    return { sink: sinkOn(container, azurite.url, azurite.accountKey), container };
  },
  badCredentials: async () => {
    const container = freshContainer();
    await serviceOf(azurite).getContainerClient(container).create();
    return sinkOn(
      container,
      azurite.url,
      Buffer.from('not the key of the azurite account').toString('base64'),
    );
  },
  proxyTarget: () => {
    const target = new URL(azurite.url);
    return { host: target.hostname, port: Number(target.port) };
  },
  behindProxy: (proxy) => sinkAt(`${proxy.url}${new URL(azurite.url).pathname}`),
  // Azure answers 503 ServerBusy when it throttles (the sink maps every 503 to Throttled): its plain
  // server error is a 500.
  unavailable: { status: 500, headers: { 'x-ms-error-code': 'InternalError' } },
  throttle: { status: 503, headers: { 'x-ms-error-code': 'ServerBusy' } },
  // Azurite's containers never have version-level immutability: the refusal is what it can show.
  retentionUnavailable: async () => {
    const container = freshContainer();
    await serviceOf(azurite).getContainerClient(container).create();
    return { sink: sinkOn(container, azurite.url, azurite.accountKey), container };
  },
};

const NO_IMMUTABILITY =
  'Azurite keeps no immutability policy or legal hold (its containers never have version-level immutability, it drops the headers); immutability.requests.test.ts checks what the sink sends and that a put fails Permanent when the blob lacks it';

describeSinkConformance('azure (Azurite)', setup(), { faults, skip: { retention: NO_IMMUTABILITY } });
describeSinkConformance('azure (Azurite) with a prefix', setup('archive/tenant-a/', 2), {
  boundedMemoryBodySize: 16 * 1024 * 1024,
  faults,
  skip: { retention: NO_IMMUTABILITY },
});
