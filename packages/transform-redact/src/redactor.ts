import { err, type JsonObject, type JsonValue, ok, type Result } from '@cxarchive/core';
import { hashText, maskText, scalarText } from './actions.js';
import { type ParsedPath, parsePath } from './json-path.js';
import { findLocations } from './match-path.js';
import { DEFAULTS, MIN_KEY_LENGTH, type RedactRule } from './schema.js';

/** A rule ready to run: its paths parsed, its action bound to its settings. */
interface CompiledRule {
  readonly label: string;
  readonly action: RedactRule['action'];
  readonly paths: readonly ParsedPath[];
  /** The replacement of one scalar's text (mask, hash); absent for remove. */
  readonly replace?: (text: string) => string;
}

/** A problem with the options: the message, and the option it is about (`rules[1].paths[0]`). */
export interface OptionProblem {
  readonly message: string;
  readonly path: string;
}

/** Redacts one record: a new record (the input is never changed), or why the record cannot be redacted. */
export type Redactor = (record: JsonObject) => Result<JsonObject, string>;

/** Where a location is, for a message: `tags[0]`, `customer.email`. Keys only, never values. */
const describeAt = (trail: string, key: string | number) =>
  typeof key === 'number' ? `${trail}[${key}]` : trail === '' ? key : `${trail}.${key}`;

/**
 * Compiles the rules, checking what the schema already checked (a caller may skip core's
 * validation) plus what it cannot (a `hash` rule without a key).
 */
export const compileRedactor = (
  rules: readonly RedactRule[],
  key: string | undefined,
): Result<Redactor, OptionProblem> => {
  if (!Array.isArray(rules) || rules.length === 0)
    return err({ message: 'redact needs at least one rule', path: 'rules' });
  const keyBytes = key === undefined ? undefined : Buffer.from(key, 'utf8');
  const compiled: CompiledRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const label = `rules[${i}]`;
    if (!Array.isArray(rule?.paths) || rule.paths.length === 0)
      return err({ message: `${label} has no paths`, path: `${label}.paths` });
    const paths: ParsedPath[] = [];
    for (const [j, text] of rule.paths.entries()) {
      const parsed = parsePath(text);
      if (parsed.isErr())
        return err({
          message: `${label}.paths[${j}] "${String(text)}" is not a valid path: ${parsed.error}`,
          path: `${label}.paths[${j}]`,
        });
      paths.push(parsed.value);
    }
    switch (rule.action) {
      case 'remove':
        compiled.push({ label, action: 'remove', paths });
        break;
      case 'mask': {
        const mask = rule.mask ?? DEFAULTS.mask;
        const keepLast = rule.keepLast ?? DEFAULTS.keepLast;
        compiled.push({ label, action: 'mask', paths, replace: (text) => maskText(text, mask, keepLast) });
        break;
      }
      case 'hash': {
        if (keyBytes === undefined || key === undefined || key.length < MIN_KEY_LENGTH)
          return err({
            message: `${label} hashes, so redact needs a key of at least ${MIN_KEY_LENGTH} characters (option "key", e.g. \${REDACT_KEY})`,
            path: 'key',
          });
        compiled.push({ label, action: 'hash', paths, replace: (text) => hashText(text, keyBytes) });
        break;
      }
      default:
        return err({
          message: `${label}: unknown action "${String((rule as { action?: unknown }).action)}" (mask, remove or hash)`,
          path: `${label}.action`,
        });
    }
  }
  return ok((record) => redactRecord(record, compiled));
};

const redactRecord = (input: JsonObject, rules: readonly CompiledRule[]): Result<JsonObject, string> => {
  const record = structuredClone(input);
  for (const rule of rules) {
    for (const path of rule.paths) {
      const found = findLocations(record, path.segments);
      for (const [parent, keys] of found) {
        if (rule.action === 'remove') {
          if (Array.isArray(parent)) {
            // Highest index first, so the indices still to remove stay valid.
            for (const index of [...keys].sort((a, b) => (b as number) - (a as number)))
              parent.splice(index as number, 1);
          } else for (const k of keys) delete parent[k as string];
          continue;
        }
        for (const k of keys) {
          const value = (parent as Record<string | number, JsonValue>)[k] as JsonValue;
          if (value === null) continue;
          const text = scalarText(value);
          if (text === undefined)
            return err(
              `redact ${rule.label} (${rule.action}, path ${path.text}) matched ${Array.isArray(value) ? 'an array' : 'an object'} at ${describeAt(
                trailOf(record, parent),
                k,
              )}; mask and hash apply to strings, numbers and booleans: point the path at the fields inside, or use remove`,
            );
          (parent as Record<string | number, JsonValue>)[k] = (rule.replace as (t: string) => string)(text);
        }
      }
    }
  }
  return ok(record);
};

/** The path from the record to a container, for a message (found by a walk: messages are rare). */
const trailOf = (root: JsonValue, target: object): string => {
  const search = (value: JsonValue, trail: string): string | undefined => {
    if (value === target) return trail;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) {
        const found = search(v, `${trail}[${i}]`);
        if (found !== undefined) return found;
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        const found = search(v, trail === '' ? k : `${trail}.${k}`);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return search(root, '') ?? '?';
};
