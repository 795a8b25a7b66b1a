import { isScalar, visit } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { formatPath } from './config-error.js';
import { positionOf, type YamlSource } from './yaml-source.js';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const MALFORMED = /\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})/;

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string value of the file, in place.
 * - An unset variable without a default is an issue naming the variable and its place.
 * - Not recursive: text that came from a variable is never expanded again.
 * - `$${` is a literal `${`.
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
      const where = () => {
        const pos = positionOf(source, node);
        return { file: source.file, ...(pos ? { line: pos.line, column: pos.column } : {}) };
      };
      const jsonPath = () => formatPath(pathOf(path));
      if (MALFORMED.test(text.replace(/\$\$\{/g, ''))) {
        issues.push({
          ...where(),
          path: jsonPath(),
          message: 'malformed variable reference',
          hint: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${',
        });
        return;
      }
      const variables: string[] = [];
      const out = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (name === undefined) return '${';
        variables.push(name);
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        issues.push({
          ...where(),
          path: jsonPath(),
          message: `environment variable ${name} is not set`,
          hint: `set ${name}, or give a default: \${${name}:-value}`,
        });
        return match;
      });
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
