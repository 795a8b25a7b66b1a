import {
  type Artifact,
  err,
  type Item,
  type ItemRef,
  type JsonObject,
  ok,
  type PluginError,
  type Result,
} from '@cxarchive/core';
import { type CxoneClient, urlProblem } from '@cxarchive/cxone-api';
import type { BulkRecordings } from './bulk-recording.js';
import { getContactRecord } from './contact-details.js';
import type { ExtractionDays } from './data-extraction-days.js';
import { fetchDetails } from './details.js';
import { SourceErrors } from './errors.js';
import { readRef } from './item-ref.js';
import { MediaLink, probeMedia } from './media-link.js';
import {
  lookupPlayback,
  lookupPlaybackBody,
  type PlaybackInteraction,
  uniqueParticipants,
} from './media-playback.js';
import { recordingFormat, recordingName } from './media-type.js';
import { dateMs, isMasterLeg, isVoiceContact, masterContactIdOf } from './record.js';
import type { RecordCache } from './record-cache.js';
import { createRecordingArtifact } from './recording-artifact.js';
import { missingRecording } from './recording-lag.js';
import type { Settings } from './settings.js';
import { type TranscriptKind, transcriptArtifact, transcriptKindOf, transcriptOf } from './transcripts.js';

export interface FetchDeps {
  readonly settings: Settings;
  readonly client: CxoneClient;
  readonly cache: RecordCache;
  readonly now: () => Date;
  readonly scrub: (error: PluginError) => PluginError;
  readonly fetchImpl?: typeof fetch;
  /** With `recordings: bulk`: recordings out of media-download requests (bulk-recording.ts). */
  readonly bulk?: BulkRecordings;
  /** With `recordingCheck: dataExtraction`: which contacts have recordings (data-extraction-days.ts). */
  readonly extraction?: ExtractionDays;
}

/**
 * A signed media URL older than this is replaced before downloading. CXone does not document the
 * lifetime ("a temporary URL"); expiry answered by the server is handled as well.
 */
export const MEDIA_URL_MAX_AGE_MS = 120_000;

const withUrl = (interactions: readonly PlaybackInteraction[]) =>
  interactions.filter(
    (i): i is PlaybackInteraction & { fileToPlayUrl: string } => i.fileToPlayUrl !== undefined,
  );

/** The record: from the listing's cache when it is still there, else from `contacts/{id}`. */
const recordOf = async (
  deps: FetchDeps,
  ref: ItemRef,
  signal: AbortSignal,
): Promise<Result<JsonObject, PluginError>> => {
  const parsed = readRef(ref);
  if (parsed.isErr()) return err(parsed.error);
  const { contactId, apiVersion } = parsed.value;
  const cached = deps.cache.get(contactId);
  if (cached !== undefined) return ok(cached);
  const base = await deps.client.apiBase(signal);
  if (base.isErr()) return err(base.error);
  return getContactRecord(deps.client, base.value, apiVersion ?? deps.settings.apiVersion, contactId, signal);
};

/** The record with the details `details` asks for (details.ts); the record itself without any. */
const addDetails = async (
  deps: FetchDeps,
  ref: ItemRef,
  record: JsonObject,
  signal: AbortSignal,
): Promise<Result<JsonObject, PluginError>> => {
  if (deps.settings.details.size === 0) return ok(record);
  const parsed = readRef(ref);
  if (parsed.isErr()) return err(parsed.error);
  const base = await deps.client.apiBase(signal);
  if (base.isErr()) return err(base.error);
  const details = await fetchDetails(
    deps.settings.details,
    {
      client: deps.client,
      apiBase: base.value,
      version: parsed.value.apiVersion ?? deps.settings.apiVersion,
    },
    parsed.value.contactId,
    signal,
  );
  return details.map((extra) => ({ ...record, ...extra }));
};

/** Whether `media` asks for a kind. */
const wants = (settings: Settings, kind: TranscriptKind): boolean => settings.media.has(kind);

