import type { Dataset, SimContact } from './dataset.js';

/**
 * The filters of `contacts/completed` the simulator models, parsed from the query string, and the
 * ordered list of matching positions they select (cached, so paging through one query with
 * `skip`/`top` evaluates the filters once).
 *
 * Parameters (GEN-REP `completedContactDetails`): `startDate`/`endDate` select
 * `startDate <= contactStartDate < endDate`; `updatedSince` selects `lastUpdateTime >= updatedSince`;
 * `agentId`, `mediaTypeId`, `skillId`, `campaignId`, `teamId` select equal ids; `orderBy` is
 * `lastUpdateTime` or `contactId` with `asc`/`desc` (ties by contactId). Dates are UTC with a
 * literal `Z` or a bare date: CXone does not take offsets (CS: "does not support time zone offsets,
 * expects UTC"; TAP CHANGELOG 0.2.0). The parameters the API has but the simulator does not model
 * are refused with 400 rather than ignored, so a client relying on one cannot pass by accident.
 */
export const MODELLED_PARAMETERS = [
  'startDate',
  'endDate',
  'updatedSince',
  'agentId',
  'mediaTypeId',
  'skillId',
  'campaignId',
  'teamId',
  'orderBy',
  'skip',
  'top',
  'fields',
] as const;

/** Parameters of the real API (GEN-REP) that the simulator does not model. */
export const UNMODELLED_PARAMETERS: readonly string[] = [
  'mediaSubTypeId',
  'mediaSubTypeName',
  'toAddress',
  'fromAddress',
  'isLogged',
  'isRefused',
  'isTakeover',
  'tags',
  'analyticsProcessed',
];

const ID_FILTERS = ['agentId', 'mediaTypeId', 'skillId', 'campaignId', 'teamId'] as const;
type IdFilter = (typeof ID_FILTERS)[number];

export interface ContactQuery {
  readonly startMs?: number;
  readonly endMs?: number;
  readonly sinceMs?: number;
  readonly ids: Readonly<Partial<Record<IdFilter, number>>>;
  readonly orderBy: 'lastUpdateTime' | 'contactId';
  readonly descending: boolean;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

const UTC_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?Z)?$/;

