import type { Readable } from 'node:stream';
import {
  BlobServiceClient,
  type ContainerClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { PluginErrors, PluginFailure, Redacted } from '@cxarchive/core';
import { codeOf, statusOf, storeCall } from './errors.js';
import { type AzureAuth, bucketLabel, type ResolvedAzureBucket } from './options.js';
import { Changed, type ObjectStore, type StoredObject } from './store.js';

/** One try per request, as in sink-azure: the runtime alone decides whether and when to retry. */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 1 } };

/** The container client for `auth`; a credential the SDK cannot take is named, never shown. */
const containerFor = (auth: AzureAuth, container: string): ContainerClient => {
  try {
    const service =
      auth.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(Redacted.value(auth.connectionString), PIPELINE)
        : auth.kind === 'sas'
          ? new BlobServiceClient(
              `${auth.accountUrl}?${Redacted.value(auth.sasToken).replace(/^\?/, '')}`,
              undefined,
              PIPELINE,
            )
          : new BlobServiceClient(
              auth.accountUrl,
              new StorageSharedKeyCredential(auth.accountName, Redacted.value(auth.accountKey)),
              PIPELINE,
            );
    return service.getContainerClient(container);
  } catch {
    const field =
      auth.kind === 'connectionString' ? 'connectionString' : auth.kind === 'sas' ? 'sasToken' : 'accountKey';
    throw new PluginFailure(
      PluginErrors.invalidInput(
        `files source: the ${field} is not valid for the Azure SDK`,
        `bucket.${field}`,
      ),
    );
  }
};

/** A missing blob, as opposed to a missing container (which is an error). */
const blobMissing = (error: unknown): boolean =>
  statusOf(error) === 404 && codeOf(error) !== 'ContainerNotFound';

/**
 * An Azure blob container prefix: List Blobs (flat) pages, Get Blob Properties, and Get Blob with
 * If-Match on the ETag fetched.
 */
export const azureStore = (options: ResolvedAzureBucket): ObjectStore => {
  const container = containerFor(options.auth, options.container);
  const label = bucketLabel(options);
  const pages = (signal: AbortSignal, max: number) =>
    container.listBlobsFlat({ prefix: options.prefix, abortSignal: signal }).byPage({ maxPageSize: max });
  return {
    async probe(signal) {
      await storeCall(`listing ${label}`, () => pages(signal, 1).next(), true);
    },
    async *keys(signal) {
      const listing = pages(signal, options.listPageSize);
      while (!signal.aborted) {
        const step = await storeCall(`listing ${label}`, () => listing.next(), true);
        if (step.done === true) return;
        for (const blob of step.value.segment.blobItems)
          if (blob.name.startsWith(options.prefix)) yield blob.name.slice(options.prefix.length);
      }
    },
    async head(key, signal): Promise<StoredObject | undefined> {
      try {
        const properties = await container
          .getBlobClient(options.prefix + key)
          .getProperties({ abortSignal: signal });
        return {
          size: properties.contentLength ?? 0,
          version: properties.etag ?? '',
          modified: properties.lastModified ?? new Date(0),
        };
      } catch (error) {
        if (blobMissing(error)) return undefined;
        return storeCall(`looking up "${key}" in ${label}`, () => Promise.reject(error), true);
      }
    },
    async get(key, seen, signal): Promise<Readable> {
      try {
        const got = await container
          .getBlobClient(options.prefix + key)
          .download(0, undefined, { conditions: { ifMatch: seen.version }, abortSignal: signal });
        const body = got.readableStreamBody as Readable | undefined;
        if (body === undefined) throw new Changed('no body');
        if (got.contentLength !== undefined && got.contentLength !== seen.size) {
          body.destroy();
          throw new Changed(`${seen.size} bytes then, ${got.contentLength} now`);
        }
        return body;
      } catch (error) {
        if (error instanceof Changed) throw error;
        if (statusOf(error) === 412) throw new Changed('replaced: its ETag differs');
        if (blobMissing(error)) throw new Changed('removed');
        return storeCall(`reading "${key}" from ${label}`, () => Promise.reject(error));
      }
    },
  };
};
