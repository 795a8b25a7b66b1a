import path from 'node:path';
import type { Logger } from '../logger.js';
import type { PreparedPipeline } from '../pipeline/prepare-pipeline.js';
import type { PipelineEvent } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';

export interface RunOptions {
  readonly prepared: PreparedPipeline;
  readonly scrubber: SecretScrubber;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Called for every event as it happens (progress display). */
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Also write the report here (it is always written beside the ledger). */
  readonly reportFile?: string;
  /** Stops the run: in-flight operations are aborted, settled work stays settled, the next run resumes. */
  readonly signal?: AbortSignal;
  /** How long a stopped run waits for aborted plugin operations to settle before closing. Default 10 s. */
  readonly settleTimeoutMs?: number;
  /** Events queued per notifier before new ones are dropped and counted. Default 1000. */
  readonly notifierQueueSize?: number;
}

/**
 * A run that could not start (the tenant is held by another run, the ledger is unusable, a plugin
 * refused to start), or whose ledger failed under it (`phase: 'run'`): no report can be trusted.
 */
export class RunSetupError extends Error {
  readonly phase: 'start' | 'run';
  constructor(message: string, phase: 'start' | 'run' = 'start') {
    super(message);
    this.name = 'RunSetupError';
    this.phase = phase;
  }
}

/** The ledger file of a pipeline: `state.path`, or `.cxarchive/<tenant>.db` beside the pipeline file. */
export const ledgerPath = (prepared: Pick<PreparedPipeline, 'loaded'>): string =>
  path.resolve(
    prepared.loaded.dir,
    prepared.loaded.config.state.path ?? `.cxarchive/${prepared.loaded.config.tenant}.db`,
  );
