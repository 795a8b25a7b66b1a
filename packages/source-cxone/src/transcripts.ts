import { Readable } from 'node:stream';
import { type Artifact, type JsonObject, okAsync } from '@cxarchive/core';

/**
 * Chat and email transcripts from Media Playback (`media-type=chat|email`): NICE's help says that
 * for chat and email it returns "metadata and transcript"; the shapes are `Chat{participants,
 * messages}` and `Email{participants, content}` in the client generated from NICE's OpenAPI spec
 * (reference/cxone-fidelity.md §2.6). Newer NICE pages say only legacy inContact digital contacts
 * have them there, so a 404 is common and means "none" once the processing lag has passed.
 */
export type TranscriptKind = 'chat' | 'email';

/** The transcript kind of a contact record (media types 3 Chat, 1 Email), if it has one. */
export const transcriptKindOf = (record: Readonly<Record<string, unknown>>): TranscriptKind | undefined => {
  const id = Number(record.mediaTypeId);
  if (id === 3 || record.mediaTypeName === 'Chat') return 'chat';
  if (id === 1 || record.mediaTypeName === 'Email') return 'email';
  return undefined;
};

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/**
 * The transcript document: the interactions of the asked kind as Media Playback gave them (every
 * field carried through), under the contact ids. Undefined when the body has no such interaction.
 */
export const transcriptOf = (body: Record<string, unknown>, kind: TranscriptKind): JsonObject | undefined => {
  const list = body.interactions ?? body.Interactions;
  if (!Array.isArray(list)) return undefined;
  const interactions = list.filter((entry) => {
    const i = asObject(entry);
    return i !== undefined && (i.mediaType === kind || i['@type'] === kind) && asObject(i.data) !== undefined;
  });
  if (interactions.length === 0) return undefined;
  return {
    ...(body.contactId === undefined ? {} : { contactId: body.contactId as string }),
    ...(body.acdcontactId === undefined ? {} : { acdcontactId: body.acdcontactId as string }),
    mediaType: kind,
    interactions: interactions as JsonObject[],
  };
};

export const transcriptName = (kind: TranscriptKind): string => `${kind}-transcript.json`;

/** The transcript as an artifact: a small JSON document already in hand (Media Playback's answer). */
export const transcriptArtifact = (kind: TranscriptKind, transcript: JsonObject): Artifact => {
  const bytes = Buffer.from(JSON.stringify(transcript));
  return {
    name: transcriptName(kind),
    contentType: 'application/json',
    size: bytes.length,
    open: () => okAsync(Readable.from([bytes])),
  };
};
