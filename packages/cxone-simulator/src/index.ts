export {
  BUDGET_FAMILIES,
  type BudgetFamily,
  type BudgetOption,
  DEFAULT_BUDGETS,
  maxInAnyWindow,
  RETRY_AFTER_MODES,
  type ResolvedBudget,
  type RetryAfterMode,
  type SimulatorBudgets,
} from './budgets.js';
export { type CliIo, type CliResult, main, parseCliArgs } from './cli.js';
export {
  type BuildDatasetOptions,
  buildDataset,
  type Dataset,
  type SimContact,
  type SimRecording,
} from './dataset.js';
export { DEFAULTS, DEMO_CREDENTIALS, type DemoCredentials, type SimulatorOptions } from './options.js';
export { type RequestLogEntry, type RunningSimulator, startSimulator } from './server.js';
export { openRecording } from './wav.js';