function parseDate(name: string, value: string | null): Parsed<number | undefined> {
  if (value === null || value === '') return { ok: true, value: undefined };
  if (!UTC_DATE.test(value)) {
    return {
      ok: false,
      message: `Invalid ${name}: expected an ISO-8601 UTC date with a literal Z (no offsets), got ${value}`,
    };
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? { ok: false, message: `Invalid ${name}: not a date` } : { ok: true, value: ms };
}

/** Every parameter is one the simulator models; the first that is not, named. */
export function unknownParameter(params: URLSearchParams): string | undefined {
  for (const name of params.keys()) {
    if (UNMODELLED_PARAMETERS.includes(name)) {
      return `Parameter ${name} is not supported by the simulator`;
    }
    if (!(MODELLED_PARAMETERS as readonly string[]).includes(name)) return `Unknown parameter ${name}`;
  }
  return undefined;
}

export function parseQuery(params: URLSearchParams): Parsed<ContactQuery> {
  const dates: Record<string, number | undefined> = {};
  for (const name of ['startDate', 'endDate', 'updatedSince']) {
    const parsed = parseDate(name, params.get(name));
    if (!parsed.ok) return parsed;
    dates[name] = parsed.value;
  }
  const ids: Partial<Record<IdFilter, number>> = {};
  for (const name of ID_FILTERS) {
    const value = params.get(name);
    if (value === null || value === '') continue;
    if (!/^\d{1,15}$/.test(value)) return { ok: false, message: `Invalid ${name}: expected an integer id` };
    ids[name] = Number(value);
  }
  const orderBy = params.get('orderBy');
  let order: ContactQuery['orderBy'] = 'contactId';
  let descending = false;
  if (orderBy !== null && orderBy.trim() !== '') {
    const match = /^\s*(lastUpdateTime|contactId)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
    if (match === null) {
      return {
        ok: false,
        message: 'Invalid orderBy: use lastUpdateTime or contactId, optionally with asc or desc',
      };
    }
    order = (match[1] as string).toLowerCase() === 'contactid' ? 'contactId' : 'lastUpdateTime';
    descending = (match[2] ?? 'asc').toLowerCase() === 'desc';
  }
  const { startDate, endDate, updatedSince } = dates;
  return {
    ok: true,
    value: {
      ...(startDate === undefined ? {} : { startMs: startDate }),
      ...(endDate === undefined ? {} : { endMs: endDate }),
      ...(updatedSince === undefined ? {} : { sinceMs: updatedSince }),
      ids,
      orderBy: order,
      descending,
    },
  };
}

export function matches(contact: SimContact, query: ContactQuery): boolean {
  const start = Date.parse(contact.contactStartDate);
  if (query.startMs !== undefined && start < query.startMs) return false;
  if (query.endMs !== undefined && start >= query.endMs) return false;
  if (query.sinceMs !== undefined && Date.parse(contact.lastUpdateTime) < query.sinceMs) return false;
  for (const [name, id] of Object.entries(query.ids) as [IdFilter, number][]) {
    if (contact[name] !== id) return false;
  }
  return true;
}

/** The positions a query can match at all, from its date bounds. */
function candidateRange(dataset: Dataset, query: ContactQuery): readonly [number, number] {
  const lower = Math.max(
    query.startMs ?? Number.NEGATIVE_INFINITY,
    query.sinceMs === undefined ? Number.NEGATIVE_INFINITY : query.sinceMs - dataset.maxUpdateLagMs,
  );
  const from = lower === Number.NEGATIVE_INFINITY ? 0 : dataset.firstIndexStartingFrom(lower);
  const to = query.endMs === undefined ? dataset.size : dataset.endIndexStartingBefore(query.endMs);
  return [from, Math.max(from, to)];
}

/** The matching positions in the query's order. */
export function evaluate(dataset: Dataset, query: ContactQuery): Uint32Array {
  const [from, to] = candidateRange(dataset, query);
  let found = new Uint32Array(Math.min(1024, Math.max(1, to - from)));
  let times = query.orderBy === 'lastUpdateTime' ? new Float64Array(found.length) : undefined;
  let count = 0;
  for (let position = from; position < to; position++) {
    const contact = dataset.contactAt(position);
    if (!matches(contact, query)) continue;
    if (count === found.length) {
      const grown = new Uint32Array(found.length * 2);
      grown.set(found);
      found = grown;
      if (times !== undefined) {
        const grownTimes = new Float64Array(found.length);
        grownTimes.set(times);
        times = grownTimes;
      }
    }
    found[count] = position;
    if (times !== undefined) times[count] = Date.parse(contact.lastUpdateTime);
    count++;
  }
  let result = found.slice(0, count);
  if (times !== undefined) {
    const t = times;
    const positions = result;
    const ranks = new Uint32Array(count);
    for (let i = 0; i < count; i++) ranks[i] = i;
    // Positions are in contactId order, so a tie on time falls back to the position.
    ranks.sort(
      (a, b) => (t[a] as number) - (t[b] as number) || (positions[a] as number) - (positions[b] as number),
    );
    result = ranks.map((rank) => positions[rank] as number);
  }
  if (query.descending) result.reverse();
  return result;
}

const CACHE_ENTRIES = 8;
const caches = new WeakMap<Dataset, Map<string, Uint32Array>>();

/** `evaluate`, remembered for the last few distinct queries of a data set. */
export function matchingPositions(dataset: Dataset, query: ContactQuery): Uint32Array {
  let cache = caches.get(dataset);
  if (cache === undefined) {
    cache = new Map();
    caches.set(dataset, cache);
  }
  const key = JSON.stringify(query);
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const result = evaluate(dataset, query);
  cache.set(key, result);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return result;
}
