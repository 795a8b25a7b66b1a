import {
  AGENTS,
  DISPOSITIONS,
  MEDIA_TYPES,
  type MediaKind,
  type SimAgent,
  type SimSkill,
  SKILLS,
  TAGS,
} from './catalog.js';
import { resolveRecordingSeconds } from './options.js';
import { createRng, type Rng } from './prng.js';

/** One contact leg, exactly as `contacts/completed` returns it (field names of the published OpenAPI spec). */
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
  readonly transferIndicatorName: string;
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
  readonly routingAttribute: string;
  readonly highProficiency: number;
  readonly lowProficiency: number;
  readonly tags: readonly string[];
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
  /** Every contact leg, ordered by contactId. */
  readonly contacts: readonly SimContact[];
  /** Recordings keyed by masterContactId. */
  readonly recordings: ReadonlyMap<string, SimRecording>;
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

const SHARE_VOICE = 0.8;
const SHARE_CHAT = 0.1;
const SHARE_TRANSFERRED = 0.2;
const SHARE_VOICE_WITHOUT_RECORDING = 0.1;

interface LegDraft {
  readonly masterIndex: number;
  readonly legIndex: number;
  readonly startMs: number;
  readonly agent: SimAgent;
  readonly preQueueSeconds: number;
  readonly inQueueSeconds: number;
  readonly agentSeconds: number;
  readonly endReason: string;
  readonly transferred: boolean;
}

