import {
  BlobServiceClient,
  type ContainerClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { err, ok, type PluginError, PluginErrors, Redacted, type Result } from '@cxarchive/core';
import type { AzureAuth } from './schema.js';

/**
 * One try per request: the runtime alone decides whether and when to retry (it sees Throttled and
 * Transient with their Retry-After), so the SDK's own retries would only multiply its attempts.
 */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 1 } };

/** The container client for `auth`. Never puts a credential in a message. */
export const containerClientFor = (
  auth: AzureAuth,
  container: string,
): Result<ContainerClient, PluginError> => {
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
    return ok(service.getContainerClient(container));
  } catch {
    const field =
      auth.kind === 'connectionString' ? 'connectionString' : auth.kind === 'sas' ? 'sasToken' : 'accountKey';
    return err(PluginErrors.invalidInput(`azure sink: the ${field} is not valid for the Azure SDK`, field));
  }
};
