import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';
// One registry per process, shared by every copy of core that may be loaded (a plugin can bring
// its own copy), so a secret wrapped by one copy can be read by another.
const REGISTRY = Symbol.for('@cxarchive/core/redacted');
const holder = globalThis as { [REGISTRY]?: WeakMap<object, unknown> };
holder[REGISTRY] ??= new WeakMap<object, unknown>();
const values = holder[REGISTRY];

/**
 * A secret. Printing it in any way (`String()`, template literals, `JSON.stringify`,
 * `util.inspect`, `console.log`) gives `[redacted]`; only `Redacted.value()` reveals it.
 */
export class Redacted<T = string> {
  declare readonly _brand: 'Redacted';
  private constructor(value: T) {
    values.set(this, value);
    Object.freeze(this);
  }
  static make<T>(value: T): Redacted<T> {
    return new Redacted(value);
  }
  static value<T>(secret: Redacted<T>): T {
    if (!values.has(secret)) throw new TypeError('not a Redacted value');
    return values.get(secret) as T;
  }
  static is(value: unknown): value is Redacted<unknown> {
    return typeof value === 'object' && value !== null && values.has(value);
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
  get [Symbol.toStringTag](): string {
    return REDACTED;
  }
}

/** Shorter values are not registered: replacing them would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** A cut-off secret is redacted when at least this much of it (or half of it) ends a text. */
const PREFIX_CHARS = 8;

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const HTML_ESCAPES: Readonly<Record<string, readonly string[]>> = {
  '&': ['&amp;'],
  '<': ['&lt;'],
  '>': ['&gt;'],
  '"': ['&quot;', '&#34;'],
  "'": ['&#39;', '&#x27;', '&apos;'],
};

/** The written forms of one character of a secret: `exact` as they are, `folded` in lowercase, matched in either case. */
interface CharForms {
  readonly exact: readonly string[];
  readonly folded: readonly string[];
}

/**
 * Every way one character of a secret travels in text an API may echo: as itself; percent-encoded
 * in either hex case (URLs, and form bodies, which also encode `!'()*` that `encodeURIComponent`
 * leaves alone); `+` for a space (form bodies); JSON-escaped (`\"`, `\\`, `\/`, `\u00e9`, surrogate
 * pairs); HTML-escaped. Each character may use a different form, as encoders disagree. Letters and
 * digits are taken as they are: no encoder escapes them, and literal runs keep matching fast.
 */
const formsOf = (char: string): CharForms => {
  if (/^[A-Za-z0-9]$/.test(char)) return { exact: [char], folded: [] };
  const exact = [char];
  if (char === ' ') exact.push('+');
  const json = JSON_ESCAPES[char];
  if (json !== undefined) exact.push(json);
  exact.push(...(HTML_ESCAPES[char] ?? []));
  const percent = [...Buffer.from(char, 'utf8')].map((byte) => `%${hex(byte, 2)}`).join('');
  const units = Array.from({ length: char.length }, (_, i) => `\\u${hex(char.charCodeAt(i), 4)}`).join('');
  return { exact, folded: [percent, units] };
};

/** A lowercase form as a pattern matching it in either case. */
const foldedPattern = (form: string): string =>
  [...form].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : escapeRegex(c))).join('');

const charPattern = ({ exact, folded }: CharForms): string => {
  const forms = [...exact.map(escapeRegex), ...folded.map(foldedPattern)];
  return forms.length === 1 ? (forms[0] as string) : `(?:${forms.join('|')})`;
};

/**
 * Whether `text` from `start` to its end is the first characters of a secret, each in any of its
 * forms (depth-first: `%`, `\` and `&` can start more than one form; each place is tried once).
 */
const spellsPrefix = (text: string, start: number, chars: readonly CharForms[]): boolean => {
  const stack: [number, number][] = [[start, 0]];
  const tried = new Set<number>();
  while (stack.length > 0) {
    const [pos, index] = stack.pop() as [number, number];
    if (pos === text.length) return true;
    const char = chars[index];
    const place = pos * (chars.length + 1) + index;
    if (char === undefined || tried.has(place)) continue;
    tried.add(place);
    for (const form of char.exact) if (text.startsWith(form, pos)) stack.push([pos + form.length, index + 1]);
    for (const form of char.folded) {
      if (text.slice(pos, pos + form.length).toLowerCase() === form)
        stack.push([pos + form.length, index + 1]);
    }
  }
  return false;
};

