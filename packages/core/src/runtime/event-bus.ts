import { auditVersion } from '../audit/audit-version.js';
import { type AuditWho, entryOfEvent } from '../audit/entry-of-event.js';
import { openAuditWriter } from '../audit/writer.js';
import type { Logger } from '../logger.js';
import type { PluginError } from '../plugin/errors.js';
import type { Notifier, PipelineEvent } from '../plugin/types.js';
import { processHost } from '../process-identity.js';
import type { SecretScrubber } from '../redacted.js';

export interface NotifierChannel {
  readonly label: string;
  /** Delivers one event (the caller applies the boundary and retries); resolves with the failure, if any. */
  deliver(event: PipelineEvent, signal: AbortSignal): Promise<PluginError | undefined>;
}

export interface EventBusOptions {
  /**
   * The audit log (JSON Lines, hash-chained: see `audit/format.ts`), appended to; created 0600.
   * Every event becomes one entry chained to the log's last one.
   */
  readonly auditFile: string;
  readonly scrubber: SecretScrubber;
  readonly logger: Logger;
  /** The progress display, called synchronously with every (scrubbed) event. */
  readonly onEvent?: (event: PipelineEvent) => void;
  readonly notifiers: readonly NotifierChannel[];
  /** Events queued per notifier before new ones are dropped (and counted). */
  readonly queueSize: number;
}

export interface NotifierStats {
  readonly label: string;
  readonly delivered: number;
  readonly failed: number;
  /** Dropped because the queue was full (a slow notifier never holds archiving back). */
  readonly dropped: number;
  /** Still queued when the run ended and the deadline passed. */
  readonly undelivered: number;
}

export interface EventBusResult {
  readonly auditWriteError?: string;
  /** The audit log as the run left it: entries written, and its head (size in bytes, last entry's hash). */
  readonly audit?: {
    readonly file: string;
    readonly entries: number;
    readonly size: number;
    readonly hash: string;
  };
  readonly notifiers: readonly NotifierStats[];
}

export interface EventBus {
  /** Never blocks and never throws: scrubs the event, chains it into the audit log, shows it, queues it for every notifier. */
  emit(event: PipelineEvent): void;
  /** Delivers what is queued (up to `deadlineMs`), writes and syncs the audit log and its head, and tells what happened. */
  close(deadlineMs: number): Promise<EventBusResult>;
}

interface Queue {
  readonly channel: NotifierChannel;
  readonly events: PipelineEvent[];
  delivered: number;
  failed: number;
  dropped: number;
  running: Promise<void> | undefined;
}

export const createEventBus = (options: EventBusOptions): EventBus => {
  const { scrubber, logger } = options;
  const audit = openAuditWriter(options.auditFile, (error) =>
    scrubber.scrub(error instanceof Error ? error.message : String(error)),
  );
  const who: AuditWho = { host: processHost(), version: auditVersion() };
  const stop = new AbortController();
  const queues: Queue[] = options.notifiers.map((channel) => ({
    channel,
    events: [],
    delivered: 0,
    failed: 0,
    dropped: 0,
    running: undefined,
  }));

  const pump = (queue: Queue): void => {
    if (queue.running) return;
    queue.running = (async () => {
      while (queue.events.length > 0 && !stop.signal.aborted) {
        const event = queue.events[0]!;
        const failure = await queue.channel.deliver(event, stop.signal);
        queue.events.shift();
        if (failure) {
          queue.failed++;
          logger.warn(`${queue.channel.label} could not deliver ${event.type}`, {
            reason: scrubber.scrub(failure.message),
          });
        } else queue.delivered++;
      }
      queue.running = undefined;
    })();
  };

  return {
    emit(event) {
      const safe = scrubber.scrubValue(event);
      audit.append(entryOfEvent(safe, who));
      try {
        options.onEvent?.(safe);
      } catch (error) {
        logger.warn('the progress display failed', {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      for (const queue of queues) {
        if (queue.events.length >= options.queueSize && safe.type !== 'run.completed') {
          queue.dropped++;
          continue;
        }
        queue.events.push(safe);
        pump(queue);
      }
    },
    async close(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(queues.map((q) => q.running)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
      stop.abort(new Error('the run ended'));
      await Promise.all(queues.map((q) => q.running));
      const audited = await audit.close();
      return {
        ...(audited.error === undefined ? {} : { auditWriteError: audited.error }),
        audit: { file: options.auditFile, entries: audited.entries, size: audited.size, hash: audited.hash },
        notifiers: queues.map((q) => ({
          label: q.channel.label,
          delivered: q.delivered,
          failed: q.failed,
          dropped: q.dropped,
          undelivered: q.events.length,
        })),
      };
    },
  };
};

export type { Notifier };