/**
 * A chat or email master with its transcript from Media Playback (transcripts.ts). None there yet
 * is `NotYet` until `recordingLag` after the contact ended, then the record says it has none.
 */
const fetchTranscript = async (
  deps: FetchDeps,
  item: { readonly id: string; readonly occurredAt: Date; readonly record: JsonObject },
  kind: TranscriptKind,
  signal: AbortSignal,
): Promise<Result<Item, PluginError>> => {
  const base = await deps.client.apiBase(signal);
  if (base.isErr()) return err(base.error);
  const master = masterContactIdOf(item.record) as string;
  const body = await lookupPlaybackBody(deps.client, base.value, master, kind, signal);
  if (body.isErr()) return err(body.error);
  const transcript = body.value === undefined ? undefined : transcriptOf(body.value, kind);
  if (transcript !== undefined) {
    return ok({ ...item, artifacts: [transcriptArtifact(kind, transcript)] });
  }
  const lag = deps.settings.recordingLagMs;
  const missing = missingRecording(item.record, lag, lag, deps.now().getTime());
  if (missing.kind === 'wait') return err(SourceErrors.transcriptNotYet(item.id, kind, missing.retryAt));
  const reason = `Media Playback has no ${kind} transcript`;
  return ok({
    ...item,
    record: { ...item.record, transcriptAbsence: { reason } },
    artifacts: [],
    note: `archived without its ${kind} transcript: ${reason}`,
  });
};

/**
 * What the bulk path (a media-download request named in the reference) and the Data Extraction
 * check settle before Media Playback is asked: the item, or an error (`NotYet` while a job runs);
 * undefined when Media Playback is to be asked as before.
 */
const beforePlayback = async (
  deps: FetchDeps,
  item: { readonly id: string; readonly occurredAt: Date; readonly record: JsonObject },
  ref: ItemRef,
  master: string,
  signal: AbortSignal,
): Promise<Result<Item, PluginError> | undefined> => {
  const requestId =
    deps.bulk === undefined
      ? undefined
      : readRef(ref)
          .map((r) => r.mediaRequestId)
          .unwrapOr(undefined);
  if (deps.bulk !== undefined && requestId !== undefined) {
    const bulk = await deps.bulk.recordingOf(requestId, master, signal);
    if (bulk.isErr()) return err(bulk.error);
    const answer = bulk.value;
    if (answer.kind === 'wait') {
      return err(SourceErrors.bulkNotYet(item.id, requestId, answer.status, answer.retryAt));
    }
    if (answer.kind === 'ready') {
      return ok({
        ...item,
        record: { ...item.record, recordings: [{ artifact: answer.artifact.name }] },
        artifacts: [answer.artifact],
      });
    }
  }
  if (deps.extraction === undefined) return undefined;
  const verdict = await deps.extraction.check(item.record, signal);
  if (verdict.isErr()) return err(verdict.error);
  const v = verdict.value;
  if (v.kind === 'wait') return err(SourceErrors.extractionNotYet(item.id, v.why, v.retryAt));
  if (v.kind === 'none') {
    return ok({
      ...item,
      record: { ...item.record, recordings: [], recordingAbsence: { reason: v.reason } },
      artifacts: [],
      note: `archived without a recording: ${v.reason}`,
    });
  }
  return undefined;
};

/**
 * Builds the item of one contact leg. The recording of a call is filed under its master contact
 * in Media Playback, so only the master leg of a voice contact looks it up and carries it;
 * transfer legs carry their record only. A voice master without a recording is `NotYet` until the
 * recording horizon after its end (its recording may still be processing: recording-lag.ts), then
 * archived without one, the record saying why (`recordingAbsence.reason`, the same on every run). Each recording is probed first
 * (media-link.ts) so its artifact is named and typed by what the media server says it is.
 */
