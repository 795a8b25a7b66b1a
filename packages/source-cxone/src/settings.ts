import { err, ok, type PluginError, PluginErrors, parseDuration, Result } from '@cxarchive/core';
import { type CxoneCredentials, resolveConnection } from '@cxarchive/cxone-api';
import type { ContactFilter } from './contact-filter.js';
import { type DetailKind, resolveDetails } from './details.js';
import { resolveRecordingHorizon } from './media-options.js';
import { type RecordingPathSettings, resolveRecordingPaths } from './recording-paths.js';
import { type CxoneSourceOptions, DEFAULTS, MEDIA_KINDS, type MediaKind } from './schema.js';
import { API_VERSION_PATTERN } from './versions.js';
import { resolveWriteBack, type WriteBackSettings } from './write-back.js';

/** The resolved options in the units the code works with (milliseconds, epoch times; secrets stay wrapped). */
export interface Settings {
  readonly issuer: string;
  readonly apiBaseUrl: string | undefined;
  readonly credentials: CxoneCredentials;
  readonly sinceMs: number;
  readonly settleLagMs: number;
  readonly overlapMs: number;
  readonly recordingLagMs: number;
  /** How long after a voice contact ends a missing recording is still waited for. */
  readonly recordingHorizonMs: number;
  readonly media: ReadonlySet<MediaKind>;
  readonly apiVersion: string;
  /** Which contacts are archived (media types, skills, campaigns, teams). */
  readonly filter: ContactFilter;
  readonly pageSize: number;
  readonly requestTimeoutMs: number;
  readonly tokenRefreshSkewMs: number;
  /** Read-only details added to each record (details.ts). */
  readonly details: ReadonlySet<DetailKind>;
  /** What is written back to CXone once a contact is archived (write-back.ts). */
  readonly writeBack: WriteBackSettings;
  /** How voice recordings are checked for and fetched (recording-paths.ts). */
  readonly paths: RecordingPathSettings;
}

const duration = (name: string, raw: string): Result<number, PluginError> => {
  try {
    return ok(parseDuration(raw));
  } catch (cause) {
    return err(PluginErrors.invalidInput(`${name}: ${(cause as Error).message}`, name));
  }
};

const FILTER_OPTIONS = ['mediaTypes', 'skills', 'campaigns', 'teams'] as const;

/** The filter lists: each absent, or a list of distinct non-negative integer ids. */
const resolveFilter = (o: CxoneSourceOptions): Result<ContactFilter, PluginError> => {
  const filter: Record<string, readonly number[]> = {};
  for (const name of FILTER_OPTIONS) {
    const ids: unknown = o[name];
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || ids.some((id) => !Number.isSafeInteger(id) || (id as number) < 0)) {
      return err(PluginErrors.invalidInput(`${name} must be a list of integer ids (e.g. [4])`, name));
    }
    if (new Set(ids).size !== ids.length) {
      return err(PluginErrors.invalidInput(`${name} lists an id twice`, name));
    }
    if (ids.length > 0) filter[name] = ids as number[];
  }
  return ok(filter);
};

/**
 * Checks what the schema cannot (URL scheme rule, parseable dates and durations) and converts; the
 * connection options (issuer, API base, credentials, timeouts) as `cxone-api` resolves them for
 * every plugin. Defaults are applied again so a direct create() call without core's validation
 * still works.
 */
export const resolveSettings = (options: CxoneSourceOptions): Result<Settings, PluginError> => {
  const o = { ...DEFAULTS, ...options };
  const sinceMs = typeof o.since === 'string' ? Date.parse(o.since) : Number.NaN;
  if (Number.isNaN(sinceMs)) {
    return err(PluginErrors.invalidInput('since must be an ISO 8601 date-time', 'since'));
  }
  if (!Number.isInteger(o.pageSize) || o.pageSize < 1 || o.pageSize > 10_000) {
    return err(PluginErrors.invalidInput('pageSize must be an integer between 1 and 10000', 'pageSize'));
  }
  if (typeof o.apiVersion !== 'string' || !API_VERSION_PATTERN.test(o.apiVersion)) {
    return err(
      PluginErrors.invalidInput(
        `apiVersion must look like v33.0 (the default; v21.0 and v23.0 are supported too), got ${JSON.stringify(o.apiVersion)}`,
        'apiVersion',
      ),
    );
  }
  const filter = resolveFilter(o);
  if (filter.isErr()) return err(filter.error);
  for (const kind of o.media) {
    if (!MEDIA_KINDS.includes(kind)) {
      return err(
        PluginErrors.invalidInput(
          `unknown media kind "${kind}" (known: ${MEDIA_KINDS.map((k) => `"${k}"`).join(', ')})`,
          'media',
        ),
      );
    }
  }
  const connection = resolveConnection(o);
  if (connection.isErr()) return err(connection.error);
  const durations = Result.combine([
    duration('settleLag', o.settleLag),
    duration('overlap', o.overlap),
    duration('recordingLag', o.recordingLag),
  ]);
  if (durations.isErr()) return err(durations.error);
  const recordingHorizonMs = resolveRecordingHorizon(o);
  if (recordingHorizonMs.isErr()) return err(recordingHorizonMs.error);
  const details = resolveDetails(o);
  if (details.isErr()) return err(details.error);
  const writeBack = resolveWriteBack(o);
  if (writeBack.isErr()) return err(writeBack.error);
  const paths = resolveRecordingPaths(o);
  if (paths.isErr()) return err(paths.error);
  const [settleLagMs, overlapMs, recordingLagMs] = durations.value as [number, number, number];
  const { issuer, apiBaseUrl, credentials, requestTimeoutMs, tokenRefreshSkewMs } = connection.value;
  return ok({
    issuer,
    apiBaseUrl,
    credentials,
    sinceMs,
    settleLagMs,
    overlapMs,
    recordingLagMs,
    recordingHorizonMs: recordingHorizonMs.value,
    media: new Set(o.media),
    apiVersion: o.apiVersion,
    filter: filter.value,
    pageSize: o.pageSize,
    requestTimeoutMs,
    tokenRefreshSkewMs,
    details: details.value,
    writeBack: writeBack.value,
    paths: paths.value,
  });
};
