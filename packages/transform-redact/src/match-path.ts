import type { JsonValue } from '@cxarchive/core';
import type { Segment } from './json-path.js';

type Container = JsonValue[] | { [key: string]: JsonValue };

/** One place a path matched: the object or array holding the value, and its key or index there. */
export interface Location {
  readonly parent: Container;
  readonly key: string | number;
}

/** Where a path's matches are, in the order they appear, each place once. */
export type Locations = Map<Container, Set<string | number>>;

const isObject = (value: JsonValue | undefined): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const add = (found: Locations, parent: Container, key: string | number) => {
  let keys = found.get(parent);
  if (!keys) {
    keys = new Set();
    found.set(parent, keys);
  }
  keys.add(key);
};

/** The children of a value, as (container, key) pairs: an object's own keys, an array's indices. */
const childrenOf = (value: JsonValue): Location[] => {
  if (Array.isArray(value)) return value.map((_, key) => ({ parent: value, key }));
  if (isObject(value)) return Object.keys(value).map((key) => ({ parent: value, key }));
  return [];
};

const valueAt = (l: Location): JsonValue | undefined =>
  Array.isArray(l.parent) ? l.parent[l.key as number] : (l.parent as Record<string, JsonValue>)[l.key];

/**
 * Finds every place `segments` match in `root` (which must be an object: a record). A location is
 * found once however many ways `**` reaches it, so an action is never applied twice to one value.
 * A key that is absent, or a `[*]` over something that is not an array, simply matches nothing.
 */
export const findLocations = (
  root: { [key: string]: JsonValue },
  segments: readonly Segment[],
): Locations => {
  const found: Locations = new Map();
  // Memo of (value, segment index) pairs already walked, so `**` stays linear in the record size.
  const walked = new Map<Container, Set<number>>();

  const step = (location: Location, value: JsonValue | undefined, index: number): void => {
    if (index === segments.length) {
      add(found, location.parent, location.key);
      return;
    }
    if (value === undefined) return;
    walk(value, index);
  };

  const walk = (value: JsonValue, index: number): void => {
    if (typeof value !== 'object' || value === null) return;
    let seen = walked.get(value);
    if (!seen) {
      seen = new Set();
      walked.set(value, seen);
    }
    if (seen.has(index)) return;
    seen.add(index);
    const segment = segments[index] as Segment;
    switch (segment.kind) {
      case 'key':
        if (isObject(value) && Object.hasOwn(value, segment.name)) {
          const location = { parent: value, key: segment.name };
          step(location, valueAt(location), index + 1);
        }
        return;
      case 'anyKey':
        if (isObject(value)) for (const l of childrenOf(value)) step(l, valueAt(l), index + 1);
        return;
      case 'anyIndex':
        if (Array.isArray(value)) for (const l of childrenOf(value)) step(l, valueAt(l), index + 1);
        return;
      case 'deep':
        // Zero levels: the rest of the path from here; more levels: from every child.
        walk(value, index + 1);
        for (const l of childrenOf(value)) {
          const child = valueAt(l);
          if (child !== undefined) walk(child, index);
        }
        return;
    }
  };

  walk(root, 0);
  return found;
};
