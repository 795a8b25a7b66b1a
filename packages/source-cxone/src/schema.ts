import { durationSchema, type JsonSchema, type Redacted } from '@cxarchive/core';
import type { ClientAuth } from '@cxarchive/cxone-api';

export type { ClientAuth };
export type MediaKind = 'voice';

/** Options as a pipeline file writes them (`source.with`). */
export interface CxoneSourceOptionsInput {
  readonly issuer?: string;
  readonly apiBaseUrl?: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuth?: ClientAuth;
  readonly since: string;
  readonly settleLag?: string;
  readonly overlap?: string;
  readonly recordingLag?: string;
  readonly media?: readonly MediaKind[];
  readonly apiVersion?: string;
  readonly pageSize?: number;
  readonly requestTimeout?: string;
  readonly tokenRefreshSkew?: string;
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
  readonly media: readonly MediaKind[];
  readonly apiVersion: string;
  readonly pageSize: number;
  readonly requestTimeout: string;
  readonly tokenRefreshSkew: string;
}

export const DEFAULTS = {
  issuer: 'https://cxone.niceincontact.com',
  clientAuth: 'basic',
  settleLag: '30m',
  overlap: '15m',
  recordingLag: '30m',
  media: ['voice'],
  apiVersion: 'v29.0',
  pageSize: 100,
  requestTimeout: '30s',
  tokenRefreshSkew: '5m',
} as const satisfies Partial<CxoneSourceOptions>;

const secret = (description: string) => ({
  description,
  type: 'string',
  minLength: 1,
  'x-cxarchive-secret': true,
});

/** JSON Schema (draft-07) of `source.with`: the single source of the option docs. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accessKeyId', 'accessKeySecret', 'clientId', 'clientSecret', 'since'],
  properties: {
    issuer: {
      description:
        'CXone OpenID issuer; the token endpoint is discovered from {issuer}/.well-known/openid-configuration. ' +
        'Must be https (http only to a loopback host). FedRAMP: https://cxone-gov.niceincontact.com.',
      type: 'string',
      format: 'uri',
      default: DEFAULTS.issuer,
    },
    apiBaseUrl: {
      description:
        'API base URL (e.g. https://api-na1.niceincontact.com). When set, the tenant discovery ' +
        '({issuer}/.well-known/cxone-configuration) is skipped. Must be https (http only to a loopback host).',
      type: 'string',
      format: 'uri',
    },
    accessKeyId: secret('Access key id of the CXone API user (sent as the password-grant username).'),
    accessKeySecret: secret('Access key secret of the CXone API user (sent as the password-grant password).'),
    clientId: {
      description: 'Client id of the back-end application registered with NICE.',
      type: 'string',
      minLength: 1,
    },
    clientSecret: secret('Client secret of the back-end application registered with NICE.'),
    clientAuth: {
      description:
        'How the client id/secret are sent to the token endpoint: "basic" (HTTP Basic, client_secret_basic) ' +
        'or "post" (form fields, client_secret_post), as chosen when the application was registered.',
      type: 'string',
      enum: ['basic', 'post'],
      default: DEFAULTS.clientAuth,
    },
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
      'How long after a voice contact ends its recording may still be missing from Media Playback ' +
        '(NICE documents up to 30 minutes for recording metadata). Within it, a contact without a recording ' +
        'is left pending and looked at again once the lag has passed; after it, the contact is archived ' +
        'without a recording.',
      DEFAULTS.recordingLag,
    ),
    media: {
      description:
        'Media archived with each contact: "voice" = call recordings via Media Playback. ' +
        'An empty list archives contact metadata only.',
      type: 'array',
      items: { type: 'string', enum: ['voice'] },
      uniqueItems: true,
      default: [...DEFAULTS.media],
    },
    apiVersion: {
      description:
        'Pinned version of the CXone ACD/reporting API (incontactapi/services/{apiVersion}); ' +
        'the record field map follows it.',
      type: 'string',
      pattern: '^v\\d+\\.0$',
      default: DEFAULTS.apiVersion,
    },
    pageSize: {
      description: 'Contacts requested per listing page (the `top` parameter of contacts/completed).',
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: DEFAULTS.pageSize,
    },
    requestTimeout: durationSchema(
      'Timeout of one API request (for a recording download: until the response starts, then between chunks).',
      DEFAULTS.requestTimeout,
    ),
    tokenRefreshSkew: durationSchema(
      'The access token is renewed this long before it expires.',
      DEFAULTS.tokenRefreshSkew,
    ),
  },
};
