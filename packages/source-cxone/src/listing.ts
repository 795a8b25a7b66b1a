import {
  type ListingWindow as AskedWindow,
  type Checkpoint,
  err,
  type ItemRef,
  type Logger,
  ok,
  type Page,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import { type CxoneClient, queryString, sameOrigin, unexpectedBody } from '@cxarchive/cxone-api';
import { type ContactFilter, filterParams, isFiltering, passesFilter } from './contact-filter.js';
import { SourceErrors } from './errors.js';
import { makeRef } from './item-ref.js';
import {
  askedListingWindow,
  checkpointMs,
  formatUpdatedSince,
  listingWindow,
  makeCheckpoint,
  RecentIds,
} from './listing-window.js';
import { contactIdOf, dateMs, mapContactRecord } from './record.js';
import type { RecordCache } from './record-cache.js';
import type { Settings } from './settings.js';
import { fieldMapFor } from './versions.js';

export interface ListingDeps {
  readonly settings: Settings;
  readonly client: CxoneClient;
  /** Receives every listed record, so `fetch` need not read it again. */
  readonly cache: RecordCache;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** Duplicates are looked for within at least this window behind the newest contact seen. */
const MIN_DEDUPE_RETENTION_MS = 3_600_000;

export const completedContactsUrl = (
  apiBase: string,
  apiVersion: string,
  updatedSince: string,
  skip: number,
  top: number,
  filter: ContactFilter = {},
): string =>
  `${apiBase}/incontactapi/services/${apiVersion}/contacts/completed?${queryString({
    updatedSince,
    orderBy: 'lastUpdateTime asc',
    ...filterParams(filter),
    skip,
    top,
  })}`;

/** A page asked for by `skip` that holds no contact not already read. */
export const repeatedPage = (skip: number): PluginError =>
  PluginErrors.permanent(
    `contacts/completed: the page at skip=${skip} repeats contacts already read; the API does not page by skip`,
  );

type Next =
  | { readonly kind: 'end' }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'skip' };

/** What `_links.next` says: a URL to follow, the end (null or empty), or nothing (page by skip). */
export const nextLink = (body: Readonly<Record<string, unknown>>, currentUrl: string): Next | PluginError => {
  const links = body._links;
  if (typeof links !== 'object' || links === null || !('next' in links)) return { kind: 'skip' };
  const next = (links as { next?: unknown }).next;
  if (next === null || next === undefined || next === '') return { kind: 'end' };
  if (typeof next !== 'string')
    return unexpectedBody({ method: 'GET', url: currentUrl }, '_links.next is not a URL');
  let url: string;
  try {
    url = new URL(next, currentUrl).toString();
  } catch {
    return unexpectedBody({ method: 'GET', url: currentUrl }, '_links.next is not a URL');
  }
  return { kind: 'url', url };
};

/**
 * Lists completed contacts (reference §2): `updatedSince` + `orderBy=lastUpdateTime asc` (plus the
 * single-id filters, contact-filter.ts), paged by `_links.next` when the API gives one or by
 * `skip`, until HTTP 204, `next: null`, an empty page, or the settle cutoff. Stops, yielding
 * nothing more, as soon as `signal` aborts. Each item reference carries ids and cursors only; the
 * records (in the archive names of versions.ts) go to the cache for `fetch`.
 *
 * A `_links.next` on another origin than the API base is never followed (the bearer token would go
 * to that host; which host real CXone puts there is not documented, fidelity §2.4): the listing
 * warns once and pages on by `skip` from the number of records read so far.
 *
 * With `asked` (`run --since/--until`), the window asked for is listed instead of resuming from
 * the checkpoint (askedListingWindow). The first page carries the answer's `totalRecords` as the
 * listing's total: an estimate, since CXone counts every contact updated since the start, also
 * those after the settle cutoff and those the filters leave out (reference §2).
 */
export async function* listContacts(
  deps: ListingDeps,
  checkpoint: Checkpoint | undefined,
  signal: AbortSignal,
  asked?: AskedWindow,
): AsyncGenerator<Result<Page, PluginError>> {
  const { settings, client } = deps;
  const from = checkpointMs(checkpoint);
  if (from.isErr()) {
    yield err(from.error);
    return;
  }
  const nowMs = deps.now().getTime();
  const window =
    asked === undefined
      ? listingWindow(settings, from.value, nowMs)
      : askedListingWindow(settings, asked, nowMs);
  if (window.startMs > window.cutoffMs || signal.aborted) return; // nothing has settled since the last run
  const base = await client.apiBase(signal);
  if (signal.aborted) return;
  if (base.isErr()) {
    yield err(base.error);
    return;
  }
  const updatedSince = formatUpdatedSince(window.startMs);
  const seen = new RecentIds(Math.max(settings.overlapMs, MIN_DEDUPE_RETENTION_MS));
  const fieldMap = fieldMapFor(settings.apiVersion);
  if (fieldMap.kind === 'unverified') {
    deps.logger.warn(
      `cxone: no public source shows the field names of ${settings.apiVersion}; reading both the v33 and the pre-v33 names`,
    );
  }
  const filtering = isFiltering(settings.filter);
  const pageUrl = (skip: number) =>
    completedContactsUrl(
      base.value,
      settings.apiVersion,
      updatedSince,
      skip,
      settings.pageSize,
      settings.filter,
    );
  let high = window.floorMs;
  /** Records read so far: where `skip` paging goes on from. */
  let read = 0;
  let bySkip = false;
  /** Whether the page being read was asked for by `skip` (not by a `_links.next`). */
  let pagedBySkip = false;
  let url = pageUrl(0);
  let total: number | undefined;
  let first = true;

  for (;;) {
    const answer = await client.requestJson({ family: 'cxone-acd', url, empty: [204], signal });
    if (signal.aborted) return;
    if (answer.isErr()) {
      yield err(answer.error);
      return;
    }
    const body = answer.value.body;
    if (body === undefined) return; // 204: no (more) contacts
    const contacts = body.completedContacts;
    if (!Array.isArray(contacts)) {
      yield err(unexpectedBody({ method: 'GET', url }, 'no completedContacts array'));
      return;
    }

    if (first && typeof body.totalRecords === 'number' && Number.isSafeInteger(body.totalRecords))
      total = Math.max(0, body.totalRecords);
    first = false;
    const items: ItemRef[] = [];
    let pastCutoff = false;
    let skipped = false;
    let fresh = false;
    for (const raw of contacts) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        deps.logger.warn('cxone: skipped a completedContacts entry that is not an object');
        continue;
      }
      const record = mapContactRecord(raw as Record<string, unknown>, fieldMap);
      const id = contactIdOf(record);
      const updatedMs = dateMs(record, 'lastUpdateTime');
      if (id === undefined || updatedMs === undefined) {
        deps.logger.warn('cxone: skipped a completed contact without contactId or lastUpdateTime', {
          contactId: id ?? null,
        });
        continue;
      }
      if (updatedMs > window.cutoffMs) {
        pastCutoff = true; // sorted ascending: everything after it is newer still
        break;
      }
      if (!seen.add(id, updatedMs)) continue;
      fresh = true;
      if (updatedMs > high) high = updatedMs;
      if (filtering && !passesFilter(record, settings.filter)) {
        skipped = true;
        continue;
      }
      deps.cache.set(id, record);
      items.push(makeRef(record, settings.apiVersion));
    }
    // A page whose contacts were all filtered out still moves the checkpoint on.
    if (items.length > 0 || skipped) {
      yield ok({ items, checkpoint: makeCheckpoint(high), ...(total === undefined ? {} : { total }) });
      total = undefined; // told once
    }
    read += contacts.length;
    if (pastCutoff || contacts.length === 0 || signal.aborted) return;
    if (!fresh && pagedBySkip) {
      // A skip-paged answer holding only contacts already read: the API ignores skip, and paging
      // on would loop for ever.
      yield err(repeatedPage(read - contacts.length));
      return;
    }

    const next = bySkip ? ({ kind: 'skip' } as const) : nextLink(body, url);
    if ('_tag' in next) {
      yield err(next);
      return;
    }
    if (next.kind === 'end') return;
    if (next.kind === 'url' && !sameOrigin(next.url, base.value)) {
      deps.logger.warn('cxone: _links.next names another host; paging on by skip instead', {
        nextOrigin: new URL(next.url).origin,
        apiOrigin: new URL(base.value).origin,
      });
      bySkip = true;
    }
    if (next.kind === 'url' && !bySkip) {
      if (next.url === url) {
        yield err(SourceErrors.repeatedNextLink(url));
        return;
      }
      url = next.url;
      pagedBySkip = false;
    } else {
      url = pageUrl(read);
      pagedBySkip = true;
    }
  }
}
