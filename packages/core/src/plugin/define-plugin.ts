import type { Result, ResultAsync } from 'neverthrow';
import type { Logger } from '../logger.js';
import type { PluginError } from './errors.js';
import type { Codec, Notifier, Sink, Source, Transform } from './types.js';

/** The plugin API version this core speaks. A plugin built for another version is refused before it runs. */
export const PLUGIN_API_VERSION = 1;

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

export interface PluginContext {
  readonly tenant: string;
  /** Directory of the pipeline file: relative paths in options resolve against it. */
  readonly baseDir: string;
  /** Where the plugin sits in the pipeline file, e.g. `sinks[0]`: its name in reports and the ledger. */
  readonly label: string;
  readonly logger: Logger;
  /** The runtime's clock; plugins use it instead of `Date.now()` so tests can control time. */
  now(): Date;
}

export interface PluginDefinition<K extends PluginKind = PluginKind, C = unknown> {
  readonly kind: K;
  readonly name: string;
  readonly apiVersion: number;
  /** The single source of the plugin's options: validation, docs and editor support. */
  readonly configSchema: JsonSchema;
  /** `config` has passed `configSchema`, with defaults applied and secrets wrapped in `Redacted`. */
  create(
    config: C,
    context: PluginContext,
  ): Result<PluginInstances[K], PluginError> | ResultAsync<PluginInstances[K], PluginError>;
}

export const definePlugin = <K extends PluginKind, C>(
  definition: PluginDefinition<K, C>,
): PluginDefinition<K, C> => Object.freeze({ ...definition });
