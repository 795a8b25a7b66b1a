export { err, errAsync, ok, okAsync, Result, ResultAsync } from 'neverthrow';
export * from './config/config-error.js';
export * from './config/interpolate.js';
export * from './config/load-pipeline.js';
export * from './config/pipeline-schema.js';
export { SECRET_KEYWORD } from './config/validate.js';
export * from './duration.js';
export * from './hashing.js';
export * from './keys.js';
export type * from './ledger/ledger.js';
export { openSqliteLedger } from './ledger/sqlite-ledger.js';
export * from './logger.js';
export * from './pipeline/prepare-pipeline.js';
export * from './plugin/define-plugin.js';
export * from './plugin/errors.js';
export * from './plugin/resolve-plugin.js';
export type * from './plugin/types.js';
export * from './redacted.js';
export * from './runtime/report.js';
export {
  backoffCeiling,
  callPlugin,
  type RetryPolicy,
  retryDelay,
  retryPolicyFrom,
} from './runtime/retry.js';
export { ledgerPath, type RunOptions, RunSetupError, runPipeline } from './runtime/run-pipeline.js';
