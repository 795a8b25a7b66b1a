import { type PluginError, PluginErrors, PluginFailure, tryAsync } from '@cxarchive/core';
import { mapFsError } from './errors.js';
import { hashObject } from './read-file.js';

export interface Digest {
  readonly size: number;
  readonly sha256: string;
}

const failed = (key: string, why: string): PluginFailure =>
  new PluginFailure(PluginErrors.permanent(`fs sink: verification failed for ${key}: ${why}`));

/** Once linked, the object exists: its read-back is not cancelled (it is reported normally). */
const NEVER = new AbortController().signal;

const check = async (file: string, expected: Digest, key: string): Promise<Digest> => {
  const actual = await hashObject(file, key, NEVER);
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
 * Re-reads `file` from the disk and compares its size and SHA-256 with what was written. A mismatch
 * (or a missing file) is `Permanent` "verification failed"; read errors are classified as usual.
 * The digest it returns is the read-back one: what the filesystem holds, not what was sent.
 * `key` names the object in messages (relative to the sink root).
 */
export const verifyFile = (file: string, expected: Digest, key: string) =>
  tryAsync<Digest>(
    () => check(file, expected, key),
    (error): PluginError => mapFsError(error, `verifying ${key}`),
  );
