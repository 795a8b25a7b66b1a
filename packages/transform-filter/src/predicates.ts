import { err, type JsonObject, type JsonValue, ok, parseDuration, type Result } from '@cxarchive/core';
import type { FilterRule } from './schema.js';

/** A compiled predicate: its name (for reasons) and its test on a record. */
export interface Predicate {
  readonly name: keyof FilterRule;
  test(record: JsonObject): boolean;
}

/** A rule whose predicates all must hold. */
export interface CompiledRule {
  readonly label: string;
  readonly predicates: readonly Predicate[];
}

export interface OptionProblem {
  readonly message: string;
  readonly path: string;
}

const fold = (text: string) => text.toLocaleLowerCase('en-US');

/**
 * Names (any case) against a name field, numbers against an id field: `skill: ["Inbound Sales",
 * 4410002]` matches skillName "inbound sales" or skillId 4410002. CXone sends ids as numbers; a
 * digit string in the record matches too.
 */
const oneOf = (
  name: keyof FilterRule,
  wanted: readonly (string | number)[],
  nameField: string,
  idField: string,
): Predicate => {
  const names = new Set(wanted.filter((w): w is string => typeof w === 'string').map(fold));
  const ids = new Set(wanted.filter((w): w is number => typeof w === 'number'));
  return {
    name,
    test(record) {
      const text = record[nameField];
      if (typeof text === 'string' && names.has(fold(text))) return true;
      const id = record[idField];
      const n =
        typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : undefined;
      return n !== undefined && ids.has(n);
    },
  };
};

/** The tag names of a record: `tags[].tagName` (v33 objects), or plain strings. */
const tagsOf = (record: JsonObject): Set<string> => {
  const tags = record.tags;
  const out = new Set<string>();
  if (!Array.isArray(tags)) return out;
  for (const tag of tags as JsonValue[]) {
    if (typeof tag === 'string') out.add(fold(tag));
    else if (
      typeof tag === 'object' &&
      tag !== null &&
      !Array.isArray(tag) &&
      typeof tag.tagName === 'string'
    )
      out.add(fold(tag.tagName));
  }
  return out;
};

const durationMs = (
  label: string,
  which: 'min' | 'max',
  text: string | undefined,
): Result<number | undefined, OptionProblem> => {
  if (text === undefined) return ok(undefined);
  try {
    return ok(parseDuration(text));
  } catch (e) {
    return err({
      message: `${label}.duration.${which}: ${(e as Error).message}`,
      path: `${label}.duration.${which}`,
    });
  }
};

const compileDuration = (
  label: string,
  range: NonNullable<FilterRule['duration']>,
): Result<Predicate, OptionProblem> => {
  const min = durationMs(label, 'min', range.min);
  if (min.isErr()) return err(min.error);
  const max = durationMs(label, 'max', range.max);
  if (max.isErr()) return err(max.error);
  const lo = min.value;
  const hi = max.value;
  if (lo === undefined && hi === undefined)
    return err({ message: `${label}.duration needs min, max or both`, path: `${label}.duration` });
  if (lo !== undefined && hi !== undefined && lo > hi)
    return err({
      message: `${label}.duration: min (${range.min}) is longer than max (${range.max}), so nothing would match: swap them`,
      path: `${label}.duration`,
    });
  return ok({
    name: 'duration',
    test(record) {
      const seconds = record.totalDurationSeconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return false;
      const ms = seconds * 1000;
      return (lo === undefined || ms >= lo) && (hi === undefined || ms <= hi);
    },
  });
};

const compileTags = (
  label: string,
  tags: NonNullable<FilterRule['tags']>,
): Result<Predicate, OptionProblem> => {
  const any = tags.any?.map(fold);
  const all = tags.all?.map(fold);
  const none = tags.none?.map(fold);
  if (!any && !all && !none)
    return err({ message: `${label}.tags needs any, all or none`, path: `${label}.tags` });
  return ok({
    name: 'tags',
    test(record) {
      const have = tagsOf(record);
      if (any && !any.some((t) => have.has(t))) return false;
      if (all && !all.every((t) => have.has(t))) return false;
      if (none?.some((t) => have.has(t))) return false;
      return true;
    },
  });
};

const KNOWN = new Set<string>(['mediaType', 'skill', 'campaign', 'direction', 'duration', 'tags']);

/** Compiles one rule (`keep[0]`, `drop[2]`), checking what a schema cannot: a range in order. */
export const compileRule = (label: string, rule: FilterRule): Result<CompiledRule, OptionProblem> => {
  if (typeof rule !== 'object' || rule === null)
    return err({ message: `${label} must be a mapping of predicates`, path: label });
  const unknown = Object.keys(rule).find((k) => !KNOWN.has(k));
  if (unknown !== undefined)
    return err({
      message: `${label}: unknown predicate "${unknown}" (mediaType, skill, campaign, direction, duration or tags)`,
      path: `${label}.${unknown}`,
    });
  const predicates: Predicate[] = [];
  if (rule.mediaType) predicates.push(oneOf('mediaType', rule.mediaType, 'mediaTypeName', 'mediaTypeId'));
  if (rule.skill) predicates.push(oneOf('skill', rule.skill, 'skillName', 'skillId'));
  if (rule.campaign) predicates.push(oneOf('campaign', rule.campaign, 'campaignName', 'campaignId'));
  if (rule.direction !== undefined) {
    const outbound = rule.direction === 'outbound';
    if (rule.direction !== 'inbound' && !outbound)
      return err({ message: `${label}.direction must be inbound or outbound`, path: `${label}.direction` });
    predicates.push({ name: 'direction', test: (record) => record.isOutbound === outbound });
  }
  if (rule.duration) {
    const p = compileDuration(label, rule.duration);
    if (p.isErr()) return err(p.error);
    predicates.push(p.value);
  }
  if (rule.tags) {
    const p = compileTags(label, rule.tags);
    if (p.isErr()) return err(p.error);
    predicates.push(p.value);
  }
  if (predicates.length === 0) return err({ message: `${label} has no predicate`, path: label });
  return ok({ label, predicates });
};
