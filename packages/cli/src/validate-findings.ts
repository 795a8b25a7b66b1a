import { type ConfigIssue, escapeControl, formatIssue } from '@cxarchive/core/host';

export type Severity = 'error' | 'warning' | 'note';

/** One thing `validate` found: a located, coded issue with its weight. */
export interface Finding extends ConfigIssue {
  readonly severity: Severity;
  readonly code: string;
}

/**
 * The code of an issue made without one (the plugin references checked while preparing the
 * pipeline): an unresolvable `use`, a plugin with a broken options schema, anything else.
 */
const codeOf = (issue: ConfigIssue): string => {
  if (issue.code) return issue.code;
  if (/\.use$/.test(issue.path))
    return /invalid options schema/.test(issue.message) ? 'plugin.bad-schema' : 'plugin.unresolved';
  return 'config.invalid';
};

export const finding = (issue: ConfigIssue, severity: Severity = 'error'): Finding => ({
  ...issue,
  severity,
  code: codeOf(issue),
});

const LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'note' };

/** `file:line:col: message (at path) [code]` with its hint, as `formatIssue` shows issues. */
export const formatFinding = (f: Finding): string => {
  const [first, ...rest] = formatIssue(f).split('\n');
  return [`${LABEL[f.severity]}: ${first} [${escapeControl(f.code)}]`, ...rest].join('\n');
};

/** Findings in file order (those without a place first), errors before warnings on one line. */
export const sortFindings = (all: readonly Finding[]): Finding[] => {
  const rank: Record<Severity, number> = { error: 0, warning: 1, note: 2 };
  return [...all].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      rank[a.severity] - rank[b.severity],
  );
};

const MAX_TEXT = 400;
const cut = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/**
 * A finding as JSON: plain fields (JSON escapes control characters), long texts cut as in the
 * text output.
 */
export const findingJson = (f: Finding) => ({
  severity: f.severity,
  code: f.code,
  file: f.file,
  ...(f.line === undefined ? {} : { line: f.line, column: f.column ?? 1 }),
  path: cut(f.path),
  message: cut(f.message),
  ...(f.hint === undefined ? {} : { hint: f.hint.split('\n').map(cut).join('\n') }),
});
