import { createHash } from 'node:crypto';
import { addAbortSignal, type Readable } from 'node:stream';
import type { BlobGetPropertiesResponse, ContainerClient } from '@azure/storage-blob';
import {
  type Checksum,
  errAsync,
  type ListPage,
  listPrefixProblem,
  objectKeyProblem,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type PutOptions,
  type ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
  tryAsync,
} from '@cxarchive/core';
import {
  azureErrorCode,
  cancelled,
  mapAzureError,
  sizeMismatch,
  unprotected,
  verificationFailed,
} from './errors.js';
import {
  asksProtection,
  checkVersionLevelImmutability,
  commitOptions,
  missingProtection,
  type Protection,
} from './immutability.js';
import { LIST_PAGE_SIZE, listPage } from './list.js';
import { fromAzureMetadata, toAzureMetadata } from './metadata.js';
import type { AccessTier } from './schema.js';
import { stageBody } from './upload.js';

export interface AzureSinkSettings {
  readonly container: string;
  readonly prefix: string;
  readonly accessTier?: AccessTier;
  readonly maxInFlight: number;
  /** Put a legal hold on every blob written. */
  readonly legalHold?: boolean;
  /** Block size of staged uploads (tests make it small to exercise many blocks). */
  readonly blockSize?: number;
  /** The most blobs in one page of `list` (default 1000): tests make it small. */
  readonly listPageSize?: number;
}

const md5Checksum = (md5: Uint8Array | undefined): Checksum | undefined =>
  md5 === undefined || md5.length === 0
    ? undefined
    : { algorithm: 'md5', value: Buffer.from(md5).toString('hex') };

/** Hashes a readable to its end: the read-back of a stored blob. */
const md5OfStream = async (stream: NodeJS.ReadableStream): Promise<{ size: number; md5: string }> => {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    size += bytes.length;
  }
  return { size, md5: hash.digest('hex') };
};

/**
 * A sink on one Azure Blob container. Puts stage the body in blocks and commit the block list with
 * `If-None-Match: *` (create-only); the committed blob is then read back and hashed, and that MD5 is
 * what `Stored.checksum` reports.
 */