/** What may end a text after a secret cut short: a truncation mark, closing quotes or brackets, punctuation, space. */
const MARKS_END = /[\s.…"'`)\]}>,;:]{0,16}$/;
/** The same, after half an escape (`%2`, `\u00`, `&am`) the cut left. */
const CUT_END = new RegExp(`(?:%[0-9A-Fa-f]?|\\\\(?:u[0-9A-Fa-f]{0,3})?|&#?\\w{0,5})${MARKS_END.source}`);

interface Needle {
  /** Length of the value in characters; longer needles are scrubbed first. */
  readonly length: number;
  /** The value in any of its forms, anywhere. */
  readonly whole: RegExp;
  readonly chars: readonly CharForms[];
  /** Its first characters (as many as count as a cut-off secret), to find where a cut-off one may start. */
  readonly start: RegExp | undefined;
  /** How far from the end a cut-off secret can start: at most 12 characters per character (`\ud83d\ude00`). */
  readonly window: number;
}

const needleOf = (value: string): Needle => {
  const chars = [...value].map(formsOf);
  const patterns = chars.map(charPattern);
  const min = Math.max(MIN_SECRET_LENGTH, Math.min(PREFIX_CHARS, Math.ceil(chars.length / 2)));
  return {
    length: chars.length,
    whole: new RegExp(patterns.join(''), 'g'),
    chars,
    start: min < chars.length ? new RegExp(patterns.slice(0, min).join(''), 'g') : undefined,
    window: chars.length * 12,
  };
};

/**
 * Where a secret cut short would end in `text`: before the trailing marks, or before half an escape
 * and the marks (the half escape then goes too).
 */
const cutEnds = (text: string): { readonly marks: number; readonly ends: readonly number[] } => {
  const offset = Math.max(0, text.length - 32);
  const tail = text.slice(offset);
  const marks = offset + (MARKS_END.exec(tail)?.index ?? tail.length);
  const halfEscape = offset + (CUT_END.exec(tail)?.index ?? tail.length);
  return { marks, ends: halfEscape < marks ? [marks, halfEscape] : [marks] };
};

/** The text with a cut-off secret at its end replaced, or undefined when none is there. */
const cutOff = (text: string, needle: Needle): string | undefined => {
  if (needle.start === undefined) return undefined;
  const { marks, ends } = cutEnds(text);
  for (const end of ends) {
    const body = text.slice(0, end);
    needle.start.lastIndex = Math.max(0, end - needle.window);
    for (let m = needle.start.exec(body); m !== null; m = needle.start.exec(body)) {
      if (spellsPrefix(body, m.index, needle.chars))
        return `${text.slice(0, m.index)}${REDACTED}${text.slice(marks)}`;
      needle.start.lastIndex = m.index + 1;
    }
  }
  return undefined;
};

/**
 * The base64 (and base64url) text that any base64 blob holding the value contains, whatever the
 * bytes before it: for each of the three alignments, the characters made of its bits only.
 * Also the plain encoding, padded, as an `Authorization` header or a token body carries it.
 */
const base64Forms = (value: string): string[] => {
  const bytes = Buffer.from(value, 'utf8');
  const out = [bytes.toString('base64')];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const fragment = encoded.slice(
      Math.ceil((8 * offset) / 6),
      Math.floor((8 * (offset + bytes.length)) / 6),
    );
    // Shorter fragments would match unrelated base64 by chance.
    if (fragment.length >= 8) out.push(fragment);
  }
  return [...out, ...out.map((b) => b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))];
};

/**
 * The ways a form body (`application/x-www-form-urlencoded`) carries a value; encoders disagree on
 * `!'()*~`: RFC 3986 style encodes `!'()*` and leaves `~`, WHATWG `URLSearchParams` encodes `!'()~`
 * and leaves `*`, `encodeURIComponent` leaves all five. Spaces are `+`.
 */
