import { dynamicBusinessData } from '../business-data.js';
import { AGENTS } from '../catalog.js';
import type { SimContext } from '../context.js';
import type { SimContact, SimRecording } from '../dataset.js';
import { uuidFromString } from '../prng.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { chatData, emailData, legEndMs } from '../transcripts.js';
import { signMediaUrl } from '../url-signing.js';
import { mediaBaseOf, mediaPresentation } from './media-files.js';

export const MEDIA_TYPES = ['voice-only', 'voice-and-screen', 'chat', 'email', 'all'] as const;
const VOICE_MEDIA_TYPES: readonly string[] = ['voice-only', 'voice-and-screen', 'all'];

/** Media Playback errors are `{internalCode, message}` bodies. */
function playbackError(reply: Reply, status: number, internalCode: string, message: string): void {
  reply.json(status, { internalCode, message });
}

const iso = (ms: number): string => new Date(ms).toISOString();

function segmentTimes(
  leg: SimContact,
  recording: SimRecording,
  last: boolean,
): { start: number; end: number } {
  const answered = Date.parse(leg.contactStartDate) + (leg.preQueueSeconds + leg.inQueueSeconds) * 1000;
  const start = Math.max(answered, Date.parse(recording.startTime));
  const end = last ? Date.parse(recording.endTime) : start + leg.agentSeconds * 1000;
  return { start, end };
}

export function mediaPlaybackBody(
  ctx: SimContext,
  recording: SimRecording,
  legs: readonly SimContact[],
): Record<string, unknown> {
  const expires = Math.floor(ctx.nowMs() / 1000) + ctx.options.mediaUrlTtlSeconds;
  const lastLeg = legs[legs.length - 1];
  const acwEnd = Date.parse(recording.endTime) + (lastLeg?.acwSeconds ?? 0) * 1000;
  const segments = legs.map((leg, index) => {
    const times = segmentTimes(leg, recording, index === legs.length - 1);
    return segmentOf(
      leg,
      index,
      legs.length,
      'PHONE_CALL',
      times,
      `segment:${recording.id}:${leg.contactId}`,
    );
  });
  const participants = legs.flatMap((leg, index) => {
    const segmentId = segments[index]?.segmentId;
    const agent = AGENTS.find((candidate) => candidate.agentId === leg.agentId);
    return [
      {
        participantType: 'AGENT',
        agentName: `${leg.firstName} ${leg.lastName}`,
        userId: agent?.userId ?? null,
        participantId: uuidFromString(`agent:${recording.id}:${leg.contactId}`),
        segmentId,
        channel: 0,
        voiceStages: [],
      },
      {
        participantType: 'CUSTOMER',
        agentName: null,
        userId: null,
        participantId: uuidFromString(`customer:${recording.id}:${leg.contactId}`),
        segmentId,
        channel: 1,
        voiceStages: [],
      },
    ];
  });
  const presentation = mediaPresentation(recording.id);
  return {
    contactId: uuidFromString(`media-contact:${recording.id}`),
    acdcontactId: recording.masterContactId,
    elevatedInteraction: false,
    interactions: [
      {
        mediaType: 'voice-only',
        channelType: 'PHONE_CALL',
        startTime: recording.startTime,
        endTime: recording.endTime,
        '@type': 'call',
        callTaggingList: [],
        // Values written through the Business Data API (routes/business-data.ts; GEN-MP).
        dynamicBusinessData: dynamicBusinessData(ctx, recording.masterContactId),
        data: {
          startTime: recording.startTime,
          endTime: recording.endTime,
          acwEndTime: iso(acwEnd),
          fileToPlayUrl: signMediaUrl(
            mediaBaseOf(ctx),
            recording.id,
            expires,
            ctx.secret,
            presentation.extension,
          ),
          videoImageUrl: null,
          waveformDataList: [],
          participantDataList: participants,
          segmentsDataList: segments,
        },
      },
    ],
  };
}

/** A `segmentsDataList` entry, with the enumerations of NICE's OpenAPI spec (GEN-MP). */
function segmentOf(
  leg: SimContact,
  index: number,
  count: number,
  channelType: 'PHONE_CALL' | 'CHAT' | 'EMAIL',
  times: { start: number; end: number },
  seed: string,
): Record<string, unknown> {
  return {
    segmentId: uuidFromString(seed),
    channelType,
    directionType: leg.isOutbound ? 'OUTBOUND' : 'INBOUND',
    openReasonType: index === 0 ? 'CONTACT' : 'TRANSFER',
    closeReasonType: index < count - 1 ? 'TRANSFER' : 'CONTACT',
    firstSegment: index === 0,
    startTime: iso(times.start),
    endTime: iso(times.end),
  };
}

