import { resolve } from 'node:path';
import { errAsync, okAsync, type PluginError, PluginErrors, ResultAsync } from '@cxarchive/core';
import { MIN_PASSPHRASE_LENGTH, PBKDF2_MIN_ITERATIONS, WRAP_ALG_KEK } from './constants.js';
import { keyIdOf, parseKeyText } from './key-material.js';
import type { KeyOption } from './options.js';
import { newPassphraseKek, passphraseBytes } from './passphrase.js';
import { readSecretFile } from './secret-file.js';

/** A loaded key-encryption key. `key` is secret: it never leaves the codec. */
export interface LoadedKek {
  readonly key: Buffer;
  readonly keyId: string;
  /** The key slot's wrap_alg for objects written under this key (0x01 KEK, 0x02 passphrase). */
  readonly wrapAlg: number;
}

/**
 * A configured key as the codec holds it: a fixed KEK (file, env), or a passphrase that derives a
 * KEK for each salt it meets in a key id.
 */
export type KeySource =
  | { readonly kind: 'kek'; readonly kek: LoadedKek }
  | {
      readonly kind: 'passphrase';
      readonly passphrase: Buffer;
      readonly iterations: number;
      /** Where it came from, for messages: `passphrase file <path>`, `passphrase variable <name>`. */
      readonly origin: string;
    };

const EXPECTED = 'expected 32 bytes as base64 or 64 hex characters';

const fixedKek = (key: Buffer): LoadedKek => ({ key, keyId: keyIdOf(key), wrapAlg: WRAP_ALG_KEK });

/** Reads and parses a key file. Errors name the path, never its contents. */
export const readKeyFile = (path: string, option = 'key.path'): ResultAsync<LoadedKek, PluginError> =>
  readSecretFile(path, 'key file', option).andThen((text) => {
    const key = parseKeyText(text);
    return key === undefined
      ? errAsync(
          PluginErrors.invalidInput(`key file ${path} does not hold a valid key (${EXPECTED})`, option),
        )
      : okAsync(fixedKek(key));
  });

const fromEnv = (
  env: NodeJS.ProcessEnv,
  variable: string,
  option: string,
): ResultAsync<string, PluginError> => {
  const text = env[variable];
  return text === undefined || text === ''
    ? errAsync(PluginErrors.invalidInput(`environment variable ${variable} is not set`, option))
    : okAsync(text);
};

/**
 * Loads the key source named by a key option; `where` is its option path (`key`, `readKeys[0]`).
 * A relative file path resolves against `baseDir`.
 */
export const loadKeySource = (
  option: KeyOption,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
  where = 'key',
): ResultAsync<KeySource, PluginError> => {
  if (option.provider === 'file')
    return readKeyFile(resolve(baseDir, option.path), `${where}.path`).map((kek) => ({ kind: 'kek', kek }));
  if (option.provider === 'env')
    return fromEnv(env, option.variable, `${where}.variable`).andThen((text) => {
      const key = parseKeyText(text);
      return key === undefined
        ? errAsync(
            PluginErrors.invalidInput(
              `environment variable ${option.variable} does not hold a valid key (${EXPECTED})`,
              `${where}.variable`,
            ),
          )
        : okAsync({ kind: 'kek', kek: fixedKek(key) } as const);
    });
  const fromFile = option.path !== undefined;
  const path = option.path === undefined ? undefined : resolve(baseDir, option.path);
  const origin = path === undefined ? `passphrase variable ${option.variable}` : `passphrase file ${path}`;
  const optionPath = `${where}.${fromFile ? 'path' : 'variable'}`;
  const text =
    path === undefined
      ? fromEnv(env, option.variable ?? '', optionPath)
      : readSecretFile(path, 'passphrase file', optionPath);
  return text.andThen((value) => {
    const passphrase = passphraseBytes(value, fromFile);
    return passphrase === undefined
      ? errAsync(
          PluginErrors.invalidInput(
            `${origin} holds fewer than ${MIN_PASSPHRASE_LENGTH} characters: use a longer passphrase`,
            optionPath,
          ),
        )
      : okAsync({
          kind: 'passphrase',
          passphrase,
          iterations: option.iterations ?? PBKDF2_MIN_ITERATIONS,
          origin,
        } as const);
  });
};

/** The key new objects are written under: a fixed KEK, or a passphrase derived once under a fresh salt. */
export const writingKek = (source: KeySource): ResultAsync<LoadedKek, PluginError> =>
  source.kind === 'kek'
    ? okAsync(source.kek)
    : ResultAsync.fromPromise(newPassphraseKek(source.passphrase, source.iterations), (cause) =>
        PluginErrors.permanent('deriving the key from the passphrase failed', cause),
      );

/** Loads the KEK named by the `key` option (for a passphrase: derived once under a fresh salt). */
export const loadKek = (
  option: KeyOption,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ResultAsync<LoadedKek, PluginError> => loadKeySource(option, baseDir, env).andThen(writingKek);
