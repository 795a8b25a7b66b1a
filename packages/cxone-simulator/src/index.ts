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
export {
  type BusinessDataOptions,
  configureBusinessData,
  DEFAULT_BUSINESS_DATA_FIELDS,
} from './business-data.js';
export { type CliIo, type CliOptions, type CliResult, main, parseCliArgs } from './cli.js';
export {
  CSV_COLUMNS,
  configureDataExtraction,
  DATA_EXTRACTION_DEFAULTS,
  type DataExtractionOptions,
} from './data-extraction.js';
export {
  type BuildDatasetOptions,
  buildDataset,
  type Dataset,
  type SimContact,
  type SimRecording,
} from './dataset.js';
export { demoToken } from './demo-token.js';
export { configureDfo, DFO_DEFAULTS, type DfoOptions } from './dfo-config.js';
export {
  acdContactIdOf,
  CUSTOM_FIELD_DEFINITIONS,
  DFO_CHANNELS,
  type DfoChannel,
  type DfoContact,
  dfoContactByNumber,
  dfoContactNumberOf,
  listDfoContacts,
} from './dfo-data.js';
export { DFO_TAGS, type DfoTag } from './dfo-tags.js';
export { describeFault, FAULT_FLAG_FORMAT, parseFaultFlag, parseFaultFlags } from './fault-flag.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec, type FaultState } from './faults.js';
export {
  configureMediaDownload,
  MEDIA_DOWNLOAD_DEFAULTS,
  type MediaDownloadOptions,
} from './media-download.js';
export {
  DEFAULTS,
  DEMO_CREDENTIALS,
  type DemoCredentials,
  type SimulatorCredentials,
  type SimulatorOptions,
} from './options.js';
export { DEFAULT_REQUEST_LOG_SIZE, type RequestLogEntry, type RequestSummary } from './request-log.js';
export { type FaultControl, type RunningSimulator, type ServerOptions, startSimulator } from './server.js';
export { openRecording } from './wav.js';
