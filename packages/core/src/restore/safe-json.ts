/** What JSON leaves raw and a terminal must not see: DEL, C1, line separators, bidi controls. */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON of `value` on one line that is safe to print: the control characters JSON leaves raw are
 * written as `\uXXXX` escapes too, so the text is still valid JSON and parses to the same value.
 */
export const safeJson = (value: unknown, indent?: number): string =>
  JSON.stringify(value, null, indent).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
