import { crc32 } from 'node:zlib';
import type { SimContext } from './context.js';
import type { SimRecording } from './dataset.js';
import { mp4Recording } from './mp4.js';
import { uuidFromString } from './prng.js';
import { type ZipArchive, zipArchive } from './zip.js';

/**
 * The simulator's media-download requests (GEN-MD, "New in 26.3"; no NICE help page [U]): a
 * request is PENDING for `pendingMs`, IN_PROGRESS for `progressMs`, then COMPLETED; its entities
 * are judged when it completes. Its `downloadLocation` is a signed, expiring URL of a ZIP archive
 * of STORED `{entityId}.mp4` entries [U: what the real location holds is not published].
 */
export interface MediaDownloadOptions {
  /** Milliseconds a request stays PENDING; default 2000. */
  readonly pendingMs?: number;
  /** Milliseconds it then stays IN_PROGRESS; default 5000. */
  readonly progressMs?: number;
  /** Most entity ids per request; default 100 [U: no published cap]. */
  readonly maxEntities?: number;
  /** Lifetime of a `downloadLocation` URL in seconds; default: the simulator's `mediaUrlTtlSeconds`. */
  readonly downloadUrlTtlSeconds?: number;
  /** ZIP64 records for every entry (to exercise readers without 4 GiB archives); default false. */
  readonly forceZip64?: boolean;
}

export interface ResolvedMediaDownloadOptions {
  readonly pendingMs: number;
  readonly progressMs: number;
  readonly maxEntities: number;
  readonly downloadUrlTtlSeconds: number | undefined;
  readonly forceZip64: boolean;
}

export const MEDIA_DOWNLOAD_DEFAULTS: ResolvedMediaDownloadOptions = Object.freeze({
  pendingMs: 2000,
  progressMs: 5000,
  maxEntities: 100,
  downloadUrlTtlSeconds: undefined,
  forceZip64: false,
});

const configured = new Map<string, ResolvedMediaDownloadOptions>();

