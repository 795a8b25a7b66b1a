/**
 * Object keys (DESIGN §6). Keys are built from interaction data only and every variable is
 * confined to `[A-Za-z0-9._-]`, so `..`, absolute paths and separators cannot be smuggled in.
 */
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
export const MAX_KEY_BYTES = 1024;
export const MAX_VARIABLE_LENGTH = 200;

/**
 * Why `key` is not a safe object key, or undefined when it is. Sinks call this on every key
 * they are given, whatever the runtime promises.
 */
export const objectKeyProblem = (key: string): string | undefined => {
  if (typeof key !== 'string' || key.length === 0) return 'the key is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `the key is longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'the key is absolute (starts with "/")';
  for (const segment of key.split('/')) {
    if (segment === '') return 'the key has an empty path segment';
    if (segment === '.' || segment === '..') return `the key has a "${segment}" path segment`;
    if (!SAFE_SEGMENT.test(segment))
      return `the key segment "${segment}" has characters outside [A-Za-z0-9._-]`;
  }
  return undefined;
};

/**
 * Why `prefix` cannot be a prefix to list (`Sink.list`), or undefined when it can: `''` lists
 * everything; any other prefix must be the start of a safe key (`prefix + 'x'` passes
 * `objectKeyProblem`), so it names no traversal and no character a key cannot hold.
 */
export const listPrefixProblem = (prefix: string): string | undefined =>
  prefix === '' ? undefined : objectKeyProblem(`${prefix}x`);

/**
 * Encodes one template variable into the safe charset itself: every byte outside `[A-Za-z0-9-]`
 * and `.`, plus a leading `.` and every `_`, becomes `_XX` (uppercase hex of the UTF-8 byte).
 * Since `_` is always an escape, the encoding is injective: two different ids never share a key.
 */
export const encodeKeyVariable = (value: string): string => {
  if (value.length === 0) throw new RangeError('a key variable is empty');
  if (value.length > MAX_VARIABLE_LENGTH)
    throw new RangeError(`a key variable is longer than ${MAX_VARIABLE_LENGTH}`);
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const ch = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9-]/.test(ch) || (ch === '.' && i > 0);
    out += plain ? ch : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
};

export const DEFAULT_KEY_TEMPLATE = '{tenant}/{yyyy}/{mm}/{dd}/{itemId}/{artifact}';

export interface KeyVariables {
  readonly tenant: string;
  readonly occurredAt: Date;
  readonly itemId: string;
  readonly artifact: string;
}

/** Builds the logical object key (sinks add their own prefix) from interaction data alone. */
export const buildObjectKey = (
  vars: KeyVariables,
  extension: string,
  template = DEFAULT_KEY_TEMPLATE,
): string => {
  if (Number.isNaN(vars.occurredAt.getTime()))
    throw new RangeError(`item ${vars.itemId} has an invalid date`);
  const year = vars.occurredAt.getUTCFullYear();
  if (year < 1 || year > 9999)
    throw new RangeError(`item ${vars.itemId} has a date out of range (year ${year})`);
  const iso = vars.occurredAt.toISOString();
  const values: Record<string, string> = {
    tenant: encodeKeyVariable(vars.tenant),
    yyyy: iso.slice(0, 4),
    mm: iso.slice(5, 7),
    dd: iso.slice(8, 10),
    itemId: encodeKeyVariable(vars.itemId),
    artifact: encodeKeyVariable(vars.artifact),
  };
  const key = `${template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new RangeError(`unknown key template variable {${name}}`);
    return value;
  })}${extension}`;
  const problem = objectKeyProblem(key);
  if (problem) throw new RangeError(`built an unsafe key: ${problem}`);
  return key;
};