/** A chat or email contact's transcript interaction (transcripts.ts). */
export function transcriptBody(kind: 'chat' | 'email', legs: readonly SimContact[]): Record<string, unknown> {
  const master = legs[0] as SimContact;
  const channelType = kind === 'chat' ? 'CHAT' : 'EMAIL';
  const data = kind === 'chat' ? chatData(legs) : emailData(legs);
  const segmentsDataList = legs.map((leg, index) =>
    segmentOf(
      leg,
      index,
      legs.length,
      channelType,
      { start: Date.parse(leg.contactStartDate), end: legEndMs(leg) },
      `segment:${kind}:${leg.contactId}`,
    ),
  );
  return {
    contactId: uuidFromString(`media-contact:${kind}:${master.contactId}`),
    acdcontactId: master.masterContactId,
    elevatedInteraction: false,
    interactions: [
      {
        mediaType: kind,
        channelType,
        startTime: data.startTime,
        endTime: data.endTime,
        '@type': kind,
        callTaggingList: [],
        dynamicBusinessData: [],
        data: { ...data, segmentsDataList },
      },
    ],
  };
}

/** Media types of the data set's contacts (catalog.ts): 4 Phone Call, 3 Chat, 1 Email. */
const KIND_OF_MEDIA_TYPE: Readonly<Record<number, 'voice' | 'chat' | 'email'>> = {
  4: 'voice',
  3: 'chat',
  1: 'email',
};

/** Which `media-type` values ask for each kind. */
const ASKS_FOR: Readonly<Record<'voice' | 'chat' | 'email', readonly string[]>> = {
  voice: VOICE_MEDIA_TYPES,
  chat: ['chat', 'all'],
  email: ['email', 'all'],
};

/**
 * GET /media-playback/v1/contacts?acd-call-id={masterContactId}&media-type=…: `media-type` is an
 * array (GEN-MP; it may be repeated), default `all`. A voice contact answers with its recording,
 * a chat or email contact with its transcript, each once processed (`recordingDelaySeconds` after
 * the contact ended); otherwise 404 as CXone does for "no recording" (REC).
 */
export const mediaPlaybackContacts: RouteHandler = ({ req, url, reply, ctx }) => {
  const auth = checkBearer(ctx, req);
  if (!auth.ok) {
    playbackError(reply, 401, 'Unauthorized', auth.reason);
    return;
  }
  const acdCallId = url.searchParams.get('acd-call-id');
  if (acdCallId === null || !/^\d{1,20}$/.test(acdCallId)) {
    playbackError(reply, 400, 'BadRequest', 'acd-call-id is required and must be numeric');
    return;
  }
  const asked = url.searchParams.getAll('media-type').flatMap((value) => value.split(','));
  const mediaTypes = asked.length === 0 ? ['all'] : asked;
  const unknown = mediaTypes.find((type) => !(MEDIA_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) {
    playbackError(reply, 400, 'BadRequest', `media-type must be one of ${MEDIA_TYPES.join(', ')}`);
    return;
  }
  const notFound = () =>
    playbackError(reply, 404, 'NotFound', `No interactions found for acd-call-id ${acdCallId}`);
  const legs = ctx.index.legsByMaster.get(acdCallId);
  const master = legs?.[0];
  const kind = master === undefined ? undefined : KIND_OF_MEDIA_TYPE[master.mediaTypeId];
  if (legs === undefined || master === undefined || kind === undefined) return notFound();
  if (!mediaTypes.some((type) => ASKS_FOR[kind].includes(type))) return notFound();
  const delayMs = ctx.options.recordingDelaySeconds * 1000;
  if (kind !== 'voice') {
    const ended = legEndMs(legs[legs.length - 1] as SimContact);
    if (ctx.nowMs() < ended + delayMs) return notFound();
    reply.json(200, transcriptBody(kind, legs));
    return;
  }
  const recording = ctx.dataset.recordings.get(acdCallId);
  if (recording === undefined || ctx.nowMs() < Date.parse(recording.endTime) + delayMs) return notFound();
  reply.json(200, mediaPlaybackBody(ctx, recording, legs));
};
