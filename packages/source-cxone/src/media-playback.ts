import { err, type JsonObject, ok, type PluginError, type Result } from '@cxarchive/core';
import { type CxoneClient, queryString, unexpectedBody } from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';

/**
 * Media Playback (reference §4): `GET {api}/media-playback/v1/contacts?acd-call-id={masterContactId}`.
 * The interactions array is `interactions` or `Interactions` depending on the deployment, and the
 * help-page sample wraps entries as `{Interaction: {...}}` and the body as `{value: {...}}`: all are accepted.
 */
export interface PlaybackInteraction {
  readonly fileToPlayUrl?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly participants: readonly JsonObject[];
}

const PARTICIPANT_FIELDS = ['participantType', 'agentName', 'userId', 'participantId'] as const;

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const nonEmptyString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** A participant without phone numbers or anything else beyond who took part and in which role. */
export const mapParticipant = (raw: Record<string, unknown>): JsonObject => {
  const out: JsonObject = {};
  for (const field of PARTICIPANT_FIELDS) {
    const value = raw[field];
    if (typeof value === 'string' && value !== '') out[field] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[field] = String(value);
  }
  return out;
};

const interactionsOf = (body: Record<string, unknown>): unknown[] | undefined => {
  for (const root of [body, asObject(body.value)]) {
    const list = root?.interactions ?? root?.Interactions;
    if (Array.isArray(list)) return list;
  }
  return undefined;
};

/** The interactions of a playback response, or undefined when the body has no interactions array. */
export const parsePlayback = (body: Record<string, unknown>): PlaybackInteraction[] | undefined => {
  const list = interactionsOf(body);
  if (list === undefined) return undefined;
  const out: PlaybackInteraction[] = [];
  for (const entry of list) {
    const wrapper = asObject(entry);
    const interaction = asObject(wrapper?.Interaction) ?? asObject(wrapper?.interaction) ?? wrapper;
    if (interaction === undefined) continue;
    const data = asObject(interaction.data) ?? asObject(interaction.Data) ?? {};
    const participants = Array.isArray(data.participantDataList)
      ? data.participantDataList.flatMap((p) => {
          const o = asObject(p);
          return o === undefined ? [] : [mapParticipant(o)];
        })
      : [];
    const fileToPlayUrl = nonEmptyString(data.fileToPlayUrl);
    const startTime = nonEmptyString(interaction.startTime) ?? nonEmptyString(data.startTime);
    const endTime = nonEmptyString(interaction.endTime) ?? nonEmptyString(data.endTime);
    out.push({
      participants,
      ...(fileToPlayUrl === undefined ? {} : { fileToPlayUrl }),
      ...(startTime === undefined ? {} : { startTime }),
      ...(endTime === undefined ? {} : { endTime }),
    });
  }
  return out;
};

/** Participants of all interactions, each once. */
export const uniqueParticipants = (interactions: readonly PlaybackInteraction[]): JsonObject[] => {
  const seen = new Map<string, JsonObject>();
  for (const i of interactions) {
    for (const p of i.participants) {
      const key = JSON.stringify(PARTICIPANT_FIELDS.map((f) => p[f] ?? null));
      if (!seen.has(key)) seen.set(key, p);
    }
  }
  return [...seen.values()];
};

/** `media-type` values of Media Playback (GEN-MP): one is asked per lookup. */
export type PlaybackMediaType = 'voice-only' | 'chat' | 'email';

export const playbackUrl = (
  apiBase: string,
  masterContactId: string,
  mediaType: PlaybackMediaType = 'voice-only',
): string =>
  `${apiBase}/media-playback/v1/contacts?${queryString({
    'acd-call-id': masterContactId,
    'media-type': mediaType,
    'exclude-waveforms': true,
    'exclude-qm-categories': true,
    isDownload: false,
  })}`;

/**
 * The voice interactions of a master contact; `undefined` when Media Playback has none (404: no
 * recording, not processed yet, unknown contact, or deleted media).
 */
export const lookupPlayback = async (
  client: CxoneClient,
  apiBase: string,
  masterContactId: string,
  signal: AbortSignal,
): Promise<Result<PlaybackInteraction[] | undefined, PluginError>> => {
  const body = await lookupPlaybackBody(client, apiBase, masterContactId, 'voice-only', signal);
  if (body.isErr()) return err(body.error);
  if (body.value === undefined) return ok(undefined);
  const interactions = parsePlayback(body.value);
  return interactions === undefined
    ? err(
        unexpectedBody(
          { method: 'GET', url: playbackUrl(apiBase, masterContactId) },
          'no interactions array',
        ),
      )
    : ok(interactions);
};

/** The raw Media Playback answer for one media type; `undefined` on 404 (nothing of that type). */
export const lookupPlaybackBody = async (
  client: CxoneClient,
  apiBase: string,
  masterContactId: string,
  mediaType: PlaybackMediaType,
  signal: AbortSignal,
): Promise<Result<Record<string, unknown> | undefined, PluginError>> => {
  const url = playbackUrl(apiBase, masterContactId, mediaType);
  const answer = await client.requestJson({ family: 'media-playback', url, empty: [404], signal });
  if (answer.isErr()) {
    const e = answer.error;
    return err(e._tag === 'Auth' && /: HTTP 403\b/.test(e.message) ? SourceErrors.playAnyMissing(e) : e);
  }
  return ok(answer.value.body);
};
