/**
 * `@cxarchive/core/host`: the runtime side, for the CLI, workers and tests: pipeline loading and
 * validation, plugin resolution, the run harness and flows, ledgers, reports. It re-exports the
 * plugin API, so a host needs one import.
 */

export * from './audit/index.js';
export * from './config/config-error.js';
export * from './config/interpolate.js';
export * from './config/load-pipeline.js';
export * from './config/pipeline-schema.js';
export { SECRET_KEYWORD } from './config/validate.js';
export * from './index.js';
export * from './keys.js';
export type * from './ledger/ledger.js';
export { storedKeyOf } from './ledger/ledger.js';
export { LedgerError } from './ledger/ledger-error.js';
export { openSqliteLedger } from './ledger/sqlite-ledger.js';
export * from './pipeline/prepare-pipeline.js';
export * from './plugin/resolve-plugin.js';
export { processHost } from './process-identity.js';
export * from './restore/index.js';
export {
  type BudgetSpec,
  type BudgetStats,
  Budgets,
  RequestBudget,
  resolveBudgets,
} from './runtime/budgets.js';
export {
  ATTACH_FAULT_STEPS,
  FAULT_STEPS,
  type FaultHook,
  type FaultStep,
  InjectedFault,
  setFaultHook,
} from './runtime/faults.js';
export { LeaseHeldError } from './runtime/lease.js';
export {
  DEFAULT_PLAN_MAX,
  type Plan,
  type PlanListing,
  type PlanOptions,
  planPipeline,
} from './runtime/plan.js';
export * from './runtime/report.js';
export {
  backoffCeiling,
  type RetryHooks,
  type RetryInfo,
  type RetryPolicy,
  retryPolicyFrom,
  retrySchedule,
  withRetry,
} from './runtime/retry.js';
export {
  ARCHIVE_FLOW,
  type Flow,
  ledgerPath,
  type RunOptions,
  RunSetupError,
  RunUsageError,
  runPipeline,
  runWith,
  SYNC_FLOW,
  syncPipeline,
} from './runtime/run-pipeline.js';
export { unlockTenant } from './runtime/unlock.js';