export const fetchContact = async (
  deps: FetchDeps,
  ref: ItemRef,
  signal: AbortSignal,
): Promise<Result<Item, PluginError>> => {
  const found = await recordOf(deps, ref, signal);
  if (found.isErr()) return err(found.error);
  const withDetails = await addDetails(deps, ref, found.value, signal);
  if (withDetails.isErr()) return err(withDetails.error);
  const record = withDetails.value;
  const id = ref.id;
  const startMs = dateMs(record, 'contactStartDate');
  if (startMs === undefined) return err(SourceErrors.noStartDate(id));
  const occurredAt = new Date(startMs);
  const transcript = transcriptKindOf(record);
  if (transcript !== undefined && isMasterLeg(record) && wants(deps.settings, transcript)) {
    return fetchTranscript(deps, { id, occurredAt, record }, transcript, signal);
  }
  const wantsVoice = deps.settings.media.has('voice');
  if (!wantsVoice || !isMasterLeg(record) || !isVoiceContact(record)) {
    return ok({ id, occurredAt, record, artifacts: [] });
  }

  const master = masterContactIdOf(record) as string;
  const early = await beforePlayback(deps, { id, occurredAt, record }, ref, master, signal);
  if (early !== undefined) return early;
  const base = await deps.client.apiBase(signal);
  if (base.isErr()) return err(base.error);
  const lookup = await lookupPlayback(deps.client, base.value, master, signal);
  if (lookup.isErr()) return err(lookup.error);
  const interactions = lookup.value ?? [];
  const recorded = withUrl(interactions);
  if (recorded.length === 0) {
    const nowMs = deps.now().getTime();
    const missing = missingRecording(
      record,
      deps.settings.recordingLagMs,
      deps.settings.recordingHorizonMs,
      nowMs,
    );
    if (missing.kind === 'wait') return err(SourceErrors.recordingNotYet(id, missing.retryAt));
    return ok({
      id,
      occurredAt,
      record: {
        ...record,
        participants: uniqueParticipants(interactions),
        recordings: [],
        recordingAbsence: { reason: missing.reason },
      },
      artifacts: [],
      note: `archived without a recording: ${missing.reason}`,
    });
  }
  for (const r of recorded) {
    const problem = urlProblem(r.fileToPlayUrl);
    if (problem !== undefined) return err(SourceErrors.badMediaUrl(id, problem));
  }

  const obtainedAtMs = deps.now().getTime();
  const artifacts: Artifact[] = [];
  const recordings: JsonObject[] = [];
  for (const [index, interaction] of recorded.entries()) {
    const link = new MediaLink({
      url: interaction.fileToPlayUrl,
      obtainedAtMs,
      renewUrl: async (openSignal) => {
        const again = await lookupPlayback(deps.client, base.value, master, openSignal);
        if (again.isErr()) return err(again.error);
        const fresh = withUrl(again.value ?? [])[index];
        return fresh === undefined
          ? err(SourceErrors.recordingGone(id, `recording ${index + 1}`))
          : ok(fresh.fileToPlayUrl);
      },
      now: deps.now,
      timeoutMs: deps.settings.requestTimeoutMs,
      maxUrlAgeMs: MEDIA_URL_MAX_AGE_MS,
      ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
    });
    const head = await probeMedia(link, signal);
    if (head.isErr()) return err(head.error);
    const format = recordingFormat(head.value.headers, link.url, head.value.firstBytes);
    const name = recordingName(index, format.extension);
    artifacts.push(
      createRecordingArtifact({
        name,
        ...(format.contentType === undefined ? {} : { contentType: format.contentType }),
        ...(head.value.size === undefined ? {} : { size: head.value.size }),
        link,
        timeoutMs: deps.settings.requestTimeoutMs,
        scrub: deps.scrub,
      }),
    );
    recordings.push({
      artifact: name,
      ...(interaction.startTime === undefined ? {} : { startTime: interaction.startTime }),
      ...(interaction.endTime === undefined ? {} : { endTime: interaction.endTime }),
    });
  }

  return ok({
    id,
    occurredAt,
    record: { ...record, participants: uniqueParticipants(interactions), recordings },
    artifacts,
  });
};
