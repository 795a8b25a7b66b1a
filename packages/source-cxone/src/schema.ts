import { durationSchema, type JsonSchema, type Redacted } from '@cxarchive/core';
import {
  type ClientAuth,
  CONNECTION_DEFAULTS,
  CONNECTION_REQUIRED,
  type CxoneConnectionInput,
  connectionOptionsSchema,
} from '@cxarchive/cxone-api';
import { type DetailKind, detailsOptionsSchema } from './details.js';
import { mediaOptionsSchema } from './media-options.js';
import { type RecordingCheck, type RecordingsMode, recordingPathsSchema } from './recording-paths.js';
import { DEFAULT_API_VERSION } from './versions.js';
import { type WriteBackValue, writeBackOptionsSchema } from './write-back.js';

export type { ClientAuth, RecordingCheck, RecordingsMode };
/** voice: call recordings; chat, email: their transcripts (all from Media Playback). */
export type MediaKind = 'voice' | 'chat' | 'email';
export const MEDIA_KINDS: readonly MediaKind[] = ['voice', 'chat', 'email'];

/** Options as a pipeline file writes them (`source.with`): the connection options, then the source's. */
export interface CxoneSourceOptionsInput extends CxoneConnectionInput {
  readonly since: string;
  readonly settleLag?: string;
  readonly overlap?: string;
  readonly recordingLag?: string;
  readonly recordingHorizon?: string;
  readonly media?: readonly MediaKind[];
  readonly apiVersion?: string;
  readonly mediaTypes?: readonly number[];
  readonly skills?: readonly number[];
  readonly campaigns?: readonly number[];
  readonly teams?: readonly number[];
  readonly pageSize?: number;
  readonly details?: readonly DetailKind[];
  readonly recordingCheck?: RecordingCheck;
  readonly recordings?: RecordingsMode;
  readonly bulkBatchSize?: number;
  readonly writeBack?: {
    readonly businessData?: { readonly fields: Readonly<Record<string, WriteBackValue>> };
  };
}

/** Options as create() receives them: validated, defaults applied, secrets wrapped in `Redacted`. */
export interface CxoneSourceOptions {
  readonly issuer: string;
  readonly apiBaseUrl?: string;
  readonly accessKeyId: Redacted<string>;
  readonly accessKeySecret: Redacted<string>;
  readonly clientId: string;
  readonly clientSecret: Redacted<string>;
  readonly clientAuth: ClientAuth;
  readonly since: string;
  readonly settleLag: string;
  readonly overlap: string;
  readonly recordingLag: string;
  readonly recordingHorizon?: string;
  readonly media: readonly MediaKind[];
  readonly apiVersion: string;
  readonly mediaTypes?: readonly number[];
  readonly skills?: readonly number[];
  readonly campaigns?: readonly number[];
  readonly teams?: readonly number[];
  readonly pageSize: number;
  readonly requestTimeout: string;
  readonly tokenRefreshSkew: string;
  readonly details?: readonly DetailKind[];
  readonly recordingCheck?: RecordingCheck;
  readonly recordings?: RecordingsMode;
  readonly bulkBatchSize?: number;
  readonly writeBack?: {
    readonly businessData?: { readonly fields: Readonly<Record<string, WriteBackValue>> };
  };
}

export const DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  settleLag: '30m',
  overlap: '15m',
  recordingLag: '30m',
  media: ['voice'],
  apiVersion: DEFAULT_API_VERSION,
  pageSize: 100,
} as const satisfies Partial<CxoneSourceOptions>;

/**
 * A filter option: contacts/completed filters on one id per parameter, so a single id is sent to
 * the API and a longer list is applied to the listed records (contact-filter.ts).
 */
const idList = (description: string) => ({
  description:
    `${description} One id is sent to the API as a filter; with several, every contact is listed and ` +
    'those not matching are skipped (their checkpoint still advances). Absent or empty: no filter.',
  type: 'array',
  items: { type: 'integer', minimum: 0 },
  uniqueItems: true,
});

