import {
  AGENTS,
  DISPOSITIONS,
  MEDIA_TYPES,
  type MediaKind,
  type SimAgent,
  type SimSkill,
  type SimTag,
  SKILLS,
  TAGS,
  TRANSFER_INDICATORS,
} from './catalog.js';
import { Draws } from './draws.js';
import { LazyMap, lazyList } from './lazy.js';
import { resolveRecordingSeconds } from './options.js';
import { createRng, formatUuid, type Rng } from './prng.js';

/**
 * One contact leg, in the field names of API v33.0 (the published OpenAPI spec). Ids are kept as
 * digit strings here; `versions.ts` renders the record as a given API version sends it (its field
 * names, numeric ids, tag objects).
 */
export interface SimContact {
  readonly contactId: string;
  readonly masterContactId: string;
  readonly contactStartDate: string;
  readonly lastUpdateTime: string;
  readonly agentId: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly teamId: number;
  readonly teamName: string;
  readonly skillId: number;
  readonly skillName: string;
  readonly campaignId: number;
  readonly campaignName: string;
  readonly mediaTypeId: number;
  readonly mediaTypeName: string;
  readonly mediaSubTypeId: number;
  readonly mediaSubTypeName: string;
  readonly pointOfContactId: number;
  readonly pointOfContactName: string;
  readonly fromAddress: string;
  readonly toAddress: string;
  readonly isOutbound: boolean;
  readonly abandoned: boolean;
  readonly abandonSeconds: number;
  readonly acwSeconds: number;
  readonly agentSeconds: number;
  readonly conferenceSeconds: number;
  readonly holdCount: number;
  readonly holdSeconds: number;
  readonly inQueueSeconds: number;
  readonly preQueueSeconds: number;
  readonly postQueueSeconds: number;
  readonly releaseSeconds: number;
  readonly totalDurationSeconds: number;
  readonly routingTime: number;
  readonly callbackTime: number;
  readonly primaryDispositionId: number;
  readonly secondaryDispositionId: number;
  readonly dispositionNotes: string;
  readonly endReason: string;
  readonly transferIndicatorId: number;
  readonly transferIndicatorName: 'None' | 'ReAgent';
  readonly serviceLevelFlag: number;
  readonly isLogged: boolean;
  readonly isRefused: boolean;
  readonly refuseReason: string;
  readonly refuseTime: string | null;
  readonly isShortAbandon: boolean;
  readonly isTakeover: boolean;
  readonly dateContactWarehoused: string;
  readonly dateACWWarehoused: string;
  readonly isAnalyticsProcessed: boolean;
  readonly analyticsProcessedDate: string | null;
  readonly routingAttribute: number;
  readonly highProficiency: number;
  readonly lowProficiency: number;
  readonly tags: readonly SimTag[];
}

/** A voice recording of one master contact: 8 kHz mono μ-law WAV. */
export interface SimRecording {
  readonly id: string;
  readonly masterContactId: string;
  /** Bytes of the WAV file: seconds × 8000 + 44. */
  readonly size: number;
  readonly contentType: 'audio/wav';
  readonly startTime: string;
  readonly endTime: string;
}

export interface Dataset {
  /** Number of contact legs. */
  readonly size: number;
  /** Every contact leg, ordered by contactId: a lazy view, each record computed when read. */
  readonly contacts: readonly SimContact[];
  /** Recordings keyed by masterContactId, looked up on demand. */
  readonly recordings: ReadonlyMap<string, SimRecording>;
  /** The leg at a position in contactId order (0-based). */
  contactAt(index: number): SimContact;
  /** Position of a contact id in contactId order, or undefined for an id not in the data set. */
  indexOf(contactId: string): number | undefined;
  /** Legs of a master contact in contactId order, or undefined when the id is not a master. */
  legsOf(masterContactId: string): readonly SimContact[] | undefined;
  /** Position of a master contact among the masters, in contactId order. */
  masterPositionOf(masterContactId: string): number | undefined;
  /** The recording with this id, if any. */
  recordingById(recordingId: string): SimRecording | undefined;
  /**
   * The positions that may hold a leg that started at or after `startMs` (a lower bound, safe
   * for `lastUpdateTime` too: every leg's lastUpdateTime is later than its start).
   */
  firstIndexStartingFrom(startMs: number): number;
  /** The positions past the last one that may hold a leg started before `endMs`. */
  endIndexStartingBefore(endMs: number): number;
  /** `lastUpdateTime` is never more than this many milliseconds after `contactStartDate`. */
  readonly maxUpdateLagMs: number;
}

