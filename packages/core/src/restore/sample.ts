/**
 * A uniform random sample of at most `size` of the values offered (reservoir sampling, algorithm
 * R): memory holds the sample, never everything offered.
 */
export class Reservoir<T> {
  readonly #size: number;
  readonly #random: () => number;
  readonly #kept: T[] = [];
  #seen = 0;

  constructor(size: number, random: () => number = Math.random) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('a sample holds at least 1 value');
    this.#size = size;
    this.#random = random;
  }

  offer(value: T): void {
    this.#seen++;
    if (this.#kept.length < this.#size) {
      this.#kept.push(value);
      return;
    }
    const at = Math.floor(this.#random() * this.#seen);
    if (at < this.#size) this.#kept[at] = value;
  }

  /** How many values were offered in all. */
  get seen(): number {
    return this.#seen;
  }

  get values(): readonly T[] {
    return this.#kept;
  }
}
