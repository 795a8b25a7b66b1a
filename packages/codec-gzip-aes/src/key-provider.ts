import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errAsync, okAsync, type PluginError, PluginErrors, ResultAsync } from '@cxarchive/core';
import { keyFileReadFailure } from './errors.js';
import { keyIdOf, parseKeyText } from './key-material.js';
import type { KeyOption } from './options.js';

/** A loaded key-encryption key. `key` is secret: it never leaves the codec. */
export interface LoadedKek {
  readonly key: Buffer;
  readonly keyId: string;
}

const EXPECTED = 'expected 32 bytes as base64 or 64 hex characters';
/** A key file is a few dozen bytes; reading is capped so a wrong path (a log, /dev/zero) cannot hurt. */
const MAX_KEY_FILE_BYTES = 4096;

/** The file's text, or undefined when it is larger than any key file. */
const readKeyText = async (path: string): Promise<string | undefined> => {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return bytesRead > MAX_KEY_FILE_BYTES ? undefined : buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
};

/** Reads and parses a key file. Errors name the path, never its contents. */
export const readKeyFile = (path: string): ResultAsync<LoadedKek, PluginError> =>
  ResultAsync.fromPromise(readKeyText(path), (cause) => keyFileReadFailure(path, cause)).andThen((text) => {
    if (text === undefined)
      return errAsync(
        PluginErrors.invalidInput(
          `key file ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key file`,
          'key.path',
        ),
      );
    const key = parseKeyText(text);
    return key === undefined
      ? errAsync(
          PluginErrors.invalidInput(`key file ${path} does not hold a valid key (${EXPECTED})`, 'key.path'),
        )
      : okAsync({ key, keyId: keyIdOf(key) });
  });

/** Loads the KEK named by the `key` option; a relative file path resolves against `baseDir`. */
export const loadKek = (
  option: KeyOption,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ResultAsync<LoadedKek, PluginError> => {
  if (option.provider === 'file') return readKeyFile(resolve(baseDir, option.path));
  const text = env[option.variable];
  if (text === undefined || text.trim() === '')
    return errAsync(
      PluginErrors.invalidInput(`environment variable ${option.variable} is not set`, 'key.variable'),
    );
  const key = parseKeyText(text);
  if (key === undefined)
    return errAsync(
      PluginErrors.invalidInput(
        `environment variable ${option.variable} does not hold a valid key (${EXPECTED})`,
        'key.variable',
      ),
    );
  return okAsync({ key, keyId: keyIdOf(key) });
};
