import {
  type Checkpoint,
  err,
  type ItemRef,
  type Logger,
  ok,
  type Page,
  type PluginError,
  type Result,
} from '@cxarchive/core';
import { type CxoneClient, queryString, sameOrigin, unexpectedBody } from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';
import { makeRef } from './item-ref.js';
import {
  checkpointMs,
  formatUpdatedSince,
  listingWindow,
  makeCheckpoint,
  RecentIds,
} from './listing-window.js';
import { contactIdOf, dateMs, mapContactRecord } from './record.js';
import type { RecordCache } from './record-cache.js';
import type { Settings } from './settings.js';

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
): string =>
  `${apiBase}/incontactapi/services/${apiVersion}/contacts/completed?${queryString({
    updatedSince,
    orderBy: 'lastUpdateTime asc',
    skip,
    top,
  })}`;

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
 * Lists completed contacts (reference §2): `updatedSince` + `orderBy=lastUpdateTime asc`, paged
 * by `_links.next` when the API gives one (same origin as the API base only) or by `skip`,
 * until HTTP 204, `next: null`, an empty page, or the settle cutoff. Stops, yielding nothing
 * more, as soon as `signal` aborts. Each item reference carries ids and cursors only; the
 * records go to the cache for `fetch`.
 */
export async function* listContacts(
  deps: ListingDeps,
  checkpoint: Checkpoint | undefined,
  signal: AbortSignal,
): AsyncGenerator<Result<Page, PluginError>> {
  const { settings, client } = deps;
  const from = checkpointMs(checkpoint);
  if (from.isErr()) {
    yield err(from.error);
    return;
  }
  const window = listingWindow(settings, from.value, deps.now().getTime());
  if (window.startMs > window.cutoffMs || signal.aborted) return; // nothing has settled since the last run
  const base = await client.apiBase(signal);
  if (signal.aborted) return;
  if (base.isErr()) {
    yield err(base.error);
    return;
  }
  const updatedSince = formatUpdatedSince(window.startMs);
  const seen = new RecentIds(Math.max(settings.overlapMs, MIN_DEDUPE_RETENTION_MS));
  let high = window.floorMs;
  let skip = 0;
  let url = completedContactsUrl(base.value, settings.apiVersion, updatedSince, skip, settings.pageSize);

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

    const items: ItemRef[] = [];
    let pastCutoff = false;
    for (const raw of contacts) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        deps.logger.warn('cxone: skipped a completedContacts entry that is not an object');
        continue;
      }
      const record = mapContactRecord(raw as Record<string, unknown>);
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
      deps.cache.set(id, record);
      items.push(makeRef(record, settings.apiVersion));
      if (updatedMs > high) high = updatedMs;
    }
    if (items.length > 0) yield ok({ items, checkpoint: makeCheckpoint(high) });
    if (pastCutoff || contacts.length === 0 || signal.aborted) return;

    const next = nextLink(body, url);
    if ('_tag' in next) {
      yield err(next);
      return;
    }
    if (next.kind === 'end') return;
    if (next.kind === 'url') {
      if (!sameOrigin(next.url, base.value)) {
        yield err(SourceErrors.foreignNextLink(next.url, base.value));
        return;
      }
      if (next.url === url) {
        yield err(SourceErrors.repeatedNextLink(url));
        return;
      }
      url = next.url;
    } else {
      skip += contacts.length;
      url = completedContactsUrl(base.value, settings.apiVersion, updatedSince, skip, settings.pageSize);
    }
  }
}
