import {
  err,
  ok,
  type Page,
  type PluginContext,
  type PluginError,
  PluginErrors,
  type Result,
  ResultAsync,
  SecretScrubber,
  type Source,
} from '@cxarchive/core';
import { createCxoneClient } from '@cxarchive/cxone-api';
import { forgetOldBulkJobs, withBulkRequests } from './bulk-jobs.js';
import { BulkRecordings } from './bulk-recording.js';
import { ExtractionDays } from './data-extraction-days.js';
import { fetchContact } from './fetch-contact.js';
import { makeRef, readRef } from './item-ref.js';
import { listContacts } from './listing.js';
import { queriedWindow } from './listing-window.js';
import { cacheCapacity, RecordCache } from './record-cache.js';
import type { CxoneSourceOptions } from './schema.js';
import { resolveSettings } from './settings.js';
import { writeBackAcknowledge } from './write-back.js';

/**
 * A contact id as `contacts/{contactId}` takes it: CXone's contactId is an integer (reference §2,
 * the generated record type). A contact known by its id alone is read from there by `fetch`.
 */
const CONTACT_ID = /^[0-9]{1,20}$/;

/** The source instance: lists completed contacts, fetches each with its call recordings. */
export const createCxoneSource = (
  options: CxoneSourceOptions,
  context: PluginContext,
  fetchImpl?: typeof fetch,
): Result<Source, PluginError> => {
  const resolved = resolveSettings(options);
  if (resolved.isErr()) return err(resolved.error);
  const settings = resolved.value;

  // The client registers the credentials (in every encoding) and each token it obtains.
  const scrubber = new SecretScrubber();
  const scrub = (error: PluginError): PluginError => ({ ...error, message: scrubber.scrub(error.message) });
  const now = () => context.now();
  const client = createCxoneClient({
    issuer: settings.issuer,
    ...(settings.apiBaseUrl === undefined ? {} : { apiBaseUrl: settings.apiBaseUrl }),
    credentials: settings.credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    tokenRefreshSkewMs: settings.tokenRefreshSkewMs,
    now,
    scrubber,
    budget: (family, signal) => context.budget(family).take(signal),
    ...(fetchImpl === undefined ? {} : { fetchImpl }),
  });
  const cache = new RecordCache(cacheCapacity(settings.pageSize));
  const fetchOption = fetchImpl === undefined ? {} : { fetchImpl };
  const bulk =
    settings.paths.recordings === 'bulk'
      ? new BulkRecordings({ client, now, timeoutMs: settings.requestTimeoutMs, scrub, ...fetchOption })
      : undefined;
  const extraction =
    settings.paths.recordingCheck === 'dataExtraction'
      ? new ExtractionDays({
          client,
          jobs: context.jobs,
          now,
          logger: context.logger,
          lagMs: settings.recordingLagMs,
          horizonMs: settings.recordingHorizonMs,
          timeoutMs: settings.requestTimeoutMs,
          ...fetchOption,
        })
      : undefined;

  async function* pages(
    checkpoint: Parameters<Source['pages']>[0],
    signal: AbortSignal,
    asked?: Parameters<Source['pages']>[2],
  ): AsyncGenerator<Result<Page, PluginError>> {
    const listing = { settings, client, cache, now, logger: context.logger };
    // A preview (`cxarchive plan`) only lists: no media-download request is made.
    const bulkJobs =
      bulk === undefined || !settings.media.has('voice') || asked?.preview === true
        ? undefined
        : {
            client,
            jobs: context.jobs,
            cache,
            logger: context.logger,
            now,
            batchSize: settings.paths.bulkBatchSize,
          };
    if (bulkJobs !== undefined) await forgetOldBulkJobs(context.jobs, now().getTime());
    for await (const page of listContacts(listing, checkpoint, signal, asked?.window)) {
      if (page.isOk() && bulkJobs !== undefined)
        yield ok(await withBulkRequests(bulkJobs, page.value, signal));
      else yield page.mapErr(scrub);
    }
  }

  // Only a source that writes back asks the runtime to acknowledge (the ledger then tracks it).
  const writeBack =
    settings.writeBack.businessData === undefined
      ? undefined
      : writeBackAcknowledge(settings.writeBack, client);
  const acknowledge: Pick<Source, 'acknowledge'> =
    writeBack === undefined
      ? {}
      : {
          acknowledge: (ref, outcome, signal) => {
            const parsed = readRef(ref);
            if (parsed.isErr()) return new ResultAsync(Promise.resolve(err(scrub(parsed.error))));
            return new ResultAsync(
              writeBack(parsed.value.contactId, outcome, signal).then((r) => r.mapErr(scrub)),
            );
          },
        };

  return ok({
    ...acknowledge,
    limits: { maxInFlight: 4 },
    recordName: 'contact',
    pages,
    window: (checkpoint, asked) => queriedWindow(settings, checkpoint, asked, now().getTime()).mapErr(scrub),
    refOf: (id) =>
      CONTACT_ID.test(id)
        ? ok(makeRef({ contactId: id }, settings.apiVersion))
        : err(
            PluginErrors.invalidInput(
              `"${id.slice(0, 40)}" is not a CXone contact id (a contactId is a number)`,
              'item id',
            ),
          ),
    fetch: (ref, signal) =>
      new ResultAsync(
        fetchContact(
          {
            settings,
            client,
            cache,
            now,
            scrub,
            ...fetchOption,
            ...(bulk === undefined ? {} : { bulk }),
            ...(extraction === undefined ? {} : { extraction }),
          },
          ref,
          signal,
        ).then((r) => r.mapErr(scrub)),
      ),
    close: async () => client.close(),
  });
};
