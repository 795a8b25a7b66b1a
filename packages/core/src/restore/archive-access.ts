import { existsSync } from 'node:fs';
import { Effect } from 'effect';
import { ok } from 'neverthrow';
import type { Ledger } from '../ledger/ledger.js';
import { LedgerError } from '../ledger/ledger-error.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import { type Logger, silentLogger } from '../logger.js';
import type { PreparedArchive, PreparedPlugin } from '../pipeline/prepare-pipeline.js';
import type { PluginInstances, PluginKind } from '../plugin/define-plugin.js';
import type { PluginError } from '../plugin/errors.js';
import type { Codec } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { InFlight, invoke, type PluginHandle } from '../runtime/boundary.js';
import { resolveBudgets } from '../runtime/budgets.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import { contextFor, sinkTargetOf } from '../runtime/plugins.js';
import { type RetryPolicy, retryPolicyFrom, withRetry } from '../runtime/retry.js';
import { ledgerPath, RunSetupError } from '../runtime/run-options.js';

/** What an operation through the boundary gave: its value, or the plugin's error (labelled). */
export type Outcome<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: PluginError };

/**
 * The archive as restore and verify read it: the ledger (opened, never created), the codec and
 * the sinks (created), and one way to call them — through the boundary, with the pipeline's
 * retries for transient failures, stopped by `signal`.
 */
export interface ArchiveAccess {
  readonly tenant: string;
  readonly sourceId: string;
  readonly ledger: Ledger;
  readonly codec: PluginHandle<Codec>;
  readonly sinks: readonly SinkTarget[];
  readonly concurrency: number;
  readonly signal: AbortSignal;
  readonly scrubber: SecretScrubber;
  /** Calls a plugin operation; retried while transient. */
  call<A>(
    handle: { readonly label: string; readonly permits?: PluginHandle<unknown>['permits'] },
    operation: string,
    run: (signal: AbortSignal) => PromiseLike<import('neverthrow').Result<A, PluginError>>,
    options?: { readonly retry?: boolean },
  ): Promise<Outcome<A>>;
  close(): Promise<void>;
}

export interface OpenArchiveOptions {
  readonly prepared: PreparedArchive;
  readonly scrubber: SecretScrubber;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

/**
 * Opens the archive of a pipeline for reading it back. The ledger must exist (a missing one means
 * nothing was archived from this pipeline, or `state.path` points elsewhere); a plugin that refuses
 * to start, or an unusable ledger, is a `RunSetupError` naming it.
 */
export const openArchiveAccess = async (options: OpenArchiveOptions): Promise<ArchiveAccess> => {
  const { prepared, scrubber } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { config, dir } = prepared.loaded;
  const file = ledgerPath(prepared);
  if (!existsSync(file))
    throw new RunSetupError(
      `there is no ledger at ${file}: nothing was archived with this pipeline yet, or its state.path points elsewhere`,
    );
  let ledger: Ledger;
  try {
    ledger = openSqliteLedger(file);
  } catch (error) {
    if (error instanceof LedgerError) throw new RunSetupError(error.message);
    throw error;
  }
  const signal = options.signal ?? new AbortController().signal;
  const inflight = new InFlight();
  const declared = [prepared.codec, ...prepared.sinks].flatMap((p) => [...(p.definition.budgets ?? [])]);
  const { budgets } = resolveBudgets(declared, config.budgets ?? {});
  const policy: RetryPolicy = retryPolicyFrom(config.retry);
  const created: PluginHandle<{ close?(): Promise<void> }>[] = [];

  const call: ArchiveAccess['call'] = async (handle, operation, run, callOptions) => {
    const once = invoke(inflight, handle, operation, run);
    const effect = callOptions?.retry === false ? once : withRetry(once, policy, budgets);
    try {
      const result = await Effect.runPromise(Effect.result(effect), { signal });
      return result._tag === 'Success'
        ? { ok: true, value: result.success }
        : { ok: false, error: { ...result.failure, message: scrubber.scrub(result.failure.message) } };
    } catch (cause) {
      // Interrupted by `signal`.
      return {
        ok: false,
        error: { _tag: 'Transient', message: `${handle.label}.${operation}: stopped (${String(cause)})` },
      };
    }
  };

  const make = async <K extends PluginKind>(plugin: PreparedPlugin<K>) => {
    const context = contextFor(plugin, { tenant: config.tenant, baseDir: dir, logger, now, budgets, ledger });
    const made = await call<PluginInstances[K]>(
      { label: plugin.label },
      'create',
      async () => plugin.definition.create(plugin.config, context),
      { retry: false },
    );
    if (!made.ok)
      throw new RunSetupError(
        `${plugin.label} (${plugin.packageName}) could not start: [${made.error._tag}] ${made.error.message}`,
      );
    const handle = { label: plugin.label, packageName: plugin.packageName, instance: made.value };
    created.push(handle as PluginHandle<{ close?(): Promise<void> }>);
    return handle;
  };

  const close = async () => {
    for (const handle of [...created].reverse()) {
      const closed = await call(handle, 'close', async () => {
        await handle.instance.close?.();
        return ok(undefined);
      });
      if (!closed.ok) logger.warn('a plugin failed to close', { reason: closed.error.message });
    }
    await inflight.settle(10_000);
    await ledger.close();
  };

  try {
    const codec = await make(prepared.codec);
    const sinks: SinkTarget[] = [];
    for (const s of prepared.sinks) {
      sinks.push(sinkTargetOf(await make(s)));
    }
    return {
      tenant: config.tenant,
      sourceId: prepared.sourceId,
      ledger,
      codec,
      sinks,
      concurrency: config.concurrency,
      signal,
      scrubber,
      call,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};

/**
 * The sink a `--sink` option names: its label (`sinks[1]`) or its index (`1`). Undefined when none
 * is asked for; throws an Error saying which sinks there are when it names none of them.
 */
export const chooseSink = <S extends { readonly label: string }>(
  sinks: readonly S[],
  asked: string | undefined,
): S | undefined => {
  if (asked === undefined) return undefined;
  const label = /^[0-9]+$/.test(asked) ? `sinks[${Number(asked)}]` : asked;
  const found = sinks.find((s) => s.label === label);
  if (!found)
    throw new RangeError(
      `--sink ${asked}: this pipeline has no such sink (its sinks: ${sinks.map((s, i) => `${s.label} or ${i}`).join(', ')})`,
    );
  return found;
};