/** Sets the media-download options of the simulator at `simulatorUrl`; returns a reset function. */
export function configureMediaDownload(simulatorUrl: string, options: MediaDownloadOptions): () => void {
  for (const [name, min] of [
    ['pendingMs', 0],
    ['progressMs', 0],
    ['maxEntities', 1],
    ['downloadUrlTtlSeconds', 1],
  ] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      throw new RangeError(`mediaDownload.${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  }
  configured.set(simulatorUrl, { ...MEDIA_DOWNLOAD_DEFAULTS, ...options });
  return () => configured.delete(simulatorUrl);
}

export const mediaDownloadOptions = (ctx: SimContext): ResolvedMediaDownloadOptions =>
  configured.get(ctx.url) ?? MEDIA_DOWNLOAD_DEFAULTS;

export type RequestStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface MdEntity {
  readonly entityId: string;
  readonly status: 'COMPLETED' | 'FAILED';
  readonly failureReason: string | null;
  readonly recording?: SimRecording;
}

export interface MdRequest {
  readonly requestId: string;
  readonly kind: 'contacts' | 'segments';
  readonly entityIds: readonly string[];
  readonly createdMs: number;
  readonly startedMs: number;
  readonly completedMs: number;
  /** Judged on first read after completion. */
  entities?: readonly MdEntity[];
  /** CRC-32 of each completed entry's MP4, computed on the archive's first download. */
  crcs?: readonly number[];
}

interface MdState {
  readonly requests: Map<string, MdRequest>;
  created: number;
}

const states = new WeakMap<SimContext, MdState>();
const MAX_REQUESTS = 1000;

const stateOf = (ctx: SimContext): MdState => {
  let state = states.get(ctx);
  if (state === undefined) {
    state = { requests: new Map(), created: 0 };
    states.set(ctx, state);
  }
  return state;
};

export function createRequest(
  ctx: SimContext,
  kind: 'contacts' | 'segments',
  entityIds: readonly string[],
): MdRequest {
  const state = stateOf(ctx);
  state.created += 1;
  const now = ctx.nowMs();
  const options = mediaDownloadOptions(ctx);
  const request: MdRequest = {
    requestId: uuidFromString(`md-request:${ctx.url}:${now}:${state.created}`),
    kind,
    entityIds,
    createdMs: now,
    startedMs: now + options.pendingMs,
    completedMs: now + options.pendingMs + options.progressMs,
  };
  state.requests.set(request.requestId, request);
  while (state.requests.size > MAX_REQUESTS) {
    state.requests.delete(state.requests.keys().next().value as string);
  }
  return request;
}

export const requestById = (ctx: SimContext, id: string): MdRequest | undefined =>
  stateOf(ctx).requests.get(id);

export function requestStatus(ctx: SimContext, request: MdRequest): RequestStatus {
  const now = ctx.nowMs();
  return now < request.startedMs ? 'PENDING' : now < request.completedMs ? 'IN_PROGRESS' : 'COMPLETED';
}

/**
 * Each entity as the completed request reports it. A contact entity is COMPLETED when it is a
 * master contact with a voice recording processed by the time the request completed
 * (`recordingDelaySeconds` after the call, as Media Playback); otherwise FAILED with a reason [U:
 * the reasons' wording is not published]. A segment entity is a segment id Media Playback gives a
 * recorded call (`segmentsDataList[].segmentId`); its media is the call's whole recording [U: how
 * the real API cuts a segment's media is not published].
 */
export function judgeEntities(ctx: SimContext, request: MdRequest): readonly MdEntity[] {
  if (request.entities !== undefined) return request.entities;
  const delayMs = ctx.options.recordingDelaySeconds * 1000;
  const failed = (entityId: string, failureReason: string): MdEntity => ({
    entityId,
    status: 'FAILED',
    failureReason,
  });
  const segments = request.kind === 'segments' ? findSegments(ctx, request.entityIds) : undefined;
  const entities = request.entityIds.map((entityId): MdEntity => {
    if (segments !== undefined) {
      const recording = segments.get(entityId);
      if (recording === undefined) return failed(entityId, 'Segment not found');
      if (request.completedMs < Date.parse(recording.endTime) + delayMs) {
        return failed(entityId, 'The recording is still being processed');
      }
      return { entityId, status: 'COMPLETED', failureReason: null, recording };
    }
    if (ctx.dataset.indexOf(entityId) === undefined) return failed(entityId, 'Contact not found');
    if (ctx.dataset.legsOf(entityId) === undefined) {
      return failed(entityId, 'Not a master contact: request the master contact id');
    }
    const recording = ctx.dataset.recordings.get(entityId);
    if (recording === undefined) return failed(entityId, 'No recording found for the contact');
    if (request.completedMs < Date.parse(recording.endTime) + delayMs) {
      return failed(entityId, 'The recording is still being processed');
    }
    return { entityId, status: 'COMPLETED', failureReason: null, recording };
  });
  request.entities = entities;
  return entities;
}

/**
 * The recordings of the asked segment ids (as `routes/media-playback.ts` names segments): one pass
 * over the recorded calls, keeping only the matches, stopping once every id is found. Segment ids
 * are one-way hashes, so this is a scan (done once per request, when it completes).
 */
function findSegments(ctx: SimContext, ids: readonly string[]): Map<string, SimRecording> {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const found = new Map<string, SimRecording>();
  for (const masterContactId of ctx.dataset.recordings.keys()) {
    const recording = ctx.dataset.recordings.get(masterContactId) as SimRecording;
    for (const leg of ctx.dataset.legsOf(masterContactId) ?? []) {
      const segmentId = uuidFromString(`segment:${recording.id}:${leg.contactId}`);
      if (wanted.has(segmentId)) found.set(segmentId, recording);
    }
    if (found.size === wanted.size) break;
  }
  return new Map(
    ids
      .map((id) => [id, found.get(id.toLowerCase())] as const)
      .filter((e): e is [string, SimRecording] => e[1] !== undefined),
  );
}

/** Streams a recording's MP4 through CRC-32 (bounded memory). */
async function crcOf(recording: SimRecording): Promise<number> {
  let crc = 0;
  for await (const chunk of mp4Recording(recording).open() as AsyncIterable<Buffer>) crc = crc32(chunk, crc);
  return crc;
}

/** The archive of a completed request: its COMPLETED entities as `{entityId}.mp4`, in request order. */
export async function archiveOf(ctx: SimContext, request: MdRequest): Promise<ZipArchive> {
  const done = judgeEntities(ctx, request).filter((entity) => entity.recording !== undefined);
  if (request.crcs === undefined) {
    const crcs: number[] = [];
    for (const entity of done) crcs.push(await crcOf(entity.recording as SimRecording));
    request.crcs = crcs;
  }
  const crcs = request.crcs;
  return zipArchive(
    done.map((entity, index) => {
      const file = mp4Recording(entity.recording as SimRecording);
      return {
        name: `${entity.entityId}.mp4`,
        size: file.size,
        crc32: crcs[index] as number,
        open: file.open,
      };
    }),
    {
      zip64: mediaDownloadOptions(ctx).forceZip64 ? 'always' : 'auto',
      modified: new Date(request.completedMs),
    },
  );
}