const formEncodings = (value: string): string[] => {
  const uri = encodeURIComponent(value);
  const percent = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  return [
    uri.replace(/%20/g, '+'),
    uri.replace(/[!'()*]/g, percent).replace(/%20/g, '+'),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
};

/** Anything shaped like a JWT (registered or not), also when truncation cut it after its header. */
const JWT = new RegExp(`(?<![\\w-])eyJ[\\w-]{8,}(?:(?:\\.[\\w-]*)+|(?=${MARKS_END.source}))`, 'g');
/** A credential after an authorization scheme, as an echoed header shows it. */
const AUTHORIZATION = /\b(Bearer|Basic)((?:\s|%20|\+)+)[\w.~+/\\-]{16,}=*/gi;

const unwrap = (value: string | Redacted<unknown> | undefined | null): unknown =>
  Redacted.is(value) ? Redacted.value(value) : value;

/**
 * Replaces every registered secret in a text with `[redacted]`. Error messages from SDKs and
 * servers echo URLs, headers and bodies, so every text that leaves the process (logs, errors,
 * reports, events) goes through a scrubber. A secret is found raw, URL- or form-encoded,
 * JSON- or HTML-escaped, in base64 (alone or in a Basic `id:secret` pair), and cut short at the
 * end of a text; anything shaped like a JWT or following `Bearer`/`Basic` is redacted too.
 * Truncate only what was scrubbed: see `scrubThenTruncate`.
 */
/** Texts up to this long are remembered by `scrub`, at most this many at once. */
const SEEN_TEXT = 200;
const SEEN_ENTRIES = 4096;

export class SecretScrubber {
  readonly #needles = new Map<string, Needle>();
  #sorted: Needle[] | undefined;

  /**
   * What `scrub` gave for short texts seen recently (keys and ids of events repeat): a pure function
   * of the text and the secrets, so it is cleared whenever a secret is added. Bounded: emptied when full.
   */
  readonly #seen = new Map<string, string>();

  #register(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || this.#needles.has(value)) return;
    this.#needles.set(value, needleOf(value));
    this.#sorted = undefined;
    this.#seen.clear();
  }

  /** Registers a secret (values under 4 characters are ignored). */
  add(value: string | Redacted<unknown> | undefined | null): void {
    const raw = unwrap(value);
    if (typeof raw !== 'string' || raw.length < MIN_SECRET_LENGTH) return;
    this.#register(raw);
    for (const encoded of base64Forms(raw)) this.#register(encoded);
  }

  /**
   * Registers a secret used with an id in HTTP Basic authentication: the secret itself and
   * `base64(id:secret)`, also with both parts form-encoded first (RFC 6749 §2.3.1), in base64 whole
   * and wherever it sits inside a longer base64 text.
   */
  addBasicPair(id: string | Redacted<unknown>, secret: string | Redacted<unknown>): void {
    const rawId = unwrap(id);
    const rawSecret = unwrap(secret);
    if (typeof rawId !== 'string' || typeof rawSecret !== 'string') return;
    this.add(rawSecret);
    if (rawSecret.length < MIN_SECRET_LENGTH) return;
    // The same encoder for both parts; duplicates are registered once.
    const ids = [rawId, ...formEncodings(rawId)];
    const secrets = [rawSecret, ...formEncodings(rawSecret)];
    for (const [i, form] of secrets.entries()) {
      for (const encoded of base64Forms(form)) this.#register(encoded);
      this.#register(Buffer.from(`${ids[i]}:${form}`, 'utf8').toString('base64'));
    }
  }

  scrub(text: string): string {
    if (text.length > SEEN_TEXT) return this.#scrubNow(text);
    const known = this.#seen.get(text);
    if (known !== undefined) return known;
    const out = this.#scrubNow(text);
    if (this.#seen.size >= SEEN_ENTRIES) this.#seen.clear();
    this.#seen.set(text, out);
    return out;
  }

  #scrubNow(text: string): string {
    // Longest first, so a secret that contains another is replaced whole.
    this.#sorted ??= [...this.#needles.values()].sort((a, b) => b.length - a.length);
    let out = text;
    for (const needle of this.#sorted) out = out.replace(needle.whole, REDACTED);
    out = out.replace(AUTHORIZATION, `$1$2${REDACTED}`).replace(JWT, REDACTED);
    for (const needle of this.#sorted) out = cutOff(out, needle) ?? out;
    return out;
  }

  /** Deep-scrubs every string (and key) in a JSON-like value. */
  scrubValue<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v)) as T;
    if (Redacted.is(value)) return value;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubValue(v)]),
      ) as T;
    }
    return value;
  }
}

/**
 * Scrubs, then shortens to at most `max` characters (ending in `…` when cut). Truncating first
 * would leave a secret's prefix, or half an encoding, that no longer matches the whole secret.
 * Never cuts a surrogate pair or a `[redacted]` mark in two.
 */
export const scrubThenTruncate = (scrubber: SecretScrubber, text: string, max: number): string => {
  const clean = scrubber.scrub(text);
  if (clean.length <= max) return clean;
  if (max < 1) return '';
  let cut = max - 1;
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const mark = clean.lastIndexOf(REDACTED, cut - 1);
  if (mark >= 0 && mark + REDACTED.length > cut) cut = mark;
  return `${clean.slice(0, cut)}…`;
};