const { requestTimeout: _sharedTimeout, tokenRefreshSkew, ...connection } = connectionOptionsSchema;

/** JSON Schema (draft-07) of `source.with`: the single source of the option docs. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...CONNECTION_REQUIRED, 'since'],
  properties: {
    // issuer, apiBaseUrl, the access key, the client id/secret and clientAuth, shared with every
    // plugin that talks to CXone; requestTimeout and tokenRefreshSkew come later in the table.
    ...connection,
    since: {
      description:
        'Earliest lastUpdateTime to archive (ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z). ' +
        'The first run starts here; later runs resume from the checkpoint.',
      type: 'string',
      format: 'date-time',
    },
    settleLag: durationSchema(
      'Contacts updated later than now minus this lag are left for a later run, because CXone data arrives late.',
      DEFAULTS.settleLag,
    ),
    overlap: durationSchema(
      'Each run re-queries from the checkpoint minus this overlap, to catch late-arriving contacts; ' +
        'duplicates are dropped by contactId.',
      DEFAULTS.overlap,
    ),
    recordingLag: durationSchema(
      'How long after a contact ends its recording or transcript may still be missing from Media Playback ' +
        '(NICE documents up to 30 minutes for recording metadata). A voice contact without a recording is ' +
        'looked at again once this lag has passed, then at growing intervals until recordingHorizon; a chat ' +
        'or email contact without a transcript is archived without one once the lag has passed.',
      DEFAULTS.recordingLag,
    ),
    ...mediaOptionsSchema,
    media: {
      description:
        'Media archived with each master contact, all from Media Playback: "voice" = call recordings ' +
        '(recording.mp4, …), "chat" = chat transcripts (chat-transcript.json), "email" = email transcripts ' +
        '(email-transcript.json). An empty list archives contact metadata only.',
      type: 'array',
      items: { type: 'string', enum: [...MEDIA_KINDS] },
      uniqueItems: true,
      default: [...DEFAULTS.media],
    },
    apiVersion: {
      description:
        'Version of the CXone ACD/reporting API (incontactapi/services/{apiVersion}) used to list and read ' +
        'contacts. Default v33.0: the newest version whose field names are publicly known, and the one ' +
        "NICE's own agent SDK uses; no public source shows the names of v29.0. v33.0, v23.0 and v21.0 " +
        'have verified field maps (v21/v23 say contactStart, fromAddr, toAddr, mediaType, confSeconds, ' +
        'ACWSeconds). Records are archived under the v33 names whatever the version, with every other ' +
        'field kept as sent. Any other vNN.0 is accepted and read with both spellings.',
      type: 'string',
      pattern: '^v\\d+\\.0$',
      default: DEFAULTS.apiVersion,
    },
    mediaTypes: idList(
      'Archive only contacts of these media types (mediaTypeId: 1 Email, 3 Chat, 4 Phone Call, 5 Voice Mail, ' +
        '6 Work Time, 7 SMS, 8 Social, 9 Digital).',
    ),
    skills: idList('Archive only contacts of these skills (skillId).'),
    campaigns: idList('Archive only contacts of these campaigns (campaignId).'),
    teams: idList("Archive only contacts handled by these teams (teamId, the agent's team)."),
    pageSize: {
      description: 'Contacts requested per listing page (the `top` parameter of contacts/completed).',
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: DEFAULTS.pageSize,
    },
    // The shared option, with what it means for a recording download.
    requestTimeout: durationSchema(
      'Timeout of one API request (for a recording download: until the response starts, then between chunks).',
      CONNECTION_DEFAULTS.requestTimeout,
    ),
    tokenRefreshSkew,
    ...detailsOptionsSchema,
    ...recordingPathsSchema,
    ...writeBackOptionsSchema,
  },
};
