import {
  type CheckResult,
  err,
  type HealthCheck,
  ok,
  type PluginContext,
  type PluginError,
  type Result,
  ResultAsync,
  SecretScrubber,
} from '@cxarchive/core';
import { createCxoneClient } from '@cxarchive/cxone-api';
import { completedContactsUrl } from './listing.js';
import { formatUpdatedSince } from './listing-window.js';
import type { CxoneSourceOptions } from './schema.js';
import { resolveSettings } from './settings.js';

/**
 * The source's health check (`cxarchive validate --connect`): a token from the issuer (its
 * id_token verified, as for a run), the API base (discovered or configured), and one completed
 * contact listed from `since` (`top=1`, reference: GET /contacts/completed, cxone-api.md), with the
 * run's budgets. Nothing is fetched, downloaded or written back. Errors carry no credential.
 */
export const cxoneCheck =
  (options: CxoneSourceOptions, context: PluginContext, fetchImpl?: typeof fetch): HealthCheck =>
  (signal) =>
    new ResultAsync(run(options, context, signal, fetchImpl));

const run = async (
  options: CxoneSourceOptions,
  context: PluginContext,
  signal: AbortSignal,
  fetchImpl: typeof fetch | undefined,
): Promise<Result<CheckResult, PluginError>> => {
  const resolved = resolveSettings(options);
  if (resolved.isErr()) return err(resolved.error);
  const settings = resolved.value;
  const scrubber = new SecretScrubber();
  const scrub = (error: PluginError): PluginError => ({ ...error, message: scrubber.scrub(error.message) });
  const client = createCxoneClient({
    issuer: settings.issuer,
    ...(settings.apiBaseUrl === undefined ? {} : { apiBaseUrl: settings.apiBaseUrl }),
    credentials: settings.credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    tokenRefreshSkewMs: settings.tokenRefreshSkewMs,
    now: () => context.now(),
    scrubber,
    budget: (family, s) => context.budget(family).take(s),
    ...(fetchImpl === undefined ? {} : { fetchImpl }),
  });
  try {
    const checked: string[] = [];
    const token = await client.token(signal);
    if (token.isErr()) return err(scrub(token.error));
    checked.push(`token obtained from ${new URL(settings.issuer).origin}`);
    const base = await client.apiBase(signal);
    if (base.isErr()) return err(scrub(base.error));
    checked.push(
      `API base ${new URL(base.value).origin}${settings.apiBaseUrl === undefined ? ' (discovered)' : ''}`,
    );
    const url = completedContactsUrl(
      base.value,
      settings.apiVersion,
      formatUpdatedSince(settings.sinceMs),
      0,
      1,
      settings.filter,
    );
    const answer = await client.requestJson({ family: 'cxone-acd', url, empty: [204], signal });
    if (answer.isErr()) return err(scrub(answer.error));
    const contacts = answer.value.body?.completedContacts;
    const listed = Array.isArray(contacts) ? contacts.length : 0;
    checked.push(
      `listed completed contacts since ${formatUpdatedSince(settings.sinceMs)}: ${listed === 0 ? 'none' : 'found some'} (one contact asked for)`,
    );
    return ok({ checked });
  } finally {
    client.close();
  }
};
