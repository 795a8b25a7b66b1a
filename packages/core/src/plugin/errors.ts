import { ResultAsync } from 'neverthrow';
import type { Checksum } from './types.js';

/**
 * The closed error taxonomy of the plugin boundary (DESIGN §4).
 * Plugins classify every failure into one of these tags; the runtime alone decides
 * whether to retry (`isRetryable`), never the plugin.
 */
export type PluginError =
  | { readonly _tag: 'Transient'; readonly message: string; readonly cause?: unknown }
  | {
      readonly _tag: 'Throttled';
      readonly message: string;
      readonly retryAfterMs?: number;
      /** The declared API budget family the request counted against, when known. */
      readonly family?: string;
    }
  | { readonly _tag: 'Auth'; readonly message: string }
  | { readonly _tag: 'NotFound'; readonly message: string }
  | {
      readonly _tag: 'AlreadyExists';
      readonly message: string;
      /** The existing object's checksum, when the store told it. */
      readonly checksum?: Checksum;
    }
  /** Exists later (a recording still processing): the item stays pending (`awaiting`), never failed. */
  | { readonly _tag: 'NotYet'; readonly message: string; readonly retryAt?: Date }
  | { readonly _tag: 'InvalidInput'; readonly message: string; readonly path?: string }
  | { readonly _tag: 'Permanent'; readonly message: string; readonly cause?: unknown };

export type PluginErrorTag = PluginError['_tag'];

export const PLUGIN_ERROR_TAGS: readonly PluginErrorTag[] = [
  'Transient',
  'Throttled',
  'Auth',
  'NotFound',
  'AlreadyExists',
  'NotYet',
  'InvalidInput',
  'Permanent',
];

const RETRYABLE: ReadonlySet<PluginErrorTag> = new Set(['Transient', 'Throttled']);

/** Retryability is derived from the tag alone. */
export const isRetryable = (error: PluginError): boolean => RETRYABLE.has(error._tag);

export const isPluginError = (value: unknown): value is PluginError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { _tag?: unknown })._tag === 'string' &&
  PLUGIN_ERROR_TAGS.includes((value as { _tag: PluginErrorTag })._tag) &&
  typeof (value as { message?: unknown }).message === 'string';

/** Constructors, so plugin code reads `PluginErrors.transient('…')`. */
export const PluginErrors = {
  transient: (message: string, cause?: unknown): PluginError => ({ _tag: 'Transient', message, cause }),
  throttled: (message: string, retryAfterMs?: number, family?: string): PluginError => ({
    _tag: 'Throttled',
    message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(family === undefined ? {} : { family }),
  }),
  notYet: (message: string, retryAt?: Date): PluginError =>
    retryAt === undefined ? { _tag: 'NotYet', message } : { _tag: 'NotYet', message, retryAt },
  auth: (message: string): PluginError => ({ _tag: 'Auth', message }),
  notFound: (message: string): PluginError => ({ _tag: 'NotFound', message }),
  alreadyExists: (message: string, checksum?: Checksum): PluginError =>
    checksum === undefined
      ? { _tag: 'AlreadyExists', message }
      : { _tag: 'AlreadyExists', message, checksum },
  invalidInput: (message: string, path?: string): PluginError =>
    path === undefined ? { _tag: 'InvalidInput', message } : { _tag: 'InvalidInput', message, path },
  permanent: (message: string, cause?: unknown): PluginError => ({ _tag: 'Permanent', message, cause }),
} as const;

/**
 * An Error that carries a classified PluginError, for the two places a Result cannot be returned:
 * a stream that fails *while* it flows (destroy it with a `PluginFailure`), and plugin code written
 * with `async`/`throw` (throw a `PluginFailure`, wrap the call in `tryAsync`).
 */
export class PluginFailure extends Error {
  readonly error: PluginError;
  constructor(error: PluginError) {
    super(error.message);
    this.name = 'PluginFailure';
    this.error = error;
  }
}

/** A `PluginFailure` from any copy of core (a plugin may bring its own), recognised by shape. */
export const isPluginFailure = (value: unknown): value is PluginFailure =>
  value instanceof PluginFailure ||
  ((value as { name?: unknown } | null)?.name === 'PluginFailure' &&
    isPluginError((value as { error?: unknown }).error));

/**
 * Runs async plugin code as a ResultAsync: a thrown `PluginFailure` gives its error, anything else
 * thrown is classified by `classify` (the plugin's own error mapping).
 */
export const tryAsync = <T>(
  run: () => Promise<T>,
  classify: (cause: unknown) => PluginError,
): ResultAsync<T, PluginError> =>
  ResultAsync.fromPromise((async () => run())(), (cause) =>
    isPluginFailure(cause) ? cause.error : classify(cause),
  );

/** Classifies an error thrown out of a stream: tagged if a plugin tagged it, else transient I/O. */
export const fromStreamError = (cause: unknown): PluginError => {
  if (isPluginFailure(cause)) return cause.error;
  if (isPluginError(cause)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return PluginErrors.transient(`stream failed: ${message}`, cause);
};

/** HTTP status → tag, for plugins that speak HTTP. 401/403 are Auth (after the plugin's own refresh). */
export const classifyHttpStatus = (status: number, message: string, retryAfterMs?: number): PluginError => {
  if (status === 429) return PluginErrors.throttled(message, retryAfterMs);
  if (status === 401 || status === 403) return PluginErrors.auth(message);
  if (status === 404 || status === 410) return PluginErrors.notFound(message);
  if (status === 409 || status === 412) return PluginErrors.alreadyExists(message);
  if (status === 408 || status >= 500) return PluginErrors.transient(message);
  if (status >= 400) return PluginErrors.invalidInput(message);
  return PluginErrors.permanent(message);
};

/** Parses a `Retry-After` header (delta-seconds or HTTP date) into milliseconds from `now`. */
export const parseRetryAfter = (
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined => {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
};
