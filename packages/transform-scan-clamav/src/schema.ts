import { durationSchema } from '@cxarchive/core';

/** Debian's clamav-daemon listens here (LocalSocket in /etc/clamav/clamd.conf). */
export const DEFAULT_SOCKET = '/var/run/clamav/clamd.ctl';

export const DEFAULTS = {
  connectTimeout: '5s',
  timeout: '2m',
} as const;

export const configSchema = {
  title: 'scan-clamav transform options',
  description:
    "Scans each attachment's bytes for malware with ClamAV's clamd, streamed over its socket (INSTREAM). An infected file is refused with the signature's name; a scanner that is down or fails makes the item wait and retry, never pass unscanned.",
  type: 'object',
  additionalProperties: false,
  properties: {
    socket: {
      type: 'string',
      minLength: 1,
      description: `clamd's unix socket (its LocalSocket), relative to the pipeline file or absolute. Used when \`host\` is not given; default \`${DEFAULT_SOCKET}\` (Debian's clamav-daemon).`,
    },
    host: {
      type: 'string',
      minLength: 1,
      description:
        "clamd's TCP address (its TCPAddr), with `port`, instead of a unix socket. clamd's TCP socket has no authentication or encryption: keep it on loopback or a private network.",
    },
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      default: 3310,
      description: "clamd's TCP port (its TCPSocket), with `host`.",
    },
    connectTimeout: durationSchema(
      'Most time to connect to clamd before the item is retried later.',
      DEFAULTS.connectTimeout,
    ),
    timeout: durationSchema(
      "Most time for one scan, from connecting to clamd's answer (a scanner that hangs fails the item as transient). Allow for the largest file clamd takes (its StreamMaxLength).",
      DEFAULTS.timeout,
    ),
  },
} as const;

/** The `with` block of a `scan-clamav` transform, as validated. */
export interface ScanClamavOptions {
  readonly socket?: string;
  readonly host?: string;
  readonly port?: number;
  readonly connectTimeout?: string;
  readonly timeout?: string;
}
