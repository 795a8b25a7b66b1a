import { createHash } from 'node:crypto';
import type { ItemRef, JobStore, Logger, Page } from '@cxarchive/core';
import { type CxoneClient, submitMediaDownload } from '@cxarchive/cxone-api';
import { withMediaRequest } from './item-ref.js';
import { isMasterLeg, isVoiceContact, masterContactIdOf } from './record.js';
import type { RecordCache } from './record-cache.js';

/**
 * `recordings: bulk`, the listing side: for each listed page, one media-download request (GEN-MD:
 * `POST /media-download/v1/contacts {entityIds}` → `requestId`) per batch of its voice masters,
 * kept in the plugin's durable job store under a key derived from the sorted ids BEFORE the page
 * is yielded, and named in each of those items' references (`mediaRequestId`, an id only). A page
 * listed again after a crash finds its request there and submits nothing. A request that cannot
 * be submitted leaves its contacts on the Media Playback path (a warning says why): nothing waits
 * on it.
 */
export interface BulkJobsDeps {
  readonly client: CxoneClient;
  readonly jobs: JobStore;
  readonly cache: RecordCache;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly batchSize: number;
}

export const BULK_JOB_PREFIX = 'media-download/';
/** Requests older than this are forgotten at the start of a listing (their refs still name them). */
export const BULK_JOB_RETENTION_MS = 3 * 86_400_000;

/** The job key of a batch: the same ids in any order give the same key. */
export const bulkJobKey = (entityIds: readonly string[]): string =>
  `${BULK_JOB_PREFIX}${createHash('sha256')
    .update([...entityIds].sort().join(','))
    .digest('hex')
    .slice(0, 40)}`;

const requestIdOf = (state: unknown): string | undefined => {
  const id = (state as { requestId?: unknown } | null)?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** Where a contact's request is found again when the contact is listed again (overlap, another page cut). */
export const contactJobKey = (contactId: string): string => `${BULK_JOB_PREFIX}contact/${contactId}`;

/**
 * The page's references, the voice masters' with their request id. A master that already has a
 * request (listed again through the overlap window, or on a page cut differently) keeps it; the
 * others are asked for in batches. Each batch's request is put under the batch's key as soon as
 * CXone answers, then under each contact's key.
 */
export async function withBulkRequests(deps: BulkJobsDeps, page: Page, signal: AbortSignal): Promise<Page> {
  const requestOf = new Map<string, string>();
  const unasked: string[] = [];
  for (const ref of page.items) {
    const record = deps.cache.get(ref.id);
    if (record === undefined || !isMasterLeg(record) || !isVoiceContact(record)) continue;
    const master = masterContactIdOf(record) as string;
    const known = requestIdOf((await deps.jobs.get(contactJobKey(master)))?.state);
    if (known === undefined) unasked.push(master);
    else requestOf.set(master, known);
  }
  for (let at = 0; at < unasked.length; at += deps.batchSize) {
    const batch = unasked.slice(at, at + deps.batchSize);
    const key = bulkJobKey(batch);
    let requestId = requestIdOf((await deps.jobs.get(key))?.state);
    if (requestId === undefined) {
      const base = await deps.client.apiBase(signal);
      const submitted = base.isErr()
        ? base
        : await submitMediaDownload({ client: deps.client, apiBase: base.value, signal }, batch);
      if (submitted.isErr()) {
        if (signal.aborted) return page;
        deps.logger.warn('cxone: a media-download request failed; its contacts use Media Playback', {
          contacts: batch.length,
          reason: submitted.error.message,
        });
        continue;
      }
      requestId = submitted.value;
      // Durable before the page is yielded: a crash after this polls the request, never submits it again.
      await deps.jobs.put(key, {
        requestId,
        contacts: batch.length,
        submittedAt: deps.now().toISOString(),
      });
    }
    for (const id of batch) {
      await deps.jobs.put(contactJobKey(id), { requestId });
      requestOf.set(id, requestId);
    }
  }
  if (requestOf.size === 0) return page;
  const items = page.items.map((ref: ItemRef) => {
    const requestId = requestOf.get(ref.id);
    return requestId === undefined ? ref : withMediaRequest(ref, requestId);
  });
  return { ...page, items };
}

/** Forgets requests older than the retention (a bounded number of pages of the store at a time). */
export async function forgetOldBulkJobs(jobs: JobStore, nowMs: number): Promise<number> {
  let after: string | undefined;
  let forgotten = 0;
  for (let pages = 0; pages < 100; pages++) {
    const page = await jobs.list({
      prefix: BULK_JOB_PREFIX,
      limit: 500,
      ...(after === undefined ? {} : { after }),
    });
    for (const job of page.jobs) {
      const created = Date.parse(job.createdAt);
      if (!Number.isNaN(created) && nowMs - created > BULK_JOB_RETENTION_MS) {
        await jobs.delete(job.key);
        forgotten++;
      }
    }
    if (page.next === undefined) break;
    after = page.next;
  }
  return forgotten;
}
