import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { ConfigIssue } from './config-error.js';

/** A value that `${VAR}` references expanded: what the file says, and the variables it names. */
export interface Interpolation {
  /** The text as written in the file, e.g. `${CXONE_ACCESS_KEY_SECRET}` or `x-${A}-y`. */
  readonly template: string;
  readonly variables: readonly string[];
}

/** A parsed pipeline file that remembers where every value came from. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /**
   * The scalars whose value came (partly) from the environment. Messages about them name the
   * variable, never the value: it may be a secret put in the wrong field.
   */
  readonly interpolated: Map<Node, Interpolation>;
}

/**
 * Keys repeated in one mapping, each located at its second (and later) occurrence. The yaml
 * package's own check compares every key with every other (40,000 keys: 16 s); this one is a set
 * per mapping.
 */
const duplicateKeys = (source: YamlSource): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  visit(source.doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const pos = positionOf(source, pair.key as Node);
        issues.push({
          file: source.file,
          ...(pos ? { line: pos.line, column: pos.column } : {}),
          path: '',
          code: 'yaml.duplicate-key',
          message: `YAML: duplicate key "${key.length > 80 ? `${key.slice(0, 79)}…` : key}" (map keys must be unique)`,
          hint: 'remove one of them, or merge their values',
        });
        if (issues.length >= MAX_YAML_ISSUES) return visit.BREAK;
      }
      return undefined;
    },
  });
  return issues;
};

/** At most this many YAML problems are listed; a file with more is not worth reading further. */
const MAX_YAML_ISSUES = 20;

/**
 * A line where YAML stumbled over an unquoted `${...}`: in a flow mapping (`{ a: ${A} }`) YAML
 * reads `{` as the start of a mapping, after `key: ` a `${A}: x` reads as a nested mapping. Every
 * raw error on such a line becomes one message saying to quote the value.
 */
const quoteHint = (file: string, lineText: string, line: number): ConfigIssue => {
  const column = lineText.indexOf('${') + 1;
  return {
    file,
    line,
    column,
    path: '',
    code: 'yaml.quote-reference',
    message: 'YAML cannot read an unquoted ${...} here: put the value in quotes',
    hint: 'e.g. key: "${A}:${B}" or { key: "${A}" }. In flow style ({ ... }, [ ... ]) and wherever a value has ": " or starts with { or [, a ${...} reference must be quoted',
  };
};

/** Whether a line has `${` outside quoted strings (a rough cut: enough to name the likely cause). */
const unquotedReference = (line: string): boolean =>
  line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '').includes('${');

export const parseYamlSource = (
  file: string,
  text: string,
): { source: YamlSource; issues: ConfigIssue[] } => {
  const lines = new LineCounter();
  // Core schema: no custom tags, no language-specific types. Duplicate keys are found below.
  const doc = parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    prettyErrors: false,
    uniqueKeys: false,
  });
  const source: YamlSource = { file, doc, lines, interpolated: new Map() };
  const raw: ConfigIssue[] = [];
  const quoting = new Map<number, ConfigIssue>();
  let textLines: string[] | undefined;
  for (const error of [...doc.errors, ...doc.warnings]) {
    const pos = lines.linePos(error.pos[0]);
    if (pos) {
      textLines ??= text.split('\n');
      const lineText = textLines[pos.line - 1] ?? '';
      if (unquotedReference(lineText)) {
        if (!quoting.has(pos.line)) quoting.set(pos.line, quoteHint(file, lineText, pos.line));
        continue;
      }
    }
    if (raw.length >= MAX_YAML_ISSUES) continue;
    raw.push({
      file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      path: '',
      code: 'yaml.syntax',
      message: `YAML: ${error.message.split('\n')[0]}`,
    });
  }
  // The raw errors after an unquoted reference are mostly its consequences: quoting comes first.
  if (quoting.size > 0) return { source, issues: [...quoting.values()] };
  if (raw.length > 0) return { source, issues: raw };
  return { source, issues: duplicateKeys(source) };
};

/** Line and column (1-based) of a node's start. */
export const positionOf = (
  source: YamlSource,
  node: Node | null | undefined,
): { line: number; column: number } | undefined => {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
};

/**
 * The node at a JSON path, or the nearest ancestor that exists. With `keyOf`, the key node of
 * that property instead of its value (to point at a mistyped key).
 */
export const nodeAt = (
  source: YamlSource,
  path: readonly (string | number)[],
  keyOf?: string,
): Node | undefined => {
  let node: unknown = source.doc.contents;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair || pair.value === null) return node as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
    } else {
      return node as Node;
    }
  }
  if (keyOf !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === keyOf);
    if (pair && isScalar(pair.key)) return pair.key as Node;
  }
  return node as Node;
};

export const locate = (
  source: YamlSource,
  path: readonly (string | number)[],
  keyOf?: string,
): { line?: number; column?: number } => {
  const pos = positionOf(source, nodeAt(source, path, keyOf));
  return pos ? { line: pos.line, column: pos.column } : {};
};

/**
 * The node holding the value at a JSON path, through aliases; undefined when no single node of
 * the file holds it (a default, a merge key).
 */
export const valueNodeAt = (source: YamlSource, path: readonly (string | number)[]): Node | undefined => {
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(source.doc) : node);
  let node = resolve(source.doc.contents);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return undefined;
      node = resolve(pair.value);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = resolve(node.items[segment]);
    } else {
      return undefined;
    }
  }
  return (node ?? undefined) as Node | undefined;
};

/**
 * Where a value came from the environment: the interpolation of its node, or, when no node holds
 * it, of any interpolated scalar with the same value (a value is never shown when in doubt).
 */
export const interpolationOf = (
  source: YamlSource,
  path: readonly (string | number)[],
  value: unknown,
): Interpolation | undefined => {
  const node = valueNodeAt(source, path);
  if (node !== undefined) return source.interpolated.get(node);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  for (const [scalar, interpolation] of source.interpolated) {
    if (isScalar(scalar) && String(scalar.value) === String(value)) return interpolation;
  }
  return undefined;
};
