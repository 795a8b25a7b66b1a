import { Readable } from 'node:stream';
import {
  type Checksum,
  type ChecksumAlgorithm,
  errAsync,
  fromStreamError,
  type ListedObject,
  type ListPage,
  listPrefixProblem,
  objectKeyProblem,
  okAsync,
  type PluginError,
  PluginErrors,
  PluginFailure,
  ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
} from '@cxarchive/core';
import { checksumOf, createCompositeHasher, isChecksumAlgorithm } from './collect-checksum.js';

const compositeOf = (algorithm: ChecksumAlgorithm, partSize: number, bytes: Buffer): Checksum => {
  const hasher = createCompositeHasher(algorithm, partSize);
  hasher.update(bytes);
  return hasher.digest();
};

interface MemoryObject {
  readonly bytes: Buffer;
  readonly checksum: Checksum;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface MemorySinkOptions {
  /**
   * The algorithms the sink declares, best first (default `['sha256']`); `Stored.checksum` is in
   * the first. Every algorithm of core's `ChecksumAlgorithm` is supported.
   */
  readonly checksums?: readonly ChecksumAlgorithm[];
  /** Put before every key in the store: `Stored.key` and `StoredInfo.key` are `prefix + key`. */
  readonly prefix?: string;
  /**
   * Report a composite checksum (`Checksum.parts`) for objects longer than this many bytes, as S3
   * does for a multipart upload; shorter ones get the whole-object digest, as a single PutObject.
   */
  readonly checksumPartSize?: number;
  /** Most objects in one page of `list` (default 1000), small in tests to make many pages. */
  readonly listPageSize?: number;
}

/** An in-memory sink with the full contract, for tests; the reference the conformance suite is checked against. */
export interface MemorySink extends Sink {
  /** Physical keys (prefix included) currently stored, sorted. */
  keys(): string[];
}

const checkKey = (key: string): PluginError | undefined => {
  const problem = objectKeyProblem(key);
  return problem === undefined ? undefined : PluginErrors.invalidInput(`invalid object key: ${problem}`);
};

const cancelled = (what: string): PluginError => PluginErrors.transient(`memory sink: ${what} was cancelled`);

/**
 * Reads the whole body; `signal` aborting destroys it (which also wakes a read that waits for
 * data) and the read fails with the cancellation.
 */
const readBody = (body: Readable, signal: AbortSignal, key: string): ResultAsync<Buffer, PluginError> => {
  // Destroyed without an error: the caller may not listen for one on its body.
  const onAbort = (): void => {
    body.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const read = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  };
  return ResultAsync.fromPromise(
    read().finally(() => signal.removeEventListener('abort', onAbort)),
    (error) => (signal.aborted ? cancelled(`put of ${key}`) : fromStreamError(error)),
  ).andThen((bytes) => (signal.aborted ? errAsync(cancelled(`put of ${key}`)) : okAsync(bytes)));
};

/**
 * Creates an in-memory sink: create-only, nothing visible until the body ended, keys validated
 * with core's `objectKeyProblem` before the body is touched, every operation cancelled by its
 * signal (a cancelled put stores nothing), the checksum computed over the stored bytes in the first
 * declared algorithm, metadata kept and returned by `head`, `list` in pages of sorted keys. It holds whole bodies in memory: use it
 * for small test bodies only.
 */
export const createMemorySink = (options: MemorySinkOptions = {}): MemorySink => {
  const checksums = options.checksums ?? ['sha256'];
  const prefix = options.prefix ?? '';
  const algorithm = checksums[0];
  if (algorithm === undefined) throw new RangeError('createMemorySink: declare at least one checksum');
  for (const name of checksums)
    if (!isChecksumAlgorithm(name)) throw new RangeError(`createMemorySink: unknown checksum ${name}`);
  const objects = new Map<string, MemoryObject>();
  const pageSize = options.listPageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('createMemorySink: listPageSize must be a positive integer');

  const refuse = (key: string, signal: AbortSignal, operation: string): PluginError | undefined =>
    checkKey(key) ?? (signal.aborted ? cancelled(`${operation} of ${key}`) : undefined);

  return {
    checksums: [...checksums],
    ...(options.checksumPartSize === undefined ? {} : { checksumPartSize: options.checksumPartSize }),
    keys: () => [...objects.keys()].map((key) => `${prefix}${key}`).sort(),

    put(key, body, putOptions): ResultAsync<Stored, PluginError> {
      const refused = refuse(key, putOptions.signal, 'put');
      if (refused) {
        body.destroy();
        return errAsync(refused);
      }
      return readBody(body, putOptions.signal, key).andThen((bytes) => {
        if (putOptions.size !== undefined && bytes.length !== putOptions.size)
          return errAsync(
            PluginErrors.invalidInput(
              `memory sink: the body of ${key} had ${bytes.length} bytes, not the ${putOptions.size} announced`,
            ),
          );
        const existing = objects.get(key);
        if (existing) return errAsync(PluginErrors.alreadyExists(`object ${key} exists`, existing.checksum));
        const partSize = options.checksumPartSize;
        const checksum =
          partSize !== undefined && bytes.length > partSize
            ? compositeOf(algorithm, partSize, bytes)
            : checksumOf(algorithm, bytes);
        objects.set(key, {
          bytes,
          checksum,
          contentType: putOptions.contentType,
          metadata: { ...putOptions.metadata },
        });
        return okAsync({ key: `${prefix}${key}`, size: bytes.length, checksum });
      });
    },

    head(key, signal): ResultAsync<StoredInfo | null, PluginError> {
      const refused = refuse(key, signal, 'head');
      if (refused) return errAsync(refused);
      const object = objects.get(key);
      return okAsync(
        object
          ? {
              key: `${prefix}${key}`,
              size: object.bytes.length,
              checksum: object.checksum,
              metadata: { ...object.metadata },
            }
          : null,
      );
    },

    list(listPrefix, listOptions): ResultAsync<ListPage, PluginError> {
      if (listOptions.signal.aborted) return errAsync(cancelled(`list of ${listPrefix}`));
      const problem = listPrefixProblem(listPrefix);
      if (problem !== undefined)
        return errAsync(PluginErrors.invalidInput(`memory sink: invalid list prefix: ${problem}`));
      const after = listOptions.after ?? '';
      const matching = [...objects.keys()]
        .filter((key) => key.startsWith(listPrefix) && key > after)
        .sort()
        .slice(0, pageSize + 1);
      const page = matching.slice(0, pageSize).map(
        (key): ListedObject => ({
          key,
          physicalKey: `${prefix}${key}`,
          size: objects.get(key)!.bytes.length,
        }),
      );
      const last = page.at(-1);
      return okAsync(
        matching.length > pageSize && last ? { objects: page, next: last.key } : { objects: page },
      );
    },

    get(key, signal): ResultAsync<Readable, PluginError> {
      const refused = refuse(key, signal, 'get');
      if (refused) return errAsync(refused);
      const object = objects.get(key);
      if (!object) return errAsync(PluginErrors.notFound(`object ${key} does not exist`));
      const stream = Readable.from(object.bytes.length > 0 ? [object.bytes] : [], { objectMode: false });
      const onAbort = (): void => {
        stream.destroy(new PluginFailure(cancelled(`get of ${key}`)));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
      return okAsync(stream);
    },
  };
};
