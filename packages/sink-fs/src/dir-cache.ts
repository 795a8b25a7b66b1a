/** How many directories a sink remembers by default. */
export const DIRECTORY_CACHE_SIZE = 4096;

/**
 * The directories a sink has created or checked (resolved inside the real root, a directory), by
 * their path under the root, so a put into a known directory creates and resolves nothing again.
 * Bounded: the least recently used is forgotten first. The sink clears it when a write finds a
 * remembered directory gone (`link` fails `ENOENT` or `ENOTDIR`), then prepares the path anew.
 */
export class DirectoryCache {
  readonly #capacity: number;
  /** Path under the root (key segments joined by `/`) → real path; most recently used last. */
  readonly #dirs = new Map<string, string>();

  constructor(capacity = DIRECTORY_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`the directory cache holds at least one directory, got ${String(capacity)}`);
    this.#capacity = capacity;
  }

  /** The real path of a remembered directory. */
  get(relative: string): string | undefined {
    const real = this.#dirs.get(relative);
    if (real !== undefined) {
      this.#dirs.delete(relative);
      this.#dirs.set(relative, real);
    }
    return real;
  }

  remember(relative: string, real: string): void {
    this.#dirs.delete(relative);
    this.#dirs.set(relative, real);
    if (this.#dirs.size > this.#capacity) this.#dirs.delete(this.#dirs.keys().next().value as string);
  }

  clear(): void {
    this.#dirs.clear();
  }

  get size(): number {
    return this.#dirs.size;
  }
}
