import type { JsonSchema } from '@cxarchive/core';
import {
  CONNECTION_REQUIRED,
  type CxoneConnectionInput,
  connectionOptionsSchema,
} from '@cxarchive/cxone-api';

/** Options as a pipeline file writes them (`with:` of the attach flow's sink). */
export interface DfoSinkOptions extends CxoneConnectionInput {
  readonly dfoBaseUrl?: string;
  readonly customChannels?: readonly string[];
  readonly customChannelAuthor?: string;
  readonly maxAttachmentBytes?: number;
  readonly expiryMargin?: string;
  readonly uploadTimeout?: string;
}

/**
 * No public source gives CXone's largest temporary attachment (reference/cxone-fidelity.md §4(a)
 * step 2: "The public sources found give no size or MIME limits" [U]), and each external channel
 * (WhatsApp, SMS, email) has caps of its own. 25 MiB, as the attach flow's validation default and
 * the simulator's; a tenant that knows its limit sets it.
 */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export const DEFAULTS = {
  customChannels: [] as readonly string[],
  customChannelAuthor: 'cxarchive',
  maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
  expiryMargin: '2m',
  uploadTimeout: '10m',
} as const;

const duration = (description: string, defaultValue: string) => ({
  description: `${description} A duration such as 500ms, 30s, 30m, 2h or 1d.`,
  type: 'string',
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$',
  default: defaultValue,
});

/** JSON Schema (draft-07) of the sink's `with`: the single source of its option docs. */
export const configSchema: JsonSchema = {
  title: 'cxone-dfo sink options',
  description:
    "Delivers files into CXone digital conversations: each is uploaded as a temporary attachment (POST /dfo/3.0/attachments/temporary) and sent in a message on the contact's thread, then read back from the contact's messages.",
  type: 'object',
  additionalProperties: false,
  required: [...CONNECTION_REQUIRED],
  properties: {
    ...connectionOptionsSchema,
    dfoBaseUrl: {
      description:
        'Base URL of the digital (DFO) API, with or without /dfo/3.0 (e.g. https://api-de-na1.niceincontact.com). ' +
        'Default: https://api-de-{area}.{domain} from the tenant discovery. Must be https (http only to a loopback host).',
      type: 'string',
      format: 'uri',
    },
    customChannels: {
      description:
        'Ids of the custom (BYOC) channels this integration owns: a message to a contact on one of them is recorded with ' +
        'POST /channels/{id}/messages (outbound, keyed by contact and SHA-256 so a repeat is not a second message). ' +
        'Every other channel is native and gets an agent-style reply, POST /channels/{id}/outbound.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
    },
    customChannelAuthor: {
      description:
        "The author's idOnExternalPlatform (authorEndUserIdentity) of messages recorded on a custom channel.",
      type: 'string',
      minLength: 1,
      default: DEFAULTS.customChannelAuthor,
    },
    maxAttachmentBytes: {
      description:
        'Largest file uploaded, in bytes; a larger one is refused before any request. CXone publishes no limit ' +
        '(each channel has its own caps): default 25 MiB, the size the attach flow validates against.',
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.maxAttachmentBytes,
    },
    expiryMargin: duration(
      'An upload whose URL expires sooner than this is not sent: the send fails as expired and the flow uploads the file again.',
      DEFAULTS.expiryMargin,
    ),
    uploadTimeout: duration(
      'Timeout of one attachment upload (the whole streamed body and the answer).',
      DEFAULTS.uploadTimeout,
    ),
  },
};
