import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../plugin/define-plugin.js';
import { type ConfigIssue, formatPath } from './config-error.js';
import { nearest } from './suggest.js';
import { type Interpolation, interpolationOf, locate, type YamlSource } from './yaml-source.js';

export const SECRET_KEYWORD = 'x-cxarchive-secret';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The one ajv instance of core: the pipeline schema and every plugin's schema compile here. */
// coerceTypes: values from ${VAR} are strings; where a number or boolean is expected, one is read.
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  coerceTypes: true,
  verbose: true,
  strict: false,
  discriminator: true,
});
addFormats(ajv);
ajv.addKeyword({ keyword: SECRET_KEYWORD, schemaType: 'boolean' });

const compiled = new WeakMap<object, ValidateFunction>();
const compile = (schema: JsonSchema): ValidateFunction => {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema as object);
    compiled.set(schema, fn);
  }
  return fn;
};

/** Checks that a plugin's schema compiles; a broken schema is the plugin's defect, not the user's. */
export const schemaProblem = (schema: JsonSchema): string | undefined => {
  try {
    compile(schema);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

const pointerToPath = (pointer: string): (string | number)[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** Longest value quoted in a message; longer ones are cut (the line and column show the rest). */
const MAX_SHOWN = 80;

/** A value from the file as a message quotes it; a mapping or list is named, not dumped. */
const describe = (value: unknown): string => {
  if (typeof value === 'string') {
    return `"${value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN - 1)}…` : value}"`;
  }
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
};

/** `${NAME}` when the value is one reference, else the text as written, quoted. */
const describeInterpolation = ({ template }: Interpolation): string =>
  /^\$\{[^}]*\}$/.test(template) ? template : describe(template);

/**
 * How a message names the value at fault. Never the value itself when its schema marks it secret
 * (only its place), nor when it came from the environment: `since: ${CXONE_ACCESS_KEY_SECRET}` is
 * a secret in the wrong field, and the message says "the value of ${CXONE_ACCESS_KEY_SECRET}".
 */
const shown = (error: ErrorObject, source: YamlSource, at: readonly (string | number)[]) => {
  if ((error.parentSchema as Record<string, unknown> | undefined)?.[SECRET_KEYWORD] === true) {
    return { text: 'the secret value', hidden: true };
  }
  const interpolation = interpolationOf(source, at, error.data);
  if (interpolation) return { text: `the value of ${describeInterpolation(interpolation)}`, hidden: true };
  return { text: describe(error.data), hidden: false };
};

/** Stable codes of the other schema keywords (docs/configuration.md, "Problem codes"). */
const CODES: Readonly<Record<string, string>> = {
  type: 'schema.type',
  pattern: 'schema.pattern',
  format: 'schema.format',
  minimum: 'schema.range',
  maximum: 'schema.range',
  exclusiveMinimum: 'schema.range',
  exclusiveMaximum: 'schema.range',
  minLength: 'schema.size',
  maxLength: 'schema.size',
  minItems: 'schema.size',
  maxItems: 'schema.size',
  minProperties: 'schema.size',
  maxProperties: 'schema.size',
};

/**
 * At most this many problems are listed for one block: each is located by a walk of its mapping,
 * and a file with 40,000 unknown keys needs its first few named, not all of them.
 */
export const MAX_SCHEMA_ISSUES = 50;

const issueFor = (
  error: ErrorObject,
  source: YamlSource,
  base: readonly (string | number)[],
): Omit<ConfigIssue, 'file'> & { path: string } => {
  const at = [...base, ...pointerToPath(error.instancePath)];
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = nearest(key, known);
      return {
        ...locate(source, at, key),
        path: formatPath([...at, key]),
        code: 'schema.unknown-key',
        message: `unknown key "${key.length > MAX_SHOWN ? `${key.slice(0, MAX_SHOWN - 1)}…` : key}"`,
        hint: guess
          ? `did you mean "${guess}"?`
          : known.length
            ? `valid keys here: ${known.join(', ')}`
            : undefined,
      } as Omit<ConfigIssue, 'file'> & { path: string };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const property = parent.properties?.[key] as { description?: string } | undefined;
      return {
        ...locate(source, at),
        path: formatPath(at),
        code: 'schema.missing-key',
        message: `missing required key "${key}"`,
        ...(property?.description ? { hint: `${key}: ${property.description}` } : {}),
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      const value = shown(error, source, at);
      // Even a guess says what a hidden value is close to.
      const guess =
        typeof error.data === 'string' && !value.hidden
          ? nearest(error.data, allowed.map(String))
          : undefined;
      return {
        ...locate(source, at),
        path: formatPath(at),
        code: 'schema.not-allowed',
        message: `${value.text} is not one of ${allowed.map(describe).join(', ')}`,
        ...(guess ? { hint: `did you mean ${describe(guess)}?` } : {}),
      };
    }
    case 'const':
      return {
        ...locate(source, at),
        path: formatPath(at),
        code: 'schema.not-allowed',
        message: `must be ${describe((error.params as { allowedValue: unknown }).allowedValue)}`,
      };
    default: {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        ...locate(source, at),
        path: formatPath(at),
        code: CODES[error.keyword] ?? 'schema.invalid',
        message: `${shown(error, source, at).text} ${error.message ?? 'is invalid'}`,
        ...(description ? { hint: description } : {}),
      };
    }
  }
};

/**
 * Validates `value` (which lives at `base` in the file) against `schema`, applying defaults in place.
 * Every issue carries the file, line and column of the offending YAML node.
 */
export const validateAt = (
  schema: JsonSchema,
  value: unknown,
  source: YamlSource,
  base: readonly (string | number)[],
): ConfigIssue[] => {
  const validate = compile(schema);
  if (validate(value)) return [];
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  const errors = validate.errors ?? [];
  for (const [index, error] of errors.entries()) {
    // oneOf/anyOf summaries repeat what the branch errors already say.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    if (issues.length >= MAX_SCHEMA_ISSUES) {
      const rest = errors.length - index;
      issues.push({
        file: source.file,
        ...locate(source, base),
        path: formatPath(base),
        code: 'schema.too-many',
        message: `and up to ${rest} more problem${rest === 1 ? '' : 's'} (only the first ${MAX_SCHEMA_ISSUES} are listed)`,
        hint: 'fix these first: is this the right file?',
      });
      break;
    }
    const issue = { file: source.file, ...issueFor(error, source, base) };
    const id = `${issue.path}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
};
