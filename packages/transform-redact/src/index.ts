import {
  definePlugin,
  err,
  errAsync,
  type Item,
  ok,
  okAsync,
  type PluginError,
  PluginErrors,
  Redacted,
  type Result,
  type ResultAsync,
  type Transform,
} from '@cxarchive/core';
import { compileRedactor, type Redactor } from './redactor.js';
import { configSchema, type RedactOptions } from './schema.js';

export { HASH_PREFIX, hashText, maskText } from './actions.js';
export { PATH_PATTERN, type ParsedPath, parsePath, type Segment } from './json-path.js';
export { findLocations } from './match-path.js';
export { compileRedactor, type OptionProblem, type Redactor } from './redactor.js';
export { configSchema, DEFAULTS, MIN_KEY_LENGTH, type RedactOptions, type RedactRule } from './schema.js';

/** The transform around a compiled redactor: the record redacted, everything else of the item kept. */
export const createRedactTransform = (redact: Redactor): Transform => ({
  apply(item: Item, signal: AbortSignal): ResultAsync<Item | null, PluginError> {
    if (signal.aborted) return errAsync(PluginErrors.transient('redact was cancelled'));
    const redacted = redact(item.record ?? {});
    if (redacted.isErr()) return errAsync(PluginErrors.invalidInput(redacted.error));
    return okAsync({ ...item, record: redacted.value });
  },
});

/** Compiles the options as `create` receives them (validated by core, the key in `Redacted`). */
export const redactTransformOf = (options: RedactOptions): Result<Transform, PluginError> => {
  const raw: unknown = options.key;
  const key = Redacted.is(raw)
    ? Redacted.value(raw as Redacted<string>)
    : typeof raw === 'string'
      ? raw
      : undefined;
  const compiled = compileRedactor(options.rules, key);
  if (compiled.isErr()) return err(PluginErrors.invalidInput(compiled.error.message, compiled.error.path));
  return ok(createRedactTransform(compiled.value));
};

export default definePlugin<'transform', RedactOptions>({
  kind: 'transform',
  name: 'redact',
  apiVersion: 2,
  configSchema,
  create: (config) => redactTransformOf(config),
});
