import type { ContainerClient } from '@azure/storage-blob';
import {
  errAsync,
  type PluginError,
  PluginErrors,
  type ResultAsync,
  type Sink,
  tryAsync,
} from '@cxarchive/core';
import { createAzureSink } from './azure-sink.js';
import { containerClientFor } from './client.js';
import { azureErrorCode, mapAzureError } from './errors.js';
import type { ResolvedAzureSinkOptions } from './schema.js';

/** A blob name nobody writes: reading its properties tells whether the container is there and the credentials let us in. */
export const PROBE_BLOB = '.cxarchive-probe';

/**
 * Checks the container is reachable by reading the properties of one blob (what a put does first
 * anyway; a container-scoped SAS may not read the container's own properties): BlobNotFound is
 * fine, ContainerNotFound creates the container when `createContainer`, else fails naming it.
 */
const ensureContainer = async (
  container: ContainerClient,
  options: ResolvedAzureSinkOptions,
): Promise<void> => {
  const what = `opening container "${options.container}"`;
  try {
    await container.getBlockBlobClient(`${options.prefix}${PROBE_BLOB}`).getProperties();
    return;
  } catch (error) {
    const code = azureErrorCode(error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404 && code !== 'ContainerNotFound') return;
    if (code !== 'ContainerNotFound' || !options.createContainer)
      throw mapAzureError(error, { what, container: options.container });
  }
  try {
    await container.createIfNotExists();
  } catch (error) {
    throw mapAzureError(error, {
      what: `creating container "${options.container}"`,
      container: options.container,
    });
  }
};

export const openAzureSink = (options: ResolvedAzureSinkOptions): ResultAsync<Sink, PluginError> => {
  const client = containerClientFor(options.auth, options.container);
  if (client.isErr()) return errAsync(client.error);
  const container = client.value;
  return tryAsync(
    async () => {
      await ensureContainer(container, options);
      return createAzureSink(container, {
        container: options.container,
        prefix: options.prefix,
        maxInFlight: options.maxInFlight,
        legalHold: options.legalHold,
        ...(options.accessTier === undefined ? {} : { accessTier: options.accessTier }),
      });
    },
    (error) =>
      typeof error === 'object' && error !== null && '_tag' in error
        ? (error as PluginError)
        : PluginErrors.transient(`azure sink: opening container "${options.container}" failed`),
  );
};
