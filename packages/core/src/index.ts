export { err, errAsync, ok, okAsync, Result, ResultAsync } from 'neverthrow';
export * from './duration.js';
export * from './hashing.js';
export * from './keys.js';
export * from './logger.js';
export * from './plugin/define-plugin.js';
export * from './plugin/errors.js';
export type * from './plugin/types.js';
export * from './redacted.js';
