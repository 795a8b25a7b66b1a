import { ARCHIVE_FLOW, runWith, SYNC_FLOW } from './harness.js';
import type { RunReport } from './report.js';
import type { RunOptions } from './run-options.js';

export { ARCHIVE_FLOW, type Flow, runWith, SYNC_FLOW } from './harness.js';
export { ledgerPath, type RunOptions, RunSetupError } from './run-options.js';

/**
 * Runs a prepared pipeline once: first the items earlier runs left unsettled, then what the
 * source lists after the stored checkpoint (the archive flow, inside the run harness).
 */
export const runPipeline = (options: RunOptions): Promise<RunReport> => runWith(ARCHIVE_FLOW, options);

/** Copies to each sink the objects of archived items that other sinks hold and it lacks. */
export const syncPipeline = (options: RunOptions): Promise<RunReport> => runWith(SYNC_FLOW, options);
