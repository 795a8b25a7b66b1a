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
import { getContactRecord } from './contact-details.js';
import { SourceErrors } from './errors.js';
import { readRef } from './item-ref.js';
import {
  contentTypeOf,
  extensionOf,
  lookupPlayback,
  type PlaybackInteraction,
  recordingName,
  uniqueParticipants,
} from './media-playback.js';
import { dateMs, isMasterLeg, isVoiceContact, masterContactIdOf } from './record.js';
import type { RecordCache } from './record-cache.js';
import { createRecordingArtifact } from './recording-artifact.js';
import { recordingDueBy } from './recording-lag.js';
import type { Settings } from './settings.js';

export interface FetchDeps {
  readonly settings: Settings;
  readonly client: CxoneClient;
  readonly cache: RecordCache;
  readonly now: () => Date;
  readonly scrub: (error: PluginError) => PluginError;
  readonly fetchImpl?: typeof fetch;
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

/**
 * Builds the item of one contact leg. The recording of a call is filed under its master contact
 * in Media Playback, so only the master leg of a voice contact looks it up and carries it;
 * transfer legs carry their record only. A voice master without a recording that ended less than
 * `recordingLag` ago is `NotYet` (its recording may still be processing), not "no recording".
 */
export const fetchContact = async (
  deps: FetchDeps,
  ref: ItemRef,
  signal: AbortSignal,
): Promise<Result<Item, PluginError>> => {
  const found = await recordOf(deps, ref, signal);
  if (found.isErr()) return err(found.error);
  const record = found.value;
  const id = ref.id;
  const startMs = dateMs(record, 'contactStartDate');
  if (startMs === undefined) return err(SourceErrors.noStartDate(id));
  const occurredAt = new Date(startMs);
  const wantsVoice = deps.settings.media.has('voice');
  if (!wantsVoice || !isMasterLeg(record) || !isVoiceContact(record)) {
    return ok({ id, occurredAt, record, artifacts: [] });
  }

  const master = masterContactIdOf(record) as string;
  const base = await deps.client.apiBase(signal);
  if (base.isErr()) return err(base.error);
  const lookup = await lookupPlayback(deps.client, base.value, master, signal);
  if (lookup.isErr()) return err(lookup.error);
  const interactions = lookup.value ?? [];
  const recorded = withUrl(interactions);
  if (recorded.length === 0) {
    const due = recordingDueBy(record, deps.settings.recordingLagMs, deps.now().getTime());
    if (due !== undefined) return err(SourceErrors.recordingNotYet(id, due));
  }
  for (const r of recorded) {
    const problem = urlProblem(r.fileToPlayUrl);
    if (problem !== undefined) return err(SourceErrors.badMediaUrl(id, problem));
  }

  const obtainedAtMs = deps.now().getTime();
  const artifacts: Artifact[] = [];
  const recordings: JsonObject[] = [];
  recorded.forEach((interaction, index) => {
    const extension = extensionOf(interaction.fileToPlayUrl);
    const name = recordingName(index, extension);
    const contentType = contentTypeOf(extension);
    artifacts.push(
      createRecordingArtifact({
        name,
        ...(contentType === undefined ? {} : { contentType }),
        url: interaction.fileToPlayUrl,
        obtainedAtMs,
        renewUrl: async (openSignal) => {
          const again = await lookupPlayback(deps.client, base.value, master, openSignal);
          if (again.isErr()) return err(again.error);
          const fresh = withUrl(again.value ?? [])[index];
          return fresh === undefined ? err(SourceErrors.recordingGone(id, name)) : ok(fresh.fileToPlayUrl);
        },
        now: deps.now,
        timeoutMs: deps.settings.requestTimeoutMs,
        maxUrlAgeMs: MEDIA_URL_MAX_AGE_MS,
        scrub: deps.scrub,
        ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }),
      }),
    );
    recordings.push({
      artifact: name,
      ...(interaction.startTime === undefined ? {} : { startTime: interaction.startTime }),
      ...(interaction.endTime === undefined ? {} : { endTime: interaction.endTime }),
    });
  });

  return ok({
    id,
    occurredAt,
    record: { ...record, participants: uniqueParticipants(interactions), recordings },
    artifacts,
  });
};
