import {
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
import type { ApiClient } from './api-client.js';
import type { Auth } from './auth.js';
import { unexpectedBody } from './errors.js';
import { discard, readJsonObject } from './http.js';
import {
  checkpointMs,
  formatUpdatedSince,
  listingWindow,
  makeCheckpoint,
  RecentIds,
} from './listing-window.js';
import { contactIdOf, dateMs, mapContactRecord } from './record.js';
import type { Settings } from './settings.js';
import { queryString, redactUrl, sameOrigin } from './urls.js';

export interface ListingDeps {
  readonly settings: Settings;
  readonly auth: Auth;
  readonly api: ApiClient;
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
 * until HTTP 204, `next: null`, an empty page, or the settle cutoff.
 */
export async function* listContacts(
  deps: ListingDeps,
  checkpoint: Checkpoint | undefined,
): AsyncGenerator<Result<Page, PluginError>> {
  const { settings, api } = deps;
  const from = checkpointMs(checkpoint);
  if (from.isErr()) {
    yield err(from.error);
    return;
  }
  const window = listingWindow(settings, from.value, deps.now().getTime());
  if (window.startMs > window.cutoffMs) return; // nothing has settled since the last run
  const base = await deps.auth.apiBase();
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
    const sent = await api.get(url, 'acd');
    if (sent.isErr()) {
      yield err(sent.error);
      return;
    }
    const res = sent.value;
    if (res.status === 204) {
      await discard(res);
      return;
    }
    if (res.status !== 200) {
      yield err(await api.fail('acd', url, res));
      return;
    }
    const body = await readJsonObject({ method: 'GET', url }, res, settings.requestTimeoutMs);
    if (body.isErr()) {
      yield err(body.error);
      return;
    }
    const contacts = body.value.completedContacts;
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
      items.push({ id, data: { record } });
      if (updatedMs > high) high = updatedMs;
    }
    if (items.length > 0) yield ok({ items, checkpoint: makeCheckpoint(high) });
    if (pastCutoff || contacts.length === 0) return;

    const next = nextLink(body.value, url);
    if ('_tag' in next) {
      yield err(next);
      return;
    }
    if (next.kind === 'end') return;
    if (next.kind === 'url') {
      if (!sameOrigin(next.url, base.value)) {
        yield err(
          PluginErrors.permanent(
            `contacts/completed: _links.next points to ${redactUrl(next.url)}, outside the API base ${base.value}`,
          ),
        );
        return;
      }
      if (next.url === url) {
        yield err(PluginErrors.permanent(`contacts/completed: _links.next repeats ${redactUrl(url)}`));
        return;
      }
      url = next.url;
    } else {
      skip += contacts.length;
      url = completedContactsUrl(base.value, settings.apiVersion, updatedSince, skip, settings.pageSize);
    }
  }
}
