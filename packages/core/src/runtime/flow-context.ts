import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { ChecksumAlgorithm, Codec, PipelineEvent, Sink, Source, Transform } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import type { Batcher } from './batcher.js';
import type { InFlight, PluginHandle } from './boundary.js';
import type { Budgets } from './budgets.js';
import type { RetryPolicy } from './retry.js';

/** A sink as the flow writes to it: the checksum the runtime computes for it, or read-back. */
export interface SinkTarget extends PluginHandle<Sink> {
  /** The first of the sink's declared algorithms the runtime can compute; absent: verify by read-back. */
  readonly algorithm?: ChecksumAlgorithm;
  /** The sink's `checksumPartSize`: it reports composites over parts of this size for multipart objects. */
  readonly partSize?: number;
}

/** What the archive flow works with: read-only ports and plugins; its results are outcomes. */
export interface FlowContext {
  readonly runId: string;
  readonly tenant: string;
  /** The source's id in the ledger (its `use:` name). */
  readonly sourceId: string;
  readonly source: PluginHandle<Source>;
  readonly transforms: readonly PluginHandle<Transform>[];
  readonly codec: PluginHandle<Codec>;
  readonly sinks: readonly SinkTarget[];
  readonly ledger: Ledger;
  readonly policy: RetryPolicy;
  readonly budgets: Budgets;
  readonly inflight: InFlight;
  readonly scrubber: SecretScrubber;
  readonly logger: Logger;
  readonly concurrency: number;
  /** After the items settled, how long the archive flow goes on acknowledging (`acknowledge.drainFor`). */
  readonly acknowledgeDrainMs: number;
  /** Retention every object is written under (the pipeline's `retention:`), when asked for. */
  readonly retention?: { readonly mode: 'governance' | 'compliance'; readonly periodMs: number };
  /** Aborted when the run is stopped (Ctrl-C, SIGTERM, a lost lease). */
  readonly signal: AbortSignal;
  now(): Date;
  emit(event: PipelineEvent): void;
  /** How records become objects (`layout:` in the pipeline). */
  readonly layout: { readonly records: 'per-item' | 'batch'; readonly batchSize: number };
  /** The run's batches (batch layout only): items hand their records to it. */
  readonly batcher?: Batcher;
  /** Called after an item the source is to be told about was committed (wakes the acknowledger). */
  readonly archivedToAcknowledge?: () => void;
}
