/**
 * Characters that must never reach a terminal raw from data: C0 controls (ESC, CR, LF, TAB, …),
 * DEL, C1 controls (U+0080–U+009F, incl. NEL U+0085), the line and paragraph separators, and the
 * bidi marks, embeddings, overrides and isolates that reorder what is shown (U+061C, U+200E–U+200F,
 * U+202A–U+202E, U+2066–U+2069).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const escapeOne = (char: string): string => {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Makes text from outside (item ids, names, messages, file paths) safe to print on a terminal:
 * every control character becomes a visible escape (`\n`, `\x1b`, `\u202e`), so data cannot move
 * the cursor, forge a line, recolour the screen or reverse what follows. Text without control
 * characters is returned unchanged, so applying it twice changes nothing. Backslashes are left
 * as they are (paths stay readable).
 */
export const escapeControl = (text: string): string => text.replace(CONTROL, escapeOne);
