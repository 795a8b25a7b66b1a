import {
  type Artifact,
  err,
  type Item,
  type ItemRef,
  type JsonObject,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import type { ApiClient } from './api-client.js';
import type { Auth } from './auth.js';
import {
  contentTypeOf,
  extensionOf,
  lookupPlayback,
  type PlaybackInteraction,
  recordingName,
  uniqueParticipants,
} from './media-playback.js';
import { dateMs, isMasterLeg, isVoiceContact, mapContactRecord, masterContactIdOf } from './record.js';
import { createRecordingArtifact } from './recording-artifact.js';
import type { Settings } from './settings.js';
import { urlProblem } from './urls.js';

export interface FetchDeps {
  readonly settings: Settings;
  readonly auth: Auth;
  readonly api: ApiClient;
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

/**
 * Builds the item of one contact leg. The record comes from the listing (carried in the ref).
 * The recording of a call is filed under its master contact in Media Playback, so only the master
 * leg of a voice contact looks it up and carries it; transfer legs carry their record only.
 */
export const fetchContact = async (deps: FetchDeps, ref: ItemRef): Promise<Result<Item, PluginError>> => {
  const raw = ref.data.record;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err(PluginErrors.invalidInput(`contact ${ref.id}: the item reference carries no record`));
  }
  const record = mapContactRecord(raw);
  const startMs = dateMs(record, 'contactStartDate');
  if (startMs === undefined) {
    return err(
      PluginErrors.invalidInput(`contact ${ref.id} has no valid contactStartDate`, 'contactStartDate'),
    );
  }
  const occurredAt = new Date(startMs);
  const wantsVoice = deps.settings.media.has('voice');
  if (!wantsVoice || !isMasterLeg(record) || !isVoiceContact(record)) {
    return ok({ id: ref.id, occurredAt, record, artifacts: [] });
  }

  const master = masterContactIdOf(record) as string;
  const base = await deps.auth.apiBase();
  if (base.isErr()) return err(base.error);
  const { requestTimeoutMs } = deps.settings;
  const found = await lookupPlayback(deps.api, base.value, master, requestTimeoutMs);
  if (found.isErr()) return err(found.error);
  const interactions = found.value ?? [];
  const recorded = withUrl(interactions);
  for (const r of recorded) {
    const problem = urlProblem(r.fileToPlayUrl);
    if (problem !== undefined) {
      return err(
        PluginErrors.permanent(`contact ${ref.id}: Media Playback gave a fileToPlayUrl that ${problem}`),
      );
    }
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
        renewUrl: async () => {
          const again = await lookupPlayback(deps.api, base.value, master, requestTimeoutMs);
          if (again.isErr()) return err(again.error);
          const fresh = withUrl(again.value ?? [])[index];
          return fresh === undefined
            ? err(PluginErrors.notFound(`contact ${ref.id}: Media Playback no longer lists ${name}`))
            : ok(fresh.fileToPlayUrl);
        },
        now: deps.now,
        timeoutMs: requestTimeoutMs,
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
    id: ref.id,
    occurredAt,
    record: { ...record, participants: uniqueParticipants(interactions), recordings },
    artifacts,
  });
};
