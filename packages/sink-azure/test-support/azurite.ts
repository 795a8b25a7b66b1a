import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { memoryJobStore, type PluginContext, Redacted, type Sink } from '@cxarchive/core';
import type { Azurite } from '@cxarchive/testkit';
import plugin from '../src/index.js';

/** Test helpers of the azure sink (not part of the package build). */

export const contextFor = (): PluginContext => ({
  tenant: 'acme',
  baseDir: '/nonexistent',
  label: 'sinks[0]',
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  jobs: memoryJobStore(),
  now: () => new Date('2026-10-01T00:00:00Z'),
  budget: (family) => {
    throw new Error(`the azure sink declares no budget, yet asked for ${family}`);
  },
});

/** A fresh container name (3-63 lowercase letters, digits and hyphens). */
export const freshContainer = (): string => `t-${randomUUID().replaceAll('-', '').slice(0, 20)}`;

export const serviceOf = (azurite: Azurite): BlobServiceClient =>
  BlobServiceClient.fromConnectionString(azurite.connectionString);

/** Creates the container and opens the sink on it through the plugin, as the runtime would. */
export const makeSink = async (
  azurite: Azurite,
  options: { container?: string; create?: boolean; extra?: Record<string, unknown> } = {},
): Promise<{ sink: Sink; container: string }> => {
  const container = options.container ?? freshContainer();
  if (options.create !== false) await serviceOf(azurite).getContainerClient(container).create();
  const created = await plugin.create(
    { container, connectionString: Redacted.make(azurite.connectionString), ...options.extra },
    contextFor(),
  );
  return { sink: created._unsafeUnwrap(), container };
};