export interface BuildDatasetOptions {
  readonly seed: number;
  /** Number of contact legs. */
  readonly contacts: number;
  /** Minimum and maximum recording length in seconds; default [30, 600]. */
  readonly recordingSeconds?: readonly [number, number];
}

/** WAV: 8000 samples per second, one byte per sample. */
export const BYTES_PER_SECOND = 8000;
export const WAV_HEADER_BYTES = 44;

const WINDOW_START_MS = Date.UTC(2026, 9, 1);
/** Masters start before 22:00 on 14 October, so every leg starts on 1–14 October 2026 (UTC). */
const WINDOW_LAST_START_MS = Date.UTC(2026, 9, 14, 22);
const FIRST_CONTACT_ID = 702_100_000_000;
/** Each position owns 8 consecutive ids; the leg's id is one of them, so ids grow with position. */
const ID_STRIDE = 8;

const SHARE_VOICE = 0.8;
const SHARE_CHAT = 0.1;
/** A pair of positions is one transferred master with probability 1/3: about 20% of masters. */
const SHARE_PAIRED = 1 / 3;
const SHARE_VOICE_WITHOUT_RECORDING = 0.1;
const MAX_PRE_QUEUE_SECONDS = 20;
const MAX_IN_QUEUE_SECONDS = 180;
const MIN_LAG_MS = 15 * 60_000;
const MAX_LAG_MS = 40 * 60_000;

