import { open } from 'node:fs/promises';
import { errAsync, okAsync, type PluginError, PluginErrors, ResultAsync } from '@cxarchive/core';
import { MAX_KEY_FILE_BYTES } from './constants.js';
import { keyFileReadFailure } from './errors.js';

/** What a secret file holds, for messages: `key file`, `passphrase file`. */
export type SecretFileKind = 'key file' | 'passphrase file';

type Read = { readonly text: string } | { readonly tooLarge: true } | { readonly mode: number };

/** Group and other permission bits: a secret file must have none. */
const SHARED_BITS = 0o077;

const readChecked = async (path: string): Promise<Read> => {
  const handle = await open(path, 'r');
  try {
    // The mode of the file actually opened (no window between a check and the read).
    const { mode } = await handle.stat();
    if (process.platform !== 'win32' && (mode & SHARED_BITS) !== 0) return { mode: mode & 0o777 };
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    try {
      return bytesRead > MAX_KEY_FILE_BYTES
        ? { tooLarge: true }
        : { text: buffer.subarray(0, bytesRead).toString('utf8') };
    } finally {
      buffer.fill(0);
    }
  } finally {
    await handle.close();
  }
};

/**
 * Reads a key or passphrase file: refused when group or others may access it (with the chmod that
 * fixes it) or when it is larger than 4 KiB. Errors name the path and the option, never the contents.
 */
export const readSecretFile = (
  path: string,
  kind: SecretFileKind,
  option: string,
): ResultAsync<string, PluginError> =>
  ResultAsync.fromPromise(readChecked(path), (cause) =>
    keyFileReadFailure(path, cause, kind, option),
  ).andThen((read) => {
    if ('mode' in read)
      return errAsync(
        PluginErrors.invalidInput(
          `${kind} ${path} can be read by group or others (mode ${read.mode.toString(8).padStart(4, '0')}): ` +
            `run chmod 600 ${path}`,
          option,
        ),
      );
    if ('tooLarge' in read)
      return errAsync(
        PluginErrors.invalidInput(
          `${kind} ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a ${kind}`,
          option,
        ),
      );
    return okAsync(read.text);
  });
