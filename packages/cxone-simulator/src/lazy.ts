/**
 * Read-only views whose elements are computed when read, so a data set of a million contacts costs
 * no memory until something looks at it.
 */

const INDEX = /^(?:0|[1-9]\d*)$/;

function indexOf(property: string | symbol, length: number): number | undefined {
  if (typeof property !== 'string' || !INDEX.test(property)) return undefined;
  const index = Number(property);
  return index < length ? index : undefined;
}

/**
 * An array of `length` elements where element `i` is `at(i)`, computed on every read (nothing is
 * kept). It behaves as a frozen array: indexing, `length`, iteration, every `Array.prototype`
 * method, `JSON.stringify` and `Object.keys` work; writes throw.
 */
export function lazyList<T>(length: number, at: (index: number) => T): readonly T[] {
  const target: T[] = [];
  target.length = length; // a sparse array: no element is stored
  return new Proxy(target, {
    get(object, property, receiver) {
      const index = indexOf(property, length);
      return index === undefined ? Reflect.get(object, property, receiver) : at(index);
    },
    has(object, property) {
      return indexOf(property, length) !== undefined || Reflect.has(object, property);
    },
    ownKeys(object) {
      const keys: (string | symbol)[] = [];
      for (let index = 0; index < length; index++) keys.push(String(index));
      return [...keys, ...Reflect.ownKeys(object)];
    },
    getOwnPropertyDescriptor(object, property) {
      const index = indexOf(property, length);
      if (index === undefined) return Reflect.getOwnPropertyDescriptor(object, property);
      return { value: at(index), writable: false, enumerable: true, configurable: true };
    },
    set() {
      throw new TypeError('the data set is read-only');
    },
    deleteProperty() {
      throw new TypeError('the data set is read-only');
    },
    defineProperty() {
      throw new TypeError('the data set is read-only');
    },
  });
}

/** What a lazy map needs: a lookup, and (for iteration) its keys in order. */
export interface LazyMapSource<K, V> {
  get(key: K): V | undefined;
  keys(): Iterable<K>;
  /** The number of entries; computed on first use when omitted (by walking the keys). */
  readonly size?: () => number;
}

/** A `ReadonlyMap` whose entries are looked up on demand instead of stored. */
export class LazyMap<K, V> implements ReadonlyMap<K, V> {
  readonly #source: LazyMapSource<K, V>;
  #size: number | undefined;

  constructor(source: LazyMapSource<K, V>) {
    this.#source = source;
  }

  get(key: K): V | undefined {
    return this.#source.get(key);
  }

  has(key: K): boolean {
    return this.#source.get(key) !== undefined;
  }

  get size(): number {
    if (this.#size === undefined) {
      if (this.#source.size !== undefined) this.#size = this.#source.size();
      else {
        let count = 0;
        for (const _ of this.#source.keys()) count++;
        this.#size = count;
      }
    }
    return this.#size;
  }

  *#entries(): Generator<[K, V]> {
    for (const key of this.#source.keys()) {
      const value = this.#source.get(key);
      if (value !== undefined) yield [key, value];
    }
  }

  *#keys(): Generator<K> {
    for (const [key] of this.#entries()) yield key;
  }

  *#values(): Generator<V> {
    for (const [, value] of this.#entries()) yield value;
  }

  entries(): MapIterator<[K, V]> {
    return this.#entries() as unknown as MapIterator<[K, V]>;
  }

  keys(): MapIterator<K> {
    return this.#keys() as unknown as MapIterator<K>;
  }

  values(): MapIterator<V> {
    return this.#values() as unknown as MapIterator<V>;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#entries()) callback.call(thisArg, value, key, this);
  }
}
