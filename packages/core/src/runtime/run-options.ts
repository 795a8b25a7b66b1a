import path from 'node:path';
import type { Logger } from '../logger.js';
import type { PreparedPipeline } from '../pipeline/prepare-pipeline.js';
import type { ListingWindow, PipelineEvent, QueriedWindow } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import type { BudgetStats } from './budgets.js';

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
  /**
   * Lists this window of the source's dates instead of resuming from the stored checkpoint (a
   * backfill), and leaves the stored checkpoint where it is. The source must be able to (it has
   * `Source.window`); otherwise the run refuses to start with a `RunUsageError`.
   */
  readonly window?: ListingWindow;
  /** Stops the listing after this many items; the checkpoint covers only the items settled. */
  readonly limit?: number;
  /**
   * Archives this one item only (by its id): its reference from the ledger, or the source's
   * `refOf`. No other item is looked at and no checkpoint is stored.
   */
  readonly item?: string;
  /** Told, before anything is listed, what the listing queries (undefined: the source does not say). */
  readonly onWindow?: (window: QueriedWindow | undefined) => void;
  /** Told of every page listed: its items and the listing's total when the source knows it. */
  readonly onListed?: (listed: { readonly items: number; readonly total?: number }) => void;
  /** Given, once the run has started, a way to read its request budgets' waits by API family. */
  readonly onBudgets?: (stats: () => Readonly<Record<string, BudgetStats>>) => void;
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

/**
 * A run asked for something the pipeline cannot do (a window from a source that cannot list one,
 * an item it cannot fetch by id): nothing was listed nor written; the request must change.
 */
export class RunUsageError extends RunSetupError {
  constructor(message: string) {
    super(message, 'start');
    this.name = 'RunUsageError';
  }
}

/** The ledger file of a pipeline: `state.path`, or `.cxarchive/<tenant>.db` beside the pipeline file. */
export const ledgerPath = (prepared: Pick<PreparedPipeline, 'loaded'>): string =>
  path.resolve(
    prepared.loaded.dir,
    prepared.loaded.config.state.path ?? `.cxarchive/${prepared.loaded.config.tenant}.db`,
  );
