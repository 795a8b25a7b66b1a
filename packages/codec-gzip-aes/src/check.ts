import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type CheckResult,
  err,
  type HealthCheck,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import { loadKeySource } from './key-provider.js';
import type { KeyOption, ResolvedGzipAesOptions } from './options.js';

/** A key or passphrase file must belong to the user running cxarchive (its mode is checked on read). */
const ownerProblem = async (path: string, option: string): Promise<PluginError | undefined> => {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || info.uid === uid) return undefined;
  return PluginErrors.invalidInput(
    `key file ${path} belongs to user id ${info.uid}, not to the user running cxarchive (${uid}): ` +
      `run chown ${uid} ${path}`,
    option,
  );
};

/**
 * The codec's health check, local (no network): every configured key loads (a key file exists, is
 * mode 0600 or stricter and belongs to this user; a variable is set and holds a key; a passphrase
 * is long enough), and the ids of the fixed keys are returned so `validate` can compare them with
 * the key ids the ledger recorded. A passphrase key is derived under a fresh salt each run: it has
 * no fixed id, and `derived` says so.
 */
export const codecCheck =
  (options: ResolvedGzipAesOptions, baseDir: string, env: NodeJS.ProcessEnv = process.env): HealthCheck =>
  () =>
    new ResultAsync(run(options, baseDir, env));

const run = async (
  options: ResolvedGzipAesOptions,
  baseDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Result<CheckResult, PluginError>> => {
  const all: [KeyOption, string][] = [
    [options.key, 'key'],
    ...options.readKeys.map((k, i): [KeyOption, string] => [k, `readKeys[${i}]`]),
  ];
  const read: string[] = [];
  let write: string | undefined;
  let derived = false;
  const checked: string[] = [];
  for (const [option, where] of all) {
    if (option.provider !== 'env' && option.path !== undefined) {
      const problem = await ownerProblem(resolve(baseDir, option.path), `${where}.path`);
      if (problem) return err(problem);
    }
    const source = await loadKeySource(option, baseDir, env, where);
    if (source.isErr()) return err(source.error);
    if (source.value.kind === 'kek') {
      if (where === 'key') write = source.value.kek.keyId;
      if (!read.includes(source.value.kek.keyId)) read.push(source.value.kek.keyId);
      checked.push(`${where}: key ${source.value.kek.keyId} loaded (${option.provider})`);
    } else {
      derived = true;
      checked.push(`${where}: passphrase loaded (${source.value.origin})`);
    }
  }
  return ok({ checked, keyIds: { ...(write === undefined ? {} : { write }), read, derived } });
};
