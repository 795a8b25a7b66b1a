import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  errAsync,
  fromStreamError,
  objectKeyProblem,
  okAsync,
  type PluginError,
  PluginErrors,
  ResultAsync,
  type Sink,
  type Stored,
  type StoredInfo,
} from '@cxarchive/core';

interface MemoryObject {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** An in-memory sink with the full contract, for tests; the reference the conformance suite is checked against. */
export interface MemorySink extends Sink {
  /** Keys currently stored, sorted. */
  keys(): string[];
}

const checkKey = (key: string): PluginError | undefined => {
  const problem = objectKeyProblem(key);
  return problem === undefined ? undefined : PluginErrors.invalidInput(`invalid object key: ${problem}`);
};

/**
 * Creates an in-memory sink: create-only, nothing visible until the body ended, keys validated
 * with core's `objectKeyProblem` before the body is touched. It holds whole bodies in memory:
 * use it for small test bodies only.
 */
export const createMemorySink = (): MemorySink => {
  const objects = new Map<string, MemoryObject>();

  const read = async (body: Readable): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  };

  return {
    keys: () => [...objects.keys()].sort(),

    put(key, body): ResultAsync<Stored, PluginError> {
      const invalid = checkKey(key);
      if (invalid) {
        body.destroy();
        return errAsync(invalid);
      }
      return ResultAsync.fromPromise(read(body), fromStreamError).andThen((bytes) => {
        const existing = objects.get(key);
        if (existing) return errAsync(PluginErrors.alreadyExists(`object ${key} exists`, existing.sha256));
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        objects.set(key, { bytes, sha256 });
        return okAsync({ key, size: bytes.length, sha256 });
      });
    },

    head(key): ResultAsync<StoredInfo | null, PluginError> {
      const invalid = checkKey(key);
      if (invalid) return errAsync(invalid);
      const object = objects.get(key);
      return okAsync(object ? { key, size: object.bytes.length, sha256: object.sha256 } : null);
    },

    get(key): ResultAsync<Readable, PluginError> {
      const invalid = checkKey(key);
      if (invalid) return errAsync(invalid);
      const object = objects.get(key);
      if (!object) return errAsync(PluginErrors.notFound(`object ${key} does not exist`));
      return okAsync(Readable.from(object.bytes.length > 0 ? [object.bytes] : [], { objectMode: false }));
    },
  };
};
