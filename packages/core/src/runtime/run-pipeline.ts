import { ARCHIVE_FLOW, ATTACH_FLOW, runWith, SYNC_FLOW } from './harness.js';
import type { RunReport } from './report.js';
import type { RunOptions } from './run-options.js';

export { ARCHIVE_FLOW, ATTACH_FLOW, type Flow, runWith, SYNC_FLOW } from './harness.js';
export { ledgerPath, type RunOptions, RunSetupError, RunUsageError } from './run-options.js';

/**
 * Runs a prepared pipeline once: first the items earlier runs left unsettled, then what the
 * source lists after the stored checkpoint, inside the run harness: the archive flow, or the
 * attach flow for a pipeline with `flow: attach`.
 */
export const runPipeline = (options: RunOptions): Promise<RunReport> =>
  runWith(options.prepared.loaded.config.flow === 'attach' ? ATTACH_FLOW : ARCHIVE_FLOW, options);

/** Copies to each sink the objects of archived items that other sinks hold and it lacks. */
export const syncPipeline = (options: RunOptions): Promise<RunReport> => runWith(SYNC_FLOW, options);
