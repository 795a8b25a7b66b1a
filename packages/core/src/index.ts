/**
 * `@cxarchive/core`: the plugin API. Everything a plugin author needs and nothing of the runtime
 * (no Effect types). The CLI and workers use `@cxarchive/core/host`.
 */
export { err, errAsync, ok, okAsync, Result, ResultAsync } from 'neverthrow';
export * from './checksums.js';
export * from './duration.js';
export * from './hashing.js';
export { listPrefixProblem, MAX_KEY_BYTES, objectKeyProblem } from './keys.js';
export * from './logger.js';
export * from './plugin/define-plugin.js';
export * from './plugin/dropped.js';
export * from './plugin/errors.js';
export type * from './plugin/types.js';
export * from './redacted.js';
export * from './text.js';