export const createAzureSink = (container: ContainerClient, settings: AzureSinkSettings): Sink => {
  const context = (what: string) => ({ what, container: settings.container });
  const physical = (key: string) => `${settings.prefix}${key}`;
  const badKey = (key: string): PluginError | undefined => {
    const problem = objectKeyProblem(key) ?? objectKeyProblem(physical(key));
    return problem === undefined
      ? undefined
      : PluginErrors.invalidInput(`azure sink: refused key: ${problem}`);
  };
  const classify = (what: string, signal: AbortSignal) => (error: unknown) =>
    signal.aborted ? cancelled(what) : mapAzureError(error, context(what));

  /** The blob's properties, or null when it does not exist (a missing container is still an error). */
  const properties = async (key: string, signal: AbortSignal): Promise<BlobGetPropertiesResponse | null> => {
    try {
      return await container.getBlockBlobClient(physical(key)).getProperties({ abortSignal: signal });
    } catch (error) {
      if (
        !signal.aborted &&
        azureErrorCode(error) !== 'ContainerNotFound' &&
        (error as { statusCode?: number }).statusCode === 404
      )
        return null;
      throw error;
    }
  };

  // Whether the container was seen to take per-blob immutability (asked once, on the first put that needs it).
  let immutabilitySeen = false;

  const put = async (key: string, body: Readable, options: PutOptions): Promise<Stored> => {
    const { signal } = options;
    const name = physical(key);
    const blob = container.getBlockBlobClient(name);
    const metadata = toAzureMetadata(options.metadata, key);
    if (metadata.isErr()) throw new PluginFailure(metadata.error);
    const protection: Protection = {
      legalHold: settings.legalHold ?? false,
      ...(options.retention === undefined ? {} : { retention: options.retention }),
    };
    if (asksProtection(protection) && !immutabilitySeen) {
      await checkVersionLevelImmutability(container, settings.container, `writing ${key}`, signal);
      immutabilitySeen = true;
    }
    // Fail early (before any byte is sent) when the key is taken; the commit's If-None-Match: *
    // still decides a race.
    const existing = await properties(key, signal);
    if (existing !== null)
      throw new PluginFailure(
        PluginErrors.alreadyExists(
          `azure sink: writing ${key}: the blob already exists`,
          md5Checksum(existing.contentMD5),
        ),
      );
    addAbortSignal(signal, body);
    const staged = await stageBody(blob, body, signal, settings.blockSize);
    if (options.size !== undefined && options.size !== staged.size)
      throw new PluginFailure(sizeMismatch(key, options.size, staged.size));
    signal.throwIfAborted();
    // Archive is set after the read-back: an archived blob cannot be read.
    const tier = settings.accessTier === 'Archive' ? undefined : settings.accessTier;
    const committed = await blob.commitBlockList([...staged.blockIds], {
      conditions: { ifNoneMatch: '*' },
      metadata: metadata.value,
      // Stored with the blob (not checked by the service on commit): later downloads can check it.
      blobHTTPHeaders: { blobContentType: options.contentType, blobContentMD5: staged.md5 },
      ...(tier === undefined ? {} : { tier }),
      ...commitOptions(protection),
      abortSignal: signal,
    });
    // The service's word on the committed blob: an archive that should be locked and is not is never reported stored.
    if (asksProtection(protection)) {
      const missing = missingProtection(await blob.getProperties({ abortSignal: signal }), protection);
      if (missing !== undefined) throw new PluginFailure(unprotected(key, missing));
    }
    // The store's own word: read the committed bytes back and hash them.
    const download = await blob.download(0, undefined, { abortSignal: signal });
    if (download.readableStreamBody === undefined)
      throw new PluginFailure(PluginErrors.transient(`azure sink: reading back ${key}: no body`));
    const back = await md5OfStream(download.readableStreamBody);
    const sent = { size: staged.size, md5: staged.md5.toString('hex') };
    if (back.size !== sent.size || back.md5 !== sent.md5)
      throw new PluginFailure(verificationFailed(key, sent, back));
    if (settings.accessTier === 'Archive') await blob.setAccessTier('Archive', { abortSignal: signal });
    return {
      key: name,
      size: back.size,
      checksum: { algorithm: 'md5', value: back.md5 },
      ...(committed.versionId === undefined ? {} : { versionId: committed.versionId }),
    };
  };

  return {
    limits: { maxInFlight: settings.maxInFlight },
    checksums: ['md5'],
    capabilities: { retention: true },
    put(key, body, options): ResultAsync<Stored, PluginError> {
      const refused = badKey(key);
      if (refused !== undefined || options.signal.aborted) {
        body.destroy();
        return errAsync(refused ?? cancelled(`writing ${key}`));
      }
      return tryAsync(() => put(key, body, options), classify(`writing ${key}`, options.signal)).mapErr(
        (error) => {
          body.destroy();
          return options.signal.aborted ? cancelled(`writing ${key}`) : error;
        },
      );
    },
    head(key, signal): ResultAsync<StoredInfo | null, PluginError> {
      const refused = badKey(key);
      if (refused !== undefined) return errAsync(refused);
      if (signal.aborted) return errAsync(cancelled(`reading the properties of ${key}`));
      return tryAsync(
        async () => {
          const found = await properties(key, signal);
          if (found === null) return null;
          const checksum = md5Checksum(found.contentMD5);
          return {
            key: physical(key),
            size: found.contentLength ?? 0,
            ...(checksum === undefined ? {} : { checksum }),
            ...(found.versionId === undefined ? {} : { versionId: found.versionId }),
            metadata: fromAzureMetadata(found.metadata),
          };
        },
        classify(`reading the properties of ${key}`, signal),
      );
    },
    list(prefix, { signal, after }): ResultAsync<ListPage, PluginError> {
      const what = `listing ${physical(prefix)}`;
      const problem = listPrefixProblem(prefix);
      if (problem !== undefined)
        return errAsync(PluginErrors.invalidInput(`azure sink: invalid list prefix: ${problem}`));
      if (signal.aborted) return errAsync(cancelled(what));
      return tryAsync(
        () =>
          listPage(container, {
            sinkPrefix: settings.prefix,
            prefix,
            pageSize: settings.listPageSize ?? LIST_PAGE_SIZE,
            signal,
            ...(after === undefined ? {} : { after }),
          }),
        classify(what, signal),
      );
    },
    get(key, signal): ResultAsync<Readable, PluginError> {
      const refused = badKey(key);
      if (refused !== undefined) return errAsync(refused);
      if (signal.aborted) return errAsync(cancelled(`reading ${key}`));
      return tryAsync(
        async () => {
          const response = await container
            .getBlockBlobClient(physical(key))
            .download(0, undefined, { abortSignal: signal });
          const stream = response.readableStreamBody as Readable | undefined;
          if (stream === undefined)
            throw new PluginFailure(PluginErrors.transient(`azure sink: reading ${key}: no body`));
          return addAbortSignal(signal, stream);
        },
        classify(`reading ${key}`, signal),
      );
    },
  };
};
