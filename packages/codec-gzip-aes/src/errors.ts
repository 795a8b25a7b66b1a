import { type PluginError, PluginErrors } from '@cxarchive/core';

/**
 * Every failure of node's crypto, zlib and fs calls is classified here, once
 * (DESIGN §11). Messages name chunks, paths, variables and key ids — never key material.
 */

const codeOf = (cause: unknown): string | undefined => {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/** OpenSSL's message when a GCM tag does not verify. */
const GCM_AUTH_FAILURE = /unable to authenticate/i;

/** `decipher.final()` of chunk `index` threw. */
export const chunkOpenFailure = (index: number, cause: unknown): PluginError =>
  GCM_AUTH_FAILURE.test(messageOf(cause))
    ? PluginErrors.permanent(
        `chunk ${index} failed authentication (the object was tampered with, truncated, reordered or spliced)`,
      )
    : PluginErrors.permanent(`chunk ${index} could not be decrypted: ${messageOf(cause)}`, cause);

/** A cipher call threw while encrypting (never expected with valid keys: a defect made visible). */
export const sealFailure = (cause: unknown): PluginError =>
  PluginErrors.permanent(`encryption failed: ${messageOf(cause)}`, cause);

/** The wrapped data key did not open under the configured KEK. */
export const unwrapFailure = (keyId: string, cause: unknown): PluginError =>
  GCM_AUTH_FAILURE.test(messageOf(cause))
    ? PluginErrors.permanent(
        `the data key could not be unwrapped with key ${keyId} (the header or key slot was tampered with, or the key is wrong)`,
      )
    : PluginErrors.permanent(`the data key could not be unwrapped: ${messageOf(cause)}`, cause);

/** zlib failed while compressing (encode) or decompressing (decode), with gzip or zstd. */
export const zlibFailure = (
  operation: 'compress' | 'decompress',
  cause: unknown,
  format: 'gzip' | 'zstd' = 'gzip',
): PluginError => {
  const code = codeOf(cause) ?? 'unknown';
  if (code === 'Z_MEM_ERROR' || code === 'ZSTD_error_memory_allocation')
    return PluginErrors.transient(`${format} ran out of memory while ${operation}ing`, cause);
  if (operation === 'decompress')
    return PluginErrors.permanent(
      `the ${format} payload inside the object is corrupt (${code}: ${messageOf(cause)})`,
    );
  return PluginErrors.permanent(`${format} failed while compressing (${code}: ${messageOf(cause)})`, cause);
};

/**
 * The caller's `AbortSignal` fired (the run is being interrupted). Transient: nothing is wrong with
 * the object or the key, and the same operation may succeed in a later run. The reason is kept as
 * the cause, never in the message.
 */
export const abortFailure = (operation: 'encode' | 'decode' | 'rewrap', reason: unknown): PluginError =>
  PluginErrors.transient(`${operation} was aborted`, reason);

/** Reading a key or passphrase file failed. The message names the path, never the contents. */
export const keyFileReadFailure = (
  path: string,
  cause: unknown,
  kind = 'key file',
  option = 'key.path',
): PluginError => {
  const code = codeOf(cause);
  if (code === 'ENOENT') return PluginErrors.invalidInput(`${kind} not found: ${path}`, option);
  if (code === 'EACCES' || code === 'EPERM')
    return PluginErrors.invalidInput(`${kind} is not readable: ${path}`, option);
  if (code === 'EISDIR') return PluginErrors.invalidInput(`${kind} is a directory: ${path}`, option);
  return PluginErrors.permanent(`could not read ${kind} ${path} (${code ?? messageOf(cause)})`, cause);
};