/** A 32-bit seed for the generator of one position and purpose: the data set stays random-access. */
function mix(seed: number, position: number, purpose: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1) ^ Math.imul(purpose + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const PURPOSE = { pair: 0, master: 1, leg: 2, id: 3, recording: 4 } as const;

interface MasterDraft {
  readonly position: number;
  readonly kind: MediaKind;
  readonly skill: SimSkill;
  readonly customerAddress: string;
  readonly startMs: number;
  readonly legs: readonly LegDraft[];
  readonly recording: { readonly startMs: number; readonly seconds: number } | null;
}

interface LegDraft {
  readonly position: number;
  readonly startMs: number;
  readonly agent: SimAgent;
  readonly preQueueSeconds: number;
  readonly inQueueSeconds: number;
  readonly agentSeconds: number;
  readonly endReason: string;
  readonly transferred: boolean;
}

function customerAddress(rng: Rng, kind: MediaKind): string {
  switch (kind) {
    case 'voice':
      return `+1555${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
    case 'chat':
      return `visitor-${String(rng.int(0, 999_999)).padStart(6, '0')}`;
    case 'email':
      return `customer${String(rng.int(0, 99_999)).padStart(5, '0')}@example.net`;
  }
}

function endReason(rng: Rng): string {
  return rng.chance(0.6) ? 'Contact Hung Up' : 'Agent Hung Up';
}

/** Orders digit-string contact ids numerically. */
export function compareContactIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Builds the simulated data set. Deterministic: the same seed, contact count and recording bounds
 * always give the same contacts and the same recordings (ids, sizes, bytes). Nothing is generated
 * up front: each leg is computed from the seed and its position when read, so start-up time and
 * memory do not grow with the number of contacts.
 *
 * Positions come in pairs: a pair is either two masters of one leg each, or (about a third of the
 * pairs) one transferred master whose second leg follows it. Masters start in position order,
 * spread over 1–14 October 2026. The first master is always a recorded call.
 */
export function buildDataset(options: BuildDatasetOptions): Dataset {
  const { seed, contacts: size } = options;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`seed must be an integer between 0 and 4294967295, got ${String(seed)}`);
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > 1_000_000) {
    throw new RangeError(`contacts must be an integer between 0 and 1000000, got ${String(size)}`);
  }
  const bounds = resolveRecordingSeconds(options.recordingSeconds);
  const firstId = FIRST_CONTACT_ID + createRng(seed).int(1, 999);
  const span = WINDOW_LAST_START_MS - WINDOW_START_MS;
  const slotStart = (position: number): number =>
    WINDOW_START_MS + Math.floor((position * span) / Math.max(1, size));
  const maxLegOffsetMs = (MAX_PRE_QUEUE_SECONDS + MAX_IN_QUEUE_SECONDS + bounds[1]) * 1000;
  const maxUpdateLagMs = maxLegOffsetMs + MAX_IN_QUEUE_SECONDS * 1000 + MAX_LAG_MS;

  // Small memos of what every read of a leg recomputes (1.5 bytes per position at most, made on
  // first use): whether a pair is one transferred master, and each position's id offset.
  let pairMemo: Uint8Array | undefined; // 0 unknown, 1 two masters, 2 one transferred master
  let idMemo: Uint8Array | undefined; // 0 unknown, else the id's offset in its stride + 1
  const paired = (pair: number): boolean => {
    pairMemo ??= new Uint8Array(Math.ceil(size / 2));
    const known = pairMemo[pair];
    if (known !== undefined && known !== 0) return known === 2;
    const answer =
      2 * pair + 1 < size && bounds[1] >= 3 && new Draws(mix(seed, pair, PURPOSE.pair)).chance(SHARE_PAIRED);
    if (known !== undefined) pairMemo[pair] = answer ? 2 : 1;
    return answer;
  };
  /** The master's position for the leg at `position`. */
  const masterPosition = (position: number): number =>
    position % 2 === 1 && paired((position - 1) / 2) ? position - 1 : position;

  const idAt = (position: number): number => {
    idMemo ??= new Uint8Array(size);
    const known = idMemo[position];
    if (known !== undefined && known !== 0) return firstId + position * ID_STRIDE + known - 1;
    const offset = new Draws(mix(seed, position, PURPOSE.id)).int(0, ID_STRIDE - 1);
    if (known !== undefined) idMemo[position] = offset + 1;
    return firstId + position * ID_STRIDE + offset;
  };

  /** The last few masters drafted: the legs of a transfer, read one after the other, share one. */
  const recentMasters: (MasterDraft | undefined)[] = new Array(4);
  const draftMaster = (position: number): MasterDraft => {
    const slot = position & 3;
    const recent = recentMasters[slot];
    if (recent?.position === position) return recent;
    const draft = draftMasterAnew(position);
    recentMasters[slot] = draft;
    return draft;
  };

  const draftMasterAnew = (position: number): MasterDraft => {
    const rng = new Draws(mix(seed, position, PURPOSE.master));
    const roll = rng.next();
    const first = position === 0;
    const kind: MediaKind =
      first || roll < SHARE_VOICE ? 'voice' : roll < SHARE_VOICE + SHARE_CHAT ? 'chat' : 'email';
    const skill = rng.pick(SKILLS[kind]);
    const address = customerAddress(rng, kind);
    const width = Math.max(1, slotStart(position + 1) - slotStart(position));
    const startMs = slotStart(position) + rng.int(0, width - 1);
    const twoLegs = position % 2 === 0 && paired(position / 2);
    const talkSeconds = rng.int(twoLegs ? Math.max(3, bounds[0]) : bounds[0], bounds[1]);
    const agent1 = rng.pick(AGENTS);
    const preQueue1 = kind === 'voice' && !skill.isOutbound ? rng.int(0, MAX_PRE_QUEUE_SECONDS) : 0;
    const inQueue1 = skill.isOutbound ? 0 : rng.int(0, MAX_IN_QUEUE_SECONDS);
    const recorded = kind === 'voice' && (first || !rng.chance(SHARE_VOICE_WITHOUT_RECORDING));
    const legs: LegDraft[] = [];
    if (twoLegs) {
      // A transfer: the first agent talks, the contact waits briefly, a second agent finishes it.
      const inQueue2 = rng.int(0, Math.min(30, talkSeconds - 2));
      const firstPart = rng.int(1, talkSeconds - inQueue2 - 1);
      const others = AGENTS.filter((agent) => agent.agentId !== agent1.agentId);
      legs.push({
        position,
        startMs,
        agent: agent1,
        preQueueSeconds: preQueue1,
        inQueueSeconds: inQueue1,
        agentSeconds: firstPart,
        endReason: 'Transferred',
        transferred: true,
      });
      legs.push({
        position: position + 1,
        startMs: startMs + (preQueue1 + inQueue1 + firstPart) * 1000,
        agent: rng.pick(others),
        preQueueSeconds: 0,
        inQueueSeconds: inQueue2,
        agentSeconds: talkSeconds - inQueue2 - firstPart,
        endReason: endReason(rng),
        transferred: false,
      });
    } else {
      legs.push({
        position,
        startMs,
        agent: agent1,
        preQueueSeconds: preQueue1,
        inQueueSeconds: inQueue1,
        agentSeconds: talkSeconds,
        endReason: endReason(rng),
        transferred: false,
      });
    }
    const recording = recorded
      ? { startMs: startMs + (preQueue1 + inQueue1) * 1000, seconds: talkSeconds }
      : null;
    return { position, kind, skill, customerAddress: address, startMs, legs, recording };
  };

  const toContact = (master: MasterDraft, leg: LegDraft): SimContact => {
    const rng = new Draws(mix(seed, leg.position, PURPOSE.leg));
    const media = MEDIA_TYPES[master.kind];
    const holdCount = master.kind === 'voice' && rng.chance(0.3) ? rng.int(1, 2) : 0;
    const holdSeconds = holdCount > 0 ? rng.int(1, Math.max(1, Math.floor(leg.agentSeconds / 4))) : 0;
    const acwSeconds = rng.int(0, 120);
    const totalDurationSeconds = leg.preQueueSeconds + leg.inQueueSeconds + leg.agentSeconds;
    const lagMs = rng.int(MIN_LAG_MS, MAX_LAG_MS);
    const lastUpdateTime = new Date(leg.startMs + totalDurationSeconds * 1000 + lagMs).toISOString();
    const disposition = rng.pick(DISPOSITIONS);
    const tags = rng.chance(0.15) ? [rng.pick(TAGS)] : [];
    const outbound = master.skill.isOutbound;
    const transfer = leg.transferred ? TRANSFER_INDICATORS.reAgent : TRANSFER_INDICATORS.none;
    return Object.freeze({
      contactId: String(idAt(leg.position)),
      masterContactId: String(idAt(master.position)),
      contactStartDate: new Date(leg.startMs).toISOString(),
      lastUpdateTime,
      agentId: leg.agent.agentId,
      firstName: leg.agent.firstName,
      lastName: leg.agent.lastName,
      teamId: leg.agent.team.teamId,
      teamName: leg.agent.team.teamName,
      skillId: master.skill.skillId,
      skillName: master.skill.skillName,
      campaignId: master.skill.campaignId,
      campaignName: master.skill.campaignName,
      mediaTypeId: media.mediaTypeId,
      mediaTypeName: media.mediaTypeName,
      mediaSubTypeId: media.mediaSubTypeId,
      mediaSubTypeName: media.mediaSubTypeName,
      pointOfContactId: master.skill.pointOfContactId,
      pointOfContactName: master.skill.pointOfContactName,
      fromAddress: outbound ? master.skill.address : master.customerAddress,
      toAddress: outbound ? master.customerAddress : master.skill.address,
      isOutbound: outbound,
      abandoned: false,
      abandonSeconds: 0,
      acwSeconds,
      agentSeconds: leg.agentSeconds,
      conferenceSeconds: 0,
      holdCount,
      holdSeconds,
      inQueueSeconds: leg.inQueueSeconds,
      preQueueSeconds: leg.preQueueSeconds,
      postQueueSeconds: 0,
      releaseSeconds: 0,
      totalDurationSeconds,
      routingTime: leg.inQueueSeconds,
      callbackTime: 0,
      primaryDispositionId: disposition,
      secondaryDispositionId: 0,
      dispositionNotes: '',
      endReason: leg.endReason,
      transferIndicatorId: transfer.transferIndicatorId,
      transferIndicatorName: transfer.transferIndicatorName,
      serviceLevelFlag: leg.inQueueSeconds <= 30 ? 1 : 0,
      isLogged: true,
      isRefused: false,
      refuseReason: '',
      refuseTime: null,
      isShortAbandon: false,
      isTakeover: false,
      dateContactWarehoused: lastUpdateTime,
      dateACWWarehoused: lastUpdateTime,
      isAnalyticsProcessed: false,
      analyticsProcessedDate: null,
      routingAttribute: 0,
      highProficiency: 1,
      lowProficiency: 20,
      tags: Object.freeze(tags),
    });
  };

  const contactAt = (position: number): SimContact => {
    if (!Number.isInteger(position) || position < 0 || position >= size) {
      throw new RangeError(`no contact at position ${String(position)}`);
    }
    const master = draftMaster(masterPosition(position));
    const leg = master.legs.find((candidate) => candidate.position === position) as LegDraft;
    return toContact(master, leg);
  };

  const indexOf = (contactId: string): number | undefined => {
    if (!/^[1-9]\d{0,15}$/.test(contactId)) return undefined;
    const offset = Number(contactId) - firstId;
    if (offset < 0) return undefined;
    const position = Math.floor(offset / ID_STRIDE);
    return position < size && idAt(position) === Number(contactId) ? position : undefined;
  };

  const masterIndexOf = (masterContactId: string): number | undefined => {
    const position = indexOf(masterContactId);
    return position !== undefined && masterPosition(position) === position ? position : undefined;
  };

  const recordingOf = (position: number): SimRecording | undefined => {
    const master = draftMaster(position);
    if (master.recording === null) return undefined;
    const bytes = new Draws(mix(seed, position, PURPOSE.recording));
    const raw = Buffer.alloc(16);
    for (let i = 0; i < 10; i += 2) raw.writeUInt16BE(bytes.int(0, 0xffff), i);
    raw.writeUIntBE(position, 10, 6); // the position is readable back from the id
    return Object.freeze({
      id: formatUuid(raw),
      masterContactId: String(idAt(position)),
      size: master.recording.seconds * BYTES_PER_SECOND + WAV_HEADER_BYTES,
      contentType: 'audio/wav',
      startTime: new Date(master.recording.startMs).toISOString(),
      endTime: new Date(master.recording.startMs + master.recording.seconds * 1000).toISOString(),
    });
  };

  /** Masters before `position`, counted pair by pair and remembered every 1024 pairs. */
  const pairCheckpoints: number[] = [0];
  const mastersBefore = (position: number): number => {
    const pair = Math.floor(position / 2);
    const block = Math.floor(pair / 1024);
    while (pairCheckpoints.length <= block) {
      const from = (pairCheckpoints.length - 1) * 1024;
      let count = pairCheckpoints.at(-1) as number;
      for (let p = from; p < from + 1024; p++) count += paired(p) ? 1 : 2;
      pairCheckpoints.push(count);
    }
    let count = pairCheckpoints[block] as number;
    for (let p = block * 1024; p < pair; p++) count += paired(p) ? 1 : 2;
    return count + (position % 2 === 1 ? 1 : 0);
  };

  function* masterPositions(): Generator<number> {
    for (let position = 0; position < size; position++) {
      if (masterPosition(position) === position) yield position;
    }
  }

  const firstIndexStartingFrom = (startMs: number): number => {
    // A leg starts no earlier than its pair's slot and no later than the slot after it plus the
    // longest leg offset: search slots by (startMs − that margin), then step back over one pair.
    const target = startMs - maxLegOffsetMs;
    let low = 0;
    let high = size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (slotStart(middle + 1) < target) low = middle + 1;
      else high = middle;
    }
    return Math.max(0, low - 2);
  };

  const endIndexStartingBefore = (endMs: number): number => {
    let low = 0;
    let high = size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (slotStart(middle) < endMs) low = middle + 1;
      else high = middle;
    }
    return Math.min(size, low + 2);
  };

  return Object.freeze({
    size,
    contacts: lazyList(size, contactAt),
    recordings: new LazyMap<string, SimRecording>({
      get: (masterContactId) => {
        const position = masterIndexOf(masterContactId);
        return position === undefined ? undefined : recordingOf(position);
      },
      keys: function* () {
        for (const position of masterPositions()) {
          if (draftMaster(position).recording !== null) yield String(idAt(position));
        }
      },
    }),
    contactAt,
    indexOf,
    legsOf: (masterContactId: string) => {
      const position = masterIndexOf(masterContactId);
      if (position === undefined) return undefined;
      const master = draftMaster(position);
      return master.legs.map((leg) => toContact(master, leg));
    },
    masterPositionOf: (masterContactId: string) => {
      const position = masterIndexOf(masterContactId);
      return position === undefined ? undefined : mastersBefore(position);
    },
    recordingById: (recordingId: string) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(recordingId))
        return undefined;
      const position = Number.parseInt(recordingId.slice(24), 16);
      if (position >= size || masterPosition(position) !== position) return undefined;
      const recording = recordingOf(position);
      return recording?.id === recordingId ? recording : undefined;
    },
    firstIndexStartingFrom,
    endIndexStartingBefore,
    maxUpdateLagMs,
  });
}
