import { err, type JsonObject, ok, type Result } from '@cxarchive/core';
import { type CompiledRule, compileRule, type OptionProblem } from './predicates.js';
import type { FilterOptions } from './schema.js';

/** What the filter decided for one record, with the reason when it drops (rule labels only, never values). */
export type Decision = { readonly keep: true } | { readonly keep: false; readonly reason: string };

export type Decide = (record: JsonObject) => Decision;

const matches = (rule: CompiledRule, record: JsonObject) => rule.predicates.every((p) => p.test(record));

const compileList = (
  name: 'keep' | 'drop',
  rules: FilterOptions['keep'],
): Result<readonly CompiledRule[] | undefined, OptionProblem> => {
  if (rules === undefined) return ok(undefined);
  if (!Array.isArray(rules) || rules.length === 0)
    return err({ message: `${name} needs at least one rule`, path: name });
  const compiled: CompiledRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const c = compileRule(`${name}[${i}]`, rule);
    if (c.isErr()) return err(c.error);
    compiled.push(c.value);
  }
  return ok(compiled);
};

/**
 * Compiles the options into a decision per record: a drop rule that matches drops the item (the
 * first one is named); otherwise, when keep rules are given and none matches, the item is dropped;
 * otherwise it is kept.
 */
export const compileFilter = (options: FilterOptions): Result<Decide, OptionProblem> => {
  const keep = compileList('keep', options?.keep);
  if (keep.isErr()) return err(keep.error);
  const drop = compileList('drop', options?.drop);
  if (drop.isErr()) return err(drop.error);
  const keepRules = keep.value;
  const dropRules = drop.value;
  if (!keepRules && !dropRules)
    return err({ message: 'filter needs keep rules, drop rules or both', path: '' });
  return ok((record) => {
    const dropping = dropRules?.find((r) => matches(r, record));
    if (dropping)
      return {
        keep: false,
        reason: `${dropping.label} matched (${dropping.predicates.map((p) => p.name).join(', ')})`,
      };
    if (keepRules && !keepRules.some((r) => matches(r, record)))
      return { keep: false, reason: `no keep rule matched (${keepRules.length})` };
    return { keep: true };
  });
};
