/** Characters JSON.stringify leaves raw that a terminal would act on: DEL, C1, separators, bidi marks. */
const RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One JSON Lines line: the value as JSON with every control character escaped as `\uXXXX`
 * (JSON.stringify does C0; the rest here), so a line stays one line, valid JSON, and inert on a
 * terminal whatever the data holds.
 */
export const jsonLine = (value: unknown): string =>
  `${JSON.stringify(value).replace(RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
