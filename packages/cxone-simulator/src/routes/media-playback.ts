import { AGENTS } from '../catalog.js';
import type { SimContext } from '../context.js';
import type { SimContact, SimRecording } from '../dataset.js';
import { uuidFromString } from '../prng.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { signMediaUrl } from '../url-signing.js';

export const MEDIA_TYPES = ['voice-only', 'voice-and-screen', 'chat', 'email', 'all'] as const;
const VOICE_MEDIA_TYPES: readonly string[] = ['voice-only', 'voice-and-screen', 'all'];

/** Media Playback errors are `{internalCode, message}` bodies. */
function playbackError(reply: Reply, status: number, internalCode: string, message: string): void {
  reply.json(status, { internalCode, message });
}

/**
 * The real API is inconsistent about the casing of the interactions array. The simulator uses
 * `Interactions` for every third master contact (in contactId order) and `interactions` otherwise.
 */
export function interactionsKey(masterPosition: number): 'interactions' | 'Interactions' {
  return masterPosition % 3 === 2 ? 'Interactions' : 'interactions';
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
  masterPosition: number,
): Record<string, unknown> {
  const expires = Math.floor(ctx.nowMs() / 1000) + ctx.options.mediaUrlTtlSeconds;
  const lastLeg = legs[legs.length - 1];
  const acwEnd = Date.parse(recording.endTime) + (lastLeg?.acwSeconds ?? 0) * 1000;
  const segments = legs.map((leg, index) => {
    const times = segmentTimes(leg, recording, index === legs.length - 1);
    return {
      segmentId: uuidFromString(`segment:${recording.id}:${leg.contactId}`),
      directionType: leg.isOutbound ? 'OUTBOUND' : 'INBOUND',
      openReasonType: index === 0 ? 'INITIAL' : 'TRANSFER',
      closeReasonType: leg.endReason === 'Transferred' ? 'TRANSFER' : 'NORMAL',
      startTime: iso(times.start),
      endTime: iso(times.end),
    };
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
        channel: 'Voice',
        voiceStages: [],
      },
      {
        participantType: 'CUSTOMER',
        agentName: null,
        userId: null,
        participantId: uuidFromString(`customer:${recording.id}:${leg.contactId}`),
        segmentId,
        channel: 'Voice',
        voiceStages: [],
      },
    ];
  });
  return {
    contactId: uuidFromString(`media-contact:${recording.id}`),
    acdcontactId: Number(recording.masterContactId),
    elevatedInteraction: false,
    [interactionsKey(masterPosition)]: [
      {
        mediaType: 'voice-only',
        channelType: 'Voice',
        startTime: recording.startTime,
        endTime: recording.endTime,
        '@type': 'call',
        callTaggingList: [],
        dynamicBusinessData: [],
        data: {
          startTime: recording.startTime,
          endTime: recording.endTime,
          acwEndTime: iso(acwEnd),
          fileToPlayUrl: signMediaUrl(ctx.url, recording.id, expires, ctx.secret),
          videoImageUrl: null,
          waveformDataList: [],
          participantDataList: participants,
          segmentsDataList: segments,
        },
      },
    ],
  };
}

/** GET /media-playback/v1/contacts?acd-call-id={masterContactId}&media-type=… */
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
  const mediaType = url.searchParams.get('media-type') ?? 'all';
  if (!(MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    playbackError(reply, 400, 'BadRequest', `media-type must be one of ${MEDIA_TYPES.join(', ')}`);
    return;
  }
  const recording = ctx.dataset.recordings.get(acdCallId);
  const legs = ctx.index.legsByMaster.get(acdCallId);
  const position = ctx.index.masterPosition.get(acdCallId);
  const processing =
    recording !== undefined &&
    ctx.nowMs() < Date.parse(recording.endTime) + ctx.options.recordingDelaySeconds * 1000;
  if (
    recording === undefined ||
    legs === undefined ||
    position === undefined ||
    processing ||
    !VOICE_MEDIA_TYPES.includes(mediaType)
  ) {
    playbackError(reply, 404, 'NotFound', `No interactions found for acd-call-id ${acdCallId}`);
    return;
  }
  reply.json(200, mediaPlaybackBody(ctx, recording, legs, position));
};
