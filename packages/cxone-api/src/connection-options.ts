import { err, ok, type PluginError, PluginErrors, parseDuration, Redacted, Result } from '@cxarchive/core';
import type { ClientAuth, CxoneCredentials } from './secrets.js';
import { trimBase, urlProblem } from './urls.js';

/**
 * The options every plugin that talks to CXone takes to connect (issuer, API base, the API user's
 * access key, the back-end application's client id and secret, timeouts): one JSON Schema fragment
 * for the plugins' `configSchema`, and one resolution into what `createCxoneClient` takes. Auth is
 * the password grant with an access key (reference/cxone-api.md §1; DESIGN §8).
 */

/** The connection options as a pipeline file writes them (secrets as `${ENV}` references). */
export interface CxoneConnectionInput {
  readonly issuer?: string;
  readonly apiBaseUrl?: string;
  readonly accessKeyId: string | Redacted<string>;
  readonly accessKeySecret: string | Redacted<string>;
  readonly clientId: string | Redacted<string>;
  readonly clientSecret: string | Redacted<string>;
  readonly clientAuth?: ClientAuth;
  readonly requestTimeout?: string;
  readonly tokenRefreshSkew?: string;
}

/** Resolved: URLs checked, durations in milliseconds, secrets wrapped. */
export interface CxoneConnection {
  readonly issuer: string;
  readonly apiBaseUrl?: string;
  readonly credentials: CxoneCredentials;
  readonly requestTimeoutMs: number;
  readonly tokenRefreshSkewMs: number;
}

export const CONNECTION_DEFAULTS = {
  issuer: 'https://cxone.niceincontact.com',
  clientAuth: 'basic',
  requestTimeout: '30s',
  tokenRefreshSkew: '5m',
} as const;

/** The options a plugin must be given to connect. */
export const CONNECTION_REQUIRED: readonly string[] = [
  'accessKeyId',
  'accessKeySecret',
  'clientId',
  'clientSecret',
];

const secret = (description: string) => ({
  description,
  type: 'string',
  minLength: 1,
  'x-cxarchive-secret': true,
});

const duration = (description: string, defaultValue: string) => ({
  description: `${description} A duration such as 500ms, 30s, 30m, 2h or 1d.`,
  type: 'string',
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$',
  default: defaultValue,
});

/** The `properties` of the connection options, to spread into a plugin's `configSchema`. */
export const connectionOptionsSchema = {
  issuer: {
    description:
      'CXone OpenID issuer; the token endpoint is discovered from {issuer}/.well-known/openid-configuration. ' +
      'Must be https (http only to a loopback host). FedRAMP: https://cxone-gov.niceincontact.com.',
    type: 'string',
    format: 'uri',
    default: CONNECTION_DEFAULTS.issuer,
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
    default: CONNECTION_DEFAULTS.clientAuth,
  },
  requestTimeout: duration('Timeout of one API request.', CONNECTION_DEFAULTS.requestTimeout),
  tokenRefreshSkew: duration(
    'The access token is renewed this long before it expires.',
    CONNECTION_DEFAULTS.tokenRefreshSkew,
  ),
} as const;

type Secret = Redacted<string> | string;
const wrap = (value: Secret): Redacted<string> => (Redacted.is(value) ? value : Redacted.make(value));
const plain = (value: Secret | undefined): unknown =>
  value === undefined ? undefined : Redacted.is(value) ? Redacted.value(value) : value;

/** A base URL option: the URL rule (https, http only to loopback), no query or fragment. */
export const baseUrlOption = (name: string, raw: unknown): Result<string, PluginError> => {
  if (typeof raw !== 'string') return err(PluginErrors.invalidInput(`${name} must be a URL`, name));
  const problem = urlProblem(raw);
  if (problem !== undefined) return err(PluginErrors.invalidInput(`${name} ${problem}`, name));
  const url = new URL(raw);
  if (url.search !== '' || url.hash !== '') {
    return err(PluginErrors.invalidInput(`${name} must not have a query string or fragment`, name));
  }
  return ok(trimBase(`${url.origin}${url.pathname}`));
};

/** A duration option in milliseconds; `positive`: 0 refused. */
export const durationOption = (name: string, raw: unknown, positive = false): Result<number, PluginError> => {
  let ms: number;
  try {
    ms = parseDuration(raw as string);
  } catch (cause) {
    return err(PluginErrors.invalidInput(`${name}: ${(cause as Error).message}`, name));
  }
  if (positive && ms <= 0) return err(PluginErrors.invalidInput(`${name} must be longer than 0`, name));
  return ok(ms);
};

/**
 * Checks what the schema cannot (the URL rule, parseable durations, non-empty secrets) and converts.
 * Defaults are applied again, so a direct call without core's validation still works.
 */
export const resolveConnection = (input: CxoneConnectionInput): Result<CxoneConnection, PluginError> => {
  const o = { ...CONNECTION_DEFAULTS, ...stripUndefined(input) };
  const issuer = baseUrlOption('issuer', o.issuer);
  if (issuer.isErr()) return err(issuer.error);
  const apiBaseUrl = o.apiBaseUrl === undefined ? ok(undefined) : baseUrlOption('apiBaseUrl', o.apiBaseUrl);
  if (apiBaseUrl.isErr()) return err(apiBaseUrl.error);
  if (o.clientAuth !== 'basic' && o.clientAuth !== 'post') {
    return err(PluginErrors.invalidInput('clientAuth must be "basic" or "post"', 'clientAuth'));
  }
  const durations = Result.combine([
    durationOption('requestTimeout', o.requestTimeout, true),
    durationOption('tokenRefreshSkew', o.tokenRefreshSkew),
  ]);
  if (durations.isErr()) return err(durations.error);
  const [requestTimeoutMs, tokenRefreshSkewMs] = durations.value as [number, number];
  for (const name of CONNECTION_REQUIRED) {
    const value = plain((o as Record<string, Secret | undefined>)[name]);
    if (typeof value !== 'string' || value.length === 0) {
      return err(PluginErrors.invalidInput(`${name} is required`, name));
    }
  }
  return ok({
    issuer: issuer.value,
    ...(apiBaseUrl.value === undefined ? {} : { apiBaseUrl: apiBaseUrl.value }),
    credentials: {
      accessKeyId: wrap(o.accessKeyId),
      accessKeySecret: wrap(o.accessKeySecret),
      clientId: plain(o.clientId) as string,
      clientSecret: wrap(o.clientSecret),
      clientAuth: o.clientAuth,
    },
    requestTimeoutMs,
    tokenRefreshSkewMs,
  });
};

const stripUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
