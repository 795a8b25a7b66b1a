import { type PluginError, PluginErrors, ResultAsync } from '@cxarchive/core';
import { classify, SinkFailure } from './errors.js';
import { hashObject } from './read-file.js';

export interface Digest {
  readonly size: number;
  readonly sha256: string;
}

const failed = (key: string, why: string): SinkFailure =>
  new SinkFailure(PluginErrors.permanent(`fs sink: verification failed for ${key}: ${why}`));

const check = async (file: string, expected: Digest, key: string): Promise<Digest> => {
  const actual = await hashObject(file, key);
  if (actual === null) throw failed(key, 'the file is gone');
  if (actual.size !== expected.size || actual.sha256 !== expected.sha256)
    throw failed(
      key,
      `wrote ${expected.size} bytes with sha256 ${expected.sha256}, ` +
        `read back ${actual.size} bytes with sha256 ${actual.sha256}`,
    );
  return actual;
};

/**
 * Re-reads `file` and compares its size and SHA-256 with what was written. A mismatch (or a
 * missing file) is `Permanent` "verification failed"; read errors are classified as usual.
 * `key` names the object in messages (relative to the sink root).
 */
export const verifyFile = (file: string, expected: Digest, key: string): ResultAsync<Digest, PluginError> =>
  ResultAsync.fromPromise(check(file, expected, key), (error) => classify(error, `verifying ${key}`));
