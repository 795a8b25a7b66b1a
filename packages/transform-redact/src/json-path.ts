import { err, ok, type Result } from '@cxarchive/core';

/**
 * The path syntax of redaction rules, deliberately small:
 *
 * - `name`: a key of an object (letters, digits, `_`, `-`, `$`, `@`), e.g. `fromAddress`;
 * - `a.b`: key `b` of the object at `a`;
 * - `*`: every key of an object (one level), e.g. `customFields.*`;
 * - `[*]`: every element of an array, after a key or `*`, e.g. `tags[*].tagName`;
 * - `**`: any depth, zero or more levels of objects and arrays, e.g. `**.email` (an `email` key
 *   anywhere, the top level included). It is never the last segment, never doubled (`**.**`) and
 *   takes no `[*]`.
 *
 * Paths start at the record's top level. There is no quoting, no index other than `[*]`, no filter.
 */
export type Segment =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'anyKey' }
  | { readonly kind: 'anyIndex' }
  | { readonly kind: 'deep' };

export interface ParsedPath {
  readonly text: string;
  readonly segments: readonly Segment[];
}

const NAME = '[A-Za-z0-9_$@-]+';

/**
 * The whole grammar as one regular expression, for the JSON Schema (so `cxarchive validate` refuses
 * a bad path with its file, line and column). `parsePath` accepts exactly the same strings: a test
 * checks that the two agree.
 */
export const PATH_PATTERN =
  `^(?!.*\\*\\*$)(?!.*\\*\\*\\.\\*\\*(?:\\.|$))(?!.*\\*\\*\\[)` +
  `(?:${NAME}|\\*\\*?)(?:\\[\\*\\])*(?:\\.(?:${NAME}|\\*\\*?)(?:\\[\\*\\])*)*$`;

const NAME_CHARS = /^[A-Za-z0-9_$@-]+$/;

/** Parses a path, or says what is wrong with it and where. */
export const parsePath = (text: string): Result<ParsedPath, string> => {
  if (typeof text !== 'string' || text === '') return err('a path cannot be empty');
  const segments: Segment[] = [];
  const parts = text.split('.');
  for (const [index, part] of parts.entries()) {
    const at = `segment ${index + 1} ("${part}")`;
    const brackets = /^(.*?)((?:\[\*\])*)$/.exec(part) as RegExpExecArray;
    const head = brackets[1] as string;
    const arrays = (brackets[2] as string).length / 3;
    if (head === '')
      return err(
        part === ''
          ? `segment ${index + 1} is empty (two dots, or a dot at the start or end)`
          : `${at}: [*] must follow a key or *`,
      );
    if (head === '**') {
      if (arrays > 0) return err(`${at}: ** already matches array elements; write ** without [*]`);
      if (index === parts.length - 1) return err(`${at}: ** must be followed by a key, e.g. **.email`);
      if (segments.at(-1)?.kind === 'deep') return err(`${at}: ** cannot follow **`);
      segments.push({ kind: 'deep' });
      continue;
    }
    if (head === '*') segments.push({ kind: 'anyKey' });
    else if (NAME_CHARS.test(head)) segments.push({ kind: 'key', name: head });
    else if (head.includes('[') || head.includes(']'))
      return err(`${at}: the only index is [*] (every element), written right after a key`);
    else
      return err(
        `${at}: a key is letters, digits, _, -, $ or @; * is every key, ** any depth (no other wildcard or quoting)`,
      );
    for (let i = 0; i < arrays; i++) segments.push({ kind: 'anyIndex' });
  }
  return ok({ text, segments });
};
