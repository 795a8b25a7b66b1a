import { isScalar, visit } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { formatPath } from './config-error.js';
import { positionOf, type YamlSource } from './yaml-source.js';

/** `${NAME}` or `${NAME:-default}` at the scanner's position (the default holds no `}`). */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/y;
const BARE = /\$([A-Za-z_][A-Za-z0-9_]*)/y;
const NAME_START = /[A-Za-z_{]/;

export type Environment = Readonly<Record<string, string | undefined>>;

type Problem = Pick<ConfigIssue, 'message' | 'hint' | 'code'>;

const malformed: Problem = {
  code: 'env.malformed',
  message: 'malformed variable reference',
  hint: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${',
};

const nested = (name: string): Problem => ({
  code: 'env.nested-default',
  message: `the default of \${${name}:-...} holds another reference: defaults are plain text, references are not nested`,
  hint: `give a plain default (\${${name}:-value}), or set ${name} from the other variable in the environment (${name}="\${OTHER}")`,
});

const bare = (name: string): Problem => ({
  code: 'env.bare-reference',
  message: `$${name} is not expanded: variables are written \${${name}}`,
  hint: `write \${${name}} for the variable, or $$${name} for the literal text $${name}`,
});

/**
 * Expands one string: `${NAME}`, `${NAME:-default}` (also when NAME is set but empty), `$${` and
 * `$$NAME` for the literal `${` and `$NAME`. `$NAME` without braces, a nested default and any
 * other `${` are problems (returned, and the text left as it is).
 */
const expand = (
  text: string,
  env: Environment,
): { out: string; variables: string[]; unset: string[]; problem?: Problem } => {
  const variables: string[] = [];
  const unset: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, at);
    const next = text[at + 1] ?? '';
    if (next === '$' && NAME_START.test(text[at + 2] ?? '')) {
      // `$${` → `${`, `$$NAME` → `$NAME`: the next character is taken as text.
      out += `$${text[at + 2]}`;
      i = at + 3;
      continue;
    }
    if (next === '{') {
      REFERENCE.lastIndex = at;
      const m = REFERENCE.exec(text);
      if (!m) return { out: text, variables, unset, problem: malformed };
      const [match, name, fallback] = m as unknown as [string, string, string | undefined];
      if (fallback?.includes('${')) return { out: text, variables, unset, problem: nested(name) };
      variables.push(name);
      const value = env[name];
      if (value !== undefined && value !== '') out += value;
      else if (fallback !== undefined) out += fallback;
      else {
        unset.push(name);
        out += match;
      }
      i = at + match.length;
      continue;
    }
    BARE.lastIndex = at;
    const b = BARE.exec(text);
    if (b) return { out: text, variables, unset, problem: bare(b[1]!) };
    out += '$';
    i = at + 1;
  }
  return { out, variables, unset };
};

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string value of the file, in place.
 * - An unset variable without a default is an issue naming the variable and its place.
 * - Not recursive: text that came from a variable is never expanded again, and a default holds no
 *   reference (`${A:-${B}}` is an issue, not the literal `${B}`).
 * - `$VAR` without braces is an issue (not kept as literal text, nor expanded): `$$VAR` is the
 *   literal `$VAR`, `$${` a literal `${`. A `$` not followed by a name or `{` is plain text.
 * - Expanded values are strings; validation coerces them where a number or boolean is expected, so
 *   `concurrency: ${WORKERS:-8}` works, and a secret of digits stays the string it is.
 * - Every expanded scalar is recorded in `source.interpolated`, so no message quotes its value.
 * Keys are never expanded.
 */
export const interpolate = (source: YamlSource, env: Environment): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  visit(source.doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const text = node.value;
      const pos = positionOf(source, node);
      const where = { file: source.file, ...(pos ? { line: pos.line, column: pos.column } : {}) };
      // Only when needed: finding an item's index in a long list is a linear search.
      const jsonPath = () => formatPath(pathOf(path));
      const { out, variables, unset, problem } = expand(text, env);
      if (problem) {
        issues.push({ ...where, path: jsonPath(), ...problem });
        return;
      }
      for (const name of unset) {
        issues.push({
          ...where,
          path: jsonPath(),
          code: 'env.unset',
          message: `environment variable ${name} is not set`,
          hint: `set ${name}, or give a default: \${${name}:-value}`,
        });
      }
      if (variables.length > 0) source.interpolated.set(node, { template: text, variables });
      if (out !== text) node.value = out;
    },
  });
  return issues;
};

/** Turns the visitor's ancestor chain into a JSON path. */
const pathOf = (ancestors: readonly unknown[]): (string | number)[] => {
  const out: (string | number)[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const a = ancestors[i] as { items?: unknown[]; key?: unknown };
    const next = ancestors[i + 1];
    if (Array.isArray(a.items) && next !== undefined && !('key' in (next as object))) {
      out.push(a.items.indexOf(next));
    } else if ('key' in a && isScalar(a.key)) {
      out.push(String(a.key.value));
    }
  }
  return out;
};
