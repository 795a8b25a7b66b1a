import type { Result, ResultAsync } from 'neverthrow';
import type { Logger } from '../logger.js';
import type { PluginError } from './errors.js';
import type { Codec, JsonObject, Notifier, Sink, Source, Transform } from './types.js';

/**
 * The plugin API version this core speaks. A plugin built for another version is refused before
 * any of its code runs. Version 2: every operation takes an `AbortSignal`; sinks declare checksum
 * algorithms and return `Stored.checksum` from the store; `NotYet`; declared API budgets.
 */
export const PLUGIN_API_VERSION = 2;

/** What changed from each earlier API version, for the message that refuses an old plugin. */
export const API_CHANGES: Readonly<Record<number, string>> = {
  1: 'API 2 passes an AbortSignal to every operation, sinks declare `checksums` and return `Stored.checksum` from the store instead of `sha256`, `PutOptions` carries `signal`, `size`, `metadata` and `retention`, and API budgets are declared on the definition (see docs/plugin-authoring.md)',
};

export interface PluginInstances {
  source: Source;
  transform: Transform;
  codec: Codec;
  sink: Sink;
  notifier: Notifier;
}
export type PluginKind = keyof PluginInstances;
export const PLUGIN_KINDS: readonly PluginKind[] = ['source', 'transform', 'codec', 'sink', 'notifier'];

/** A JSON Schema (draft-07) object. Secret-valued properties carry `"x-cxarchive-secret": true`. */
export type JsonSchema = { readonly [key: string]: unknown };

/**
 * An API family a plugin calls and its default budget: at most `requests` requests per `per`
 * (a duration such as `5m`). The pipeline's `budgets:` block may override it.
 */
export interface BudgetDeclaration {
  readonly family: string;
  readonly requests: number;
  readonly per: string;
  /** One line for reports and `--help`: what the family is and where its limit is documented. */
  readonly description?: string;
}

/** A token bucket shared by every fiber of a run (and every worker of a tenant). */
export interface Budget {
  /**
   * Waits until the family's budget allows one more request, then counts it. Never fails for lack
   * of budget; rejects only when `signal` aborts (with `signal.reason`).
   */
  take(signal: AbortSignal): Promise<void>;
}

export interface PluginContext {
  readonly tenant: string;
  /** Directory of the pipeline file: relative paths in options resolve against it. */
  readonly baseDir: string;
  /** Where the plugin sits in the pipeline file, e.g. `sinks[0]`: its name in reports and the ledger. */
  readonly label: string;
  readonly logger: Logger;
  /** The runtime's clock; plugins use it instead of `Date.now()` so tests can control time. */
  now(): Date;
  /** The budget of a family the plugin declared; asking for an undeclared family throws (a defect). */
  budget(family: string): Budget;
  /**
   * Durable jobs of this plugin in the tenant's ledger: what it submitted to an asynchronous API (a
   * bulk download, an export) and must find again after a crash, to poll it instead of submitting
   * it twice. Scoped to the tenant and the plugin's label.
   */
  readonly jobs: JobStore;
}

/** One durable job a plugin keeps. `state` is the plugin's own JSON (ids and statuses, never content). */
export interface StoredJob {
  readonly key: string;
  readonly state: JsonObject;
  /** ISO 8601: when the job was first put, and last put. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A plugin's durable jobs. `put` resolves once the job is durable: write the job id before relying on
 * it (e.g. right after the API answered with it). Keys are the plugin's own (e.g. `media-download/<n>`).
 * Calls reject only when the ledger itself fails (the run then stops).
 */
export interface JobStore {
  get(key: string): Promise<StoredJob | undefined>;
  /** Records (or replaces) the job under `key`; `state` must be a JSON object. */
  put(key: string, state: JsonObject): Promise<void>;
  delete(key: string): Promise<void>;
  /** A page of the plugin's jobs in key order after `after`, those under `prefix` when given (default 100). */
  list(options?: {
    readonly prefix?: string;
    readonly after?: string;
    readonly limit?: number;
  }): Promise<{ readonly jobs: readonly StoredJob[]; readonly next?: string }>;
}

/**
 * A job store in memory, for plugin tests and for contexts that keep no ledger: what it holds is
 * lost with it.
 */
export const memoryJobStore = (now: () => Date = () => new Date()): JobStore => {
  const jobs = new Map<string, StoredJob>();
  return {
    get: async (key) => jobs.get(key),
    put: async (key, state) => {
      assertJobState(state);
      const at = now().toISOString();
      const created = jobs.get(key)?.createdAt ?? at;
      jobs.set(key, { key, state: structuredClone(state), createdAt: created, updatedAt: at });
    },
    delete: async (key) => {
      jobs.delete(key);
    },
    list: async (options = {}) => {
      const limit = options.limit ?? 100;
      const keys = [...jobs.keys()]
        .filter((k) => k.startsWith(options.prefix ?? '') && k > (options.after ?? ''))
        .sort()
        .slice(0, limit);
      const out = keys.map((k) => jobs.get(k)!);
      return keys.length === limit ? { jobs: out, next: keys.at(-1)! } : { jobs: out };
    },
  };
};

/** A job's state must be a JSON object: the ledger stores it as JSON, and reads back what it stored. */
export const assertJobState = (state: unknown): void => {
  if (typeof state !== 'object' || state === null || Array.isArray(state))
    throw new TypeError('a job state must be a JSON object');
};

export interface PluginDefinition<K extends PluginKind = PluginKind, C = unknown> {
  readonly kind: K;
  readonly name: string;
  readonly apiVersion: number;
  /** The single source of the plugin's options: validation (by core), docs and editor support. */
  readonly configSchema: JsonSchema;
  /** The API families the plugin calls, with their default budgets. */
  readonly budgets?: readonly BudgetDeclaration[];
  /**
   * `config` has passed `configSchema` (core validated it: the plugin trusts it), with defaults
   * applied and secrets wrapped in `Redacted`.
   */
  create(
    config: C,
    context: PluginContext,
  ): Result<PluginInstances[K], PluginError> | ResultAsync<PluginInstances[K], PluginError>;
}

export const definePlugin = <K extends PluginKind, C>(
  definition: PluginDefinition<K, C>,
): PluginDefinition<K, C> => Object.freeze({ ...definition });
