import type { Ledger, LedgerObject } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { Codec, PipelineEvent, Sink, Source, Transform } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import type { Limiter } from './limiter.js';
import type { RetryPolicy } from './retry.js';

export interface Bound<T> {
  /** Where the plugin sits in the pipeline file, e.g. `sinks[0]`; also its id in the ledger. */
  readonly label: string;
  readonly instance: T;
  readonly limit: Limiter;
}

export interface RunStats {
  seen: number;
  archived: number;
  failed: number;
  skipped: number;
  duplicates: number;
  objects: number;
  plaintextBytes: number;
  storedBytes: number;
  retries: number;
  readonly failures: { itemId: string; errorTag: string; reason: string }[];
}

/** Everything one run shares across its fibers. */
export interface RunContext {
  readonly runId: string;
  readonly tenant: string;
  /** The source's id in the ledger (its `use:` name). */
  readonly sourceId: string;
  readonly source: Bound<Source>;
  readonly transforms: readonly Bound<Transform>[];
  readonly codec: Bound<Codec>;
  readonly sinks: readonly Bound<Sink>[];
  readonly ledger: Ledger;
  readonly policy: RetryPolicy;
  readonly scrubber: SecretScrubber;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly stats: RunStats;
  /** Items handled in this run, so one listed twice is processed once. */
  readonly seenIds: Set<string>;
  emit(event: PipelineEvent): void;
}

export type KnownObjects = readonly LedgerObject[];
