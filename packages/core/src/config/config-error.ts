import { escapeControl } from '../text.js';

/** One problem in a pipeline file, located so a person can jump to it. */
export interface ConfigIssue {
  readonly file: string;
  /** 1-based; undefined when the problem has no place in the file (e.g. the file is missing). */
  readonly line?: number;
  readonly column?: number;
  /** JSON path inside the file, e.g. `sinks[0].with.root`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  /**
   * Stable code of the kind of problem (`schema.unknown-key`, `env.unset`, …), for scripts and
   * for looking it up in docs/configuration.md ("Problem codes"). Codes are never renamed.
   */
  readonly code?: string;
}

/** Longest message or hint line shown; text from the file past it is cut (the location shows it). */
const MAX_LINE = 400;
const cut = (text: string): string => (text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text);

/**
 * One issue as people read it. Values, keys and paths come from the file, so control characters
 * in them are shown escaped: a value cannot forge a line or recolour the terminal. A hint keeps
 * its own line breaks.
 */
export const formatIssue = (issue: ConfigIssue): string => {
  const file = escapeControl(issue.file);
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  const at = issue.path === '' ? '' : ` (at ${escapeControl(issue.path)})`;
  const hint = issue.hint
    ? `\n    ${issue.hint
        .split('\n')
        .map((line) => escapeControl(cut(line)))
        .join('\n')}`
    : '';
  return `${where}: ${escapeControl(cut(issue.message))}${cut(at)}${hint}`;
};

/** A pipeline file that cannot be used, with every problem found (not just the first). */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /**
   * Set when the file parsed and its plugin references are usable despite the issues, so the
   * plugins' own options can still be checked and every problem reported in one go.
   */
  partial?: unknown;
  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`${count} in the pipeline file:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `['sinks', 0, 'with', 'root']` → `sinks[0].with.root` */
export const formatPath = (segments: readonly (string | number)[]): string =>
  segments.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const safe = /^[A-Za-z_$][\w$-]*$/.test(seg) ? seg : JSON.stringify(seg);
    return acc === '' ? safe : `${acc}.${safe}`;
  }, '');
