import {
  type Dropped,
  definePlugin,
  dropItem,
  err,
  errAsync,
  type Item,
  type Logger,
  ok,
  okAsync,
  type PluginError,
  PluginErrors,
  type Result,
  type ResultAsync,
  type Transform,
} from '@cxarchive/core';
import { compileFilter, type Decide } from './filter.js';
import { configSchema, type FilterOptions } from './schema.js';

export { compileFilter, type Decide, type Decision } from './filter.js';
export { type CompiledRule, compileRule, type OptionProblem, type Predicate } from './predicates.js';
export { configSchema, type FilterOptions, type FilterRule } from './schema.js';

/**
 * The transform around a compiled filter: the item as it is, or dropped with the rule's reason (rule
 * labels and predicate names, never values): the runtime counts it as skipped by that reason in the
 * report, and archives nothing of it.
 */
export const createFilterTransform = (decide: Decide, logger?: Logger, label = 'filter'): Transform => ({
  apply(item: Item, signal: AbortSignal): ResultAsync<Item | Dropped | null, PluginError> {
    if (signal.aborted) return errAsync(PluginErrors.transient('filter was cancelled'));
    const decision = decide(item.record ?? {});
    if (decision.keep) return okAsync(item);
    logger?.debug('item dropped by the filter', {
      itemId: item.id,
      transform: label,
      reason: decision.reason,
    });
    return okAsync(dropItem(decision.reason));
  },
});

/** Compiles the options as `create` receives them (validated by core). */
export const filterTransformOf = (
  options: FilterOptions,
  logger?: Logger,
  label?: string,
): Result<Transform, PluginError> => {
  const compiled = compileFilter(options);
  if (compiled.isErr())
    return err(
      PluginErrors.invalidInput(`filter: ${compiled.error.message}`, compiled.error.path || undefined),
    );
  return ok(createFilterTransform(compiled.value, logger, label));
};

export default definePlugin<'transform', FilterOptions>({
  kind: 'transform',
  name: 'filter',
  apiVersion: 2,
  configSchema,
  create: (config, context) => filterTransformOf(config, context.logger, context.label),
});