interface MasterDraft {
  readonly index: number;
  readonly kind: MediaKind;
  readonly skill: SimSkill;
  readonly customerAddress: string;
  readonly legs: LegDraft[];
  readonly recording: { readonly id: string; readonly startMs: number; readonly seconds: number } | null;
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

function otherAgent(rng: Rng, not: SimAgent): SimAgent {
  const others = AGENTS.filter((agent) => agent.agentId !== not.agentId);
  return rng.pick(others);
}

function endReason(rng: Rng): string {
  return rng.chance(0.6) ? 'Contact Hung Up' : 'Agent Hung Up';
}

function draftMaster(
  rng: Rng,
  index: number,
  wantsTwoLegs: boolean,
  bounds: readonly [number, number],
): MasterDraft {
  const roll = rng.next();
  const kind: MediaKind = roll < SHARE_VOICE ? 'voice' : roll < SHARE_VOICE + SHARE_CHAT ? 'chat' : 'email';
  const skill = rng.pick(SKILLS[kind]);
  const address = customerAddress(rng, kind);
  const startMs = rng.int(WINDOW_START_MS, WINDOW_LAST_START_MS);
  const talkSeconds = rng.int(bounds[0], bounds[1]);
  const agent1 = rng.pick(AGENTS);
  const preQueue1 = kind === 'voice' && !skill.isOutbound ? rng.int(0, 20) : 0;
  const inQueue1 = skill.isOutbound ? 0 : rng.int(0, 180);
  const legs: LegDraft[] = [];
  if (wantsTwoLegs && talkSeconds >= 3) {
    // A transfer: the first agent talks, the contact waits briefly, a second agent finishes it.
    const inQueue2 = rng.int(0, Math.min(30, talkSeconds - 2));
    const first = rng.int(1, talkSeconds - inQueue2 - 1);
    const second = talkSeconds - inQueue2 - first;
    legs.push({
      masterIndex: index,
      legIndex: 0,
      startMs,
      agent: agent1,
      preQueueSeconds: preQueue1,
      inQueueSeconds: inQueue1,
      agentSeconds: first,
      endReason: 'Transferred',
      transferred: true,
    });
    legs.push({
      masterIndex: index,
      legIndex: 1,
      startMs: startMs + (preQueue1 + inQueue1 + first) * 1000,
      agent: otherAgent(rng, agent1),
      preQueueSeconds: 0,
      inQueueSeconds: inQueue2,
      agentSeconds: second,
      endReason: endReason(rng),
      transferred: false,
    });
  } else {
    legs.push({
      masterIndex: index,
      legIndex: 0,
      startMs,
      agent: agent1,
      preQueueSeconds: preQueue1,
      inQueueSeconds: inQueue1,
      agentSeconds: talkSeconds,
      endReason: endReason(rng),
      transferred: false,
    });
  }
  const recorded = kind === 'voice' && !rng.chance(SHARE_VOICE_WITHOUT_RECORDING);
  const recording = recorded
    ? { id: rng.uuid(), startMs: startMs + (preQueue1 + inQueue1) * 1000, seconds: talkSeconds }
    : null;
  return { index, kind, skill, customerAddress: address, legs, recording };
}

function toContact(
  rng: Rng,
  master: MasterDraft,
  leg: LegDraft,
  contactId: string,
  masterContactId: string,
): SimContact {
  const media = MEDIA_TYPES[master.kind];
  const holdCount = master.kind === 'voice' && rng.chance(0.3) ? rng.int(1, 2) : 0;
  const holdSeconds = holdCount > 0 ? rng.int(1, Math.max(1, Math.floor(leg.agentSeconds / 4))) : 0;
  const acwSeconds = rng.int(0, 120);
  const totalDurationSeconds = leg.preQueueSeconds + leg.inQueueSeconds + leg.agentSeconds;
  const lagMs = rng.int(15 * 60_000, 40 * 60_000);
  const lastUpdateTime = new Date(leg.startMs + totalDurationSeconds * 1000 + lagMs).toISOString();
  const disposition = rng.pick(DISPOSITIONS);
  const tags = rng.chance(0.15) ? [rng.pick(TAGS)] : [];
  const outbound = master.skill.isOutbound;
  return {
    contactId,
    masterContactId,
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
    transferIndicatorId: leg.transferred ? 1 : 0,
    transferIndicatorName: leg.transferred ? 'Transfer' : 'None',
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
    routingAttribute: '',
    highProficiency: 1,
    lowProficiency: 20,
    tags: Object.freeze(tags),
  };
}

/**
 * Builds the simulated data set. Deterministic: the same seed, contact count and recording bounds
 * always give the same contacts and the same recordings (ids, sizes, bytes).
 */
export function buildDataset(options: BuildDatasetOptions): Dataset {
  const { seed, contacts: legCount } = options;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`seed must be an integer between 0 and 4294967295, got ${String(seed)}`);
  }
  if (!Number.isSafeInteger(legCount) || legCount < 0 || legCount > 1_000_000) {
    throw new RangeError(`contacts must be an integer between 0 and 1000000, got ${String(legCount)}`);
  }
  const bounds = resolveRecordingSeconds(options.recordingSeconds);
  const rng = createRng(seed);

  const masters: MasterDraft[] = [];
  let remaining = legCount;
  while (remaining > 0) {
    const wantsTwoLegs = remaining >= 2 && rng.chance(SHARE_TRANSFERRED);
    const master = draftMaster(rng, masters.length, wantsTwoLegs, bounds);
    masters.push(master);
    remaining -= master.legs.length;
  }

  // Contact ids grow with the start time, as the ACD hands them out.
  const legs = masters
    .flatMap((master) => master.legs)
    .sort((a, b) => a.startMs - b.startMs || a.masterIndex - b.masterIndex || a.legIndex - b.legIndex);
  const contactIds = new Map<LegDraft, string>();
  let nextId = FIRST_CONTACT_ID + rng.int(1, 999);
  for (const leg of legs) {
    contactIds.set(leg, String(nextId));
    nextId += rng.int(1, 7);
  }

  const contactList: SimContact[] = [];
  for (const leg of legs) {
    const master = masters[leg.masterIndex] as MasterDraft;
    const masterContactId = contactIds.get(master.legs[0] as LegDraft) as string;
    contactList.push(toContact(rng, master, leg, contactIds.get(leg) as string, masterContactId));
  }

  const recordingList: SimRecording[] = [];
  for (const master of masters) {
    if (master.recording === null) continue;
    const masterContactId = contactIds.get(master.legs[0] as LegDraft) as string;
    recordingList.push({
      id: master.recording.id,
      masterContactId,
      size: master.recording.seconds * BYTES_PER_SECOND + WAV_HEADER_BYTES,
      contentType: 'audio/wav',
      startTime: new Date(master.recording.startMs).toISOString(),
      endTime: new Date(master.recording.startMs + master.recording.seconds * 1000).toISOString(),
    });
  }
  recordingList.sort((a, b) => compareContactIds(a.masterContactId, b.masterContactId));

  return Object.freeze({
    contacts: Object.freeze(contactList.map((contact) => Object.freeze(contact))),
    recordings: new Map(
      recordingList.map((recording) => [recording.masterContactId, Object.freeze(recording)]),
    ),
  });
}

/** Orders digit-string contact ids numerically. */
export function compareContactIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
