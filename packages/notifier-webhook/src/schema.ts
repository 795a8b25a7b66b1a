import { durationSchema, type JsonSchema, type Redacted } from '@cxarchive/core';

/** Options as create() receives them: validated by core, defaults applied, secrets wrapped in `Redacted`. */
export interface WebhookNotifierOptions {
  readonly url: string;
  readonly secret?: Redacted<string>;
  readonly secrets?: readonly Redacted<string>[];
  readonly on?: readonly string[];
  readonly batchSize?: number;
  readonly batchWait?: string;
  readonly timeout?: string;
  readonly giveUpAfter?: string;
  readonly retryDelay?: string;
  readonly retryMaxDelay?: string;
  readonly allowInsecureLoopback?: boolean;
  readonly allowPrivateNetworks?: boolean;
  readonly allowedNetworks?: readonly string[];
  readonly caFile?: string;
}

export const DEFAULTS = {
  on: ['run.started', 'run.completed', 'item.archived', 'item.failed'],
  batchSize: 100,
  batchWait: '5s',
  timeout: '10s',
  giveUpAfter: '30s',
  retryDelay: '500ms',
  retryMaxDelay: '10s',
  allowInsecureLoopback: false,
  allowPrivateNetworks: false,
} as const;

/** Standard Webhooks secrets: `whsec_` (optional) and base64 of 24 to 64 random bytes. */
export const SECRET_PATTERN = '^(whsec_)?[A-Za-z0-9+/]{32,88}={0,2}$';
/** An event type (`item.archived`), a family (`item.*`, `attachment.*`) or every event (`*`). */
export const SUBSCRIPTION_PATTERN = '^(\\*|[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*(\\.\\*)?)$';

const secretDescription =
  'A Standard Webhooks signing secret: "whsec_" followed by the base64 of 24 to 64 random bytes ' +
  '(e.g. "whsec_$(openssl rand -base64 32)"). Give it as ${ENV} reference, never inline.';

/** JSON Schema (draft-07) of `notifiers[].with`: the single source of the option docs. */
export const configSchema: JsonSchema = {
  title: 'webhook notifier options',
  description:
    'Sends run and item events as Standard Webhooks (signed HTTPS POSTs) to a receiver such as a data lake.',
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  oneOf: [{ required: ['secret'] }, { required: ['secrets'] }],
  properties: {
    url: {
      description:
        'Receiver URL. Must be https; http only to a loopback host (127.0.0.1, [::1], localhost) with allowInsecureLoopback. Redirects are never followed. Messages name only its origin, never its path or query.',
      type: 'string',
      format: 'uri',
    },
    secret: {
      description: `${secretDescription} Give either secret or secrets.`,
      type: 'string',
      pattern: SECRET_PATTERN,
      'x-cxarchive-secret': true,
    },
    secrets: {
      description:
        'Several signing secrets, for rotation: every message is signed with each one (webhook-signature "v1,<a> v1,<b>"), so a receiver holding either accepts it. Each one as for secret.',
      type: 'array',
      minItems: 1,
      maxItems: 5,
      'x-cxarchive-secret': true,
      items: { type: 'string', pattern: SECRET_PATTERN, 'x-cxarchive-secret': true },
    },
    on: {
      description:
        'Events to send: an event type (run.started, run.completed, item.archived, item.failed, item.awaiting, item.skipped, and any other the runtime emits, e.g. the attach flow\'s attachment.* events), a family ("item.*", "attachment.*") or "*". "run.failed" is a run.completed whose status is failed or interrupted, sent as its own message.',
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: SUBSCRIPTION_PATTERN },
      default: [...DEFAULTS.on],
    },
    batchSize: {
      description:
        'Item events (every event but run.*) are sent in batches: a message goes once this many are waiting, after batchWait, or before any run event.',
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: DEFAULTS.batchSize,
    },
    batchWait: durationSchema(
      'Longest an item event waits for its batch to fill before the batch is sent.',
      DEFAULTS.batchWait,
    ),
    timeout: durationSchema(
      'Time allowed for one request (connect, send, answer); a request that takes longer is abandoned and retried.',
      DEFAULTS.timeout,
    ),
    giveUpAfter: durationSchema(
      'Longest time one message is retried (5xx, 408, 429, timeouts, connection errors), waits included; then it is given up and counted as failed in the run report.',
      DEFAULTS.giveUpAfter,
    ),
    retryDelay: durationSchema(
      'Ceiling of the first retry wait; each retry doubles it (full jitter: the wait is drawn below it). A Retry-After from the receiver is honoured instead.',
      DEFAULTS.retryDelay,
    ),
    retryMaxDelay: durationSchema('Largest ceiling of a retry wait.', DEFAULTS.retryMaxDelay),
    allowInsecureLoopback: {
      description:
        'Accept an http:// url whose host is loopback (127.0.0.0/8, ::1, localhost), for a receiver on the same machine; the address connected to must then be loopback.',
      type: 'boolean',
      default: DEFAULTS.allowInsecureLoopback,
    },
    allowPrivateNetworks: {
      description:
        'Allow connecting to private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Loopback, link-local and cloud metadata addresses stay refused unless listed in allowedNetworks.',
      type: 'boolean',
      default: DEFAULTS.allowPrivateNetworks,
    },
    allowedNetworks: {
      description:
        'Networks (CIDR, e.g. "10.20.0.0/16", "127.0.0.1/32", "fd12::/64") the receiver may be reached at although they are refused by default. Checked against the address actually connected to.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
    },
    caFile: {
      description:
        'PEM file of CA certificates trusted for the receiver in addition to the system ones (an internal CA). Relative paths resolve against the pipeline file.',
      type: 'string',
      minLength: 1,
    },
  },
};
