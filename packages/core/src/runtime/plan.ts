import path from 'node:path';
import type { LoadedPipeline } from '../config/load-pipeline.js';
import { encodeKeyVariable } from '../keys.js';
import type { ItemStatus } from '../ledger/ledger.js';
import { type Logger, silentLogger } from '../logger.js';
import type { PreparedPipeline } from '../pipeline/prepare-pipeline.js';
import { pluginsOf } from '../pipeline/prepare-pipeline.js';
import { memoryJobStore } from '../plugin/define-plugin.js';
import type { Checkpoint, ListingWindow, QueriedWindow, Source } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { resolveBudgets } from './budgets.js';
import { emptyCounts, openPlanLedger, type PlanLedger } from './plan-ledger.js';
import { contextFor } from './plugins.js';
import { ledgerPath, RunSetupError, RunUsageError } from './run-options.js';

/** Listing stops after this many items unless told otherwise: a plan is a preview. */
export const DEFAULT_PLAN_MAX = 1000;
const EXAMPLES = 3;

export interface PlanOptions {
  /** The pipeline with its plugins resolved: needed to list (not with `offline`). */
  readonly prepared?: PreparedPipeline;
  /** The pipeline as loaded: all an offline plan needs (the source's secrets may be unset). */
  readonly loaded: LoadedPipeline;
  readonly scrubber: SecretScrubber;
  /** From the ledger only: no call to the source. */
  readonly offline?: boolean;
  readonly window?: ListingWindow;
  /** Stop listing after this many items, and estimate the rest. Default 1000. */
  readonly max?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

/** What listing the source found, item by item against the ledger. */
export interface PlanListing {
  readonly pages: number;
  readonly listed: number;
  /** True when the listing ended by itself; false when it stopped at `max`. */
  readonly complete: boolean;
  /** How many items the whole listing holds, as the source's API said (an estimate). */
  readonly total?: number;
  /** New to the ledger: what a run would archive. */
  readonly new: number;
  /** Listed and already in the ledger, by status: archived and dropped ones are not stored again. */
  readonly known: Record<ItemStatus, number>;
  /** The first few new items, with the key their record would get (dated by the item, once fetched). */
  readonly examples: readonly { readonly itemId: string; readonly key: string }[];
}

export interface Plan {
  readonly tenant: string;
  readonly source: string;
  readonly ledger: { readonly file: string; readonly exists: boolean };
  readonly checkpoint: Checkpoint | null;
  /** What the listing queries, when the source says (absent offline). */
  readonly window?: QueriedWindow;
  /** Whether the window is the one asked for (`--since/--until`) rather than the checkpoint's. */
  readonly windowAsked: boolean;
  /** The ledger's items by status, all of this source's. */
  readonly inLedger: Record<ItemStatus, number>;
  /** Items the next run retries before it lists anything (pending, failed, awaiting and due). */
  readonly retriedFirst: number;
  /** Bytes the sinks hold for this source's items, as the ledger recorded them. */
  readonly storedBytes: number;
  /** Absent offline. */
  readonly listing?: PlanListing;
}

const sourceInstance = async (options: PlanOptions, prepared: PreparedPipeline, now: () => Date) => {
  const plugin = prepared.source;
  const declared = pluginsOf(prepared).flatMap((p) => [...(p.definition.budgets ?? [])]);
  const { budgets } = resolveBudgets(declared, prepared.loaded.config.budgets ?? {});
  const context = contextFor(plugin, {
    tenant: prepared.loaded.config.tenant,
    baseDir: prepared.loaded.dir,
    logger: options.logger ?? silentLogger,
    now,
    budgets,
  });
  // Jobs go to memory (contextFor without a ledger): nothing a plan does is kept.
  const created = await plugin.definition.create(plugin.config, { ...context, jobs: memoryJobStore(now) });
  if (created.isErr())
    throw new RunSetupError(
      `${plugin.label} (${plugin.packageName}) refused to start: ${options.scrubber.scrub(created.error.message)}`,
    );
  return created.value as Source;
};

/** The key a new item's record would get, its date left as the pattern (known once fetched). */
const exampleKey = (tenant: string, itemId: string, recordName: string): string => {
  try {
    return `${encodeKeyVariable(tenant)}/{yyyy}/{mm}/{dd}/${encodeKeyVariable(itemId)}/${recordName}.json`;
  } catch {
    return `(no key can be made for this id)`;
  }
};

const listSource = async (
  source: Source,
  ledger: PlanLedger | undefined,
  start: Checkpoint | undefined,
  options: PlanOptions,
  tenant: string,
): Promise<PlanListing> => {
  const max = options.max ?? DEFAULT_PLAN_MAX;
  const known = emptyCounts();
  const examples: { itemId: string; key: string }[] = [];
  const recordName = source.recordName ?? 'record';
  let pages = 0;
  let listed = 0;
  let fresh = 0;
  let total: number | undefined;
  let complete = true;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const iterable = source.pages(start, stop.signal, {
      preview: true,
      ...(options.window === undefined ? {} : { window: options.window }),
    });
    for await (const result of iterable) {
      if (result.isErr())
        throw new RunSetupError(
          `the source's listing failed: ${options.scrubber.scrub(result.error.message)}`,
          'run',
        );
      const page = result.value;
      pages++;
      if (total === undefined && typeof page.total === 'number') total = page.total;
      const items = page.items.slice(0, max - listed);
      listed += items.length;
      const statuses = ledger?.statuses(items.map((i) => i.id)) ?? new Map<string, ItemStatus>();
      for (const item of items) {
        const status = statuses.get(item.id);
        if (status === undefined) {
          fresh++;
          if (examples.length < EXAMPLES)
            examples.push({ itemId: item.id, key: exampleKey(tenant, item.id, recordName) });
        } else known[status]++;
      }
      if (items.length < page.items.length || (listed >= max && !stop.signal.aborted)) {
        complete = false;
        break;
      }
      if (options.signal?.aborted) {
        complete = false;
        break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
  return {
    pages,
    listed,
    complete,
    ...(total === undefined ? {} : { total }),
    new: fresh,
    known,
    examples,
  };
};

/**
 * What a run would do now, without doing any of it (`cxarchive plan`): the ledger read-only (never
 * created, never written), the source's listing read page by page up to `max` items (as a preview:
 * nothing started at the source) and held against the ledger. Offline, the ledger alone.
 */
export const planPipeline = async (options: PlanOptions): Promise<Plan> => {
  const now = options.now ?? (() => new Date());
  const { config } = options.loaded;
  const tenant = config.tenant;
  const sourceId = config.source.use;
  const file = ledgerPath({ loaded: options.loaded });
  const ledger = (() => {
    try {
      return openPlanLedger(file, tenant, sourceId);
    } catch (error) {
      throw new RunSetupError((error as Error).message);
    }
  })();
  let source: Source | undefined;
  try {
    const checkpoint = ledger?.checkpoint();
    const base = {
      tenant,
      source: sourceId,
      ledger: { file: path.resolve(file), exists: ledger !== undefined },
      checkpoint: checkpoint ?? null,
      windowAsked: options.window !== undefined,
      inLedger: ledger?.counts() ?? emptyCounts(),
      retriedFirst: ledger?.dueUnsettled(now()) ?? 0,
      storedBytes: ledger?.storedBytes() ?? 0,
    };
    if (options.offline === true || options.prepared === undefined) return base;
    source = await sourceInstance(options, options.prepared, now);
    if (options.window !== undefined && typeof source.window !== 'function')
      throw new RunUsageError(
        `--since/--until: ${options.prepared.source.label} (${sourceId}) cannot list a window of its own dates; it only resumes from its checkpoint`,
      );
    let window: QueriedWindow | undefined;
    if (typeof source.window === 'function') {
      const said = source.window(checkpoint, options.window);
      if (said.isOk()) window = said.value;
    }
    const listing = await listSource(source, ledger, checkpoint, options, tenant);
    return { ...base, ...(window === undefined ? {} : { window }), listing };
  } finally {
    await source?.close?.();
    ledger?.close();
  }
};
