import path from 'node:path';
import type { PreparedPipeline } from '../pipeline/prepare-pipeline.js';
import { ledgerPath } from '../runtime/run-options.js';

/**
 * The audit log of a pipeline: `state.auditLog` (relative to the pipeline file), or
 * `<tenant>.audit.jsonl` beside the ledger.
 */
export const auditLogPath = (prepared: Pick<PreparedPipeline, 'loaded'>): string => {
  const { dir, config } = prepared.loaded;
  return config.state.auditLog !== undefined
    ? path.resolve(dir, config.state.auditLog)
    : path.join(path.dirname(ledgerPath(prepared)), `${config.tenant}.audit.jsonl`);
};
