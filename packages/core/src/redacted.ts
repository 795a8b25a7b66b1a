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

/**
 * Replaces every registered secret value in a text with `[redacted]`. Error messages from
 * SDKs and servers can echo URLs, headers and bodies, so every text that leaves the process
 * (logs, errors, reports, events) goes through a scrubber.
 */
export class SecretScrubber {
  readonly #secrets = new Set<string>();
  add(value: string | Redacted<unknown> | undefined | null): void {
    const raw = Redacted.is(value) ? Redacted.value(value) : value;
    if (typeof raw === 'string' && raw.length >= 4) {
      this.#secrets.add(raw);
      // Secrets also travel URL-encoded (query strings, form bodies). Values under 4 characters are
      // not registered: replacing them would shred ordinary text.
      this.#secrets.add(encodeURIComponent(raw));
    }
  }
  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
  /** Deep-scrubs every string in a JSON-like value. */
  scrubValue<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v)) as T;
    if (Redacted.is(value)) return value;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.scrubValue(v)])) as T;
    }
    return value;
  }
}
