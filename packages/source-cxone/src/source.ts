import {
  err,
  ok,
  type Page,
  type PluginContext,
  type PluginError,
  type Result,
  ResultAsync,
  SecretScrubber,
  type Source,
} from '@cxarchive/core';
import { createApiClient } from './api-client.js';
import { createAuth } from './auth.js';
import { fetchContact } from './fetch-contact.js';
import { listContacts } from './listing.js';
import type { CxoneSourceOptions } from './schema.js';
import { resolveSettings } from './settings.js';

/** The source instance: lists completed contacts, fetches each with its call recordings. */
export const createCxoneSource = (
  options: CxoneSourceOptions,
  context: PluginContext,
  fetchImpl?: typeof fetch,
): Result<Source, PluginError> => {
  const resolved = resolveSettings(options);
  if (resolved.isErr()) return err(resolved.error);
  const settings = resolved.value;

  const scrubber = new SecretScrubber();
  for (const secret of [settings.accessKeyId, settings.accessKeySecret, settings.clientSecret])
    scrubber.add(secret);
  const scrub = (error: PluginError): PluginError => ({ ...error, message: scrubber.scrub(error.message) });

  const now = () => context.now();
  const auth = createAuth({ settings, now, scrubber, ...(fetchImpl === undefined ? {} : { fetchImpl }) });
  const api = createApiClient({
    auth,
    timeoutMs: settings.requestTimeoutMs,
    now,
    ...(fetchImpl === undefined ? {} : { fetchImpl }),
  });

  async function* pages(
    checkpoint: Parameters<Source['pages']>[0],
  ): AsyncGenerator<Result<Page, PluginError>> {
    for await (const page of listContacts({ settings, auth, api, now, logger: context.logger }, checkpoint)) {
      yield page.mapErr(scrub);
    }
  }

  return ok({
    limits: { maxInFlight: 4 },
    recordName: 'contact',
    pages,
    fetch: (ref) =>
      new ResultAsync(
        fetchContact(
          { settings, auth, api, now, scrub, ...(fetchImpl === undefined ? {} : { fetchImpl }) },
          ref,
        ).then((r) => r.mapErr(scrub)),
      ),
  });
};
