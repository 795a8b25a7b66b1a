import { type BudgetFamily, type ResolvedBudget, resolveBudgets, type SimulatorBudgets } from './budgets.js';

/** Public, well-known credentials of the simulator (they grant access to nothing real). */
export const DEMO_CREDENTIALS = Object.freeze({
  accessKeyId: 'SIMULATOR-ACCESS-KEY-ID',
  accessKeySecret: 'simulator-access-key-secret',
  clientId: 'simulator-client-id',
  clientSecret: 'simulator-client-secret',
} as const);

export type DemoCredentials = typeof DEMO_CREDENTIALS;

/** The credentials the token endpoint accepts: the API user's access key and the application's client. */
export interface SimulatorCredentials {
  /** The password grant's `username`. */
  readonly accessKeyId: string;
  /** The password grant's `password`. */
  readonly accessKeySecret: string;
  /** The client, by HTTP Basic or as `client_id` in the form. */
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What a caller may pass to startSimulator(). */
export interface SimulatorOptions {
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string;
  /** TCP port; default 0 = a free port. */
  port?: number;
  /** Seed of the data set; default 1. */
  seed?: number;
  /** Number of contact legs; default 20. */
  contacts?: number;
  /** The simulated tenant id; default '11111111-2222-4333-8444-555555555555'. */
  tenantId?: string;
  /** Lifetime of issued access tokens in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Lifetime of signed media URLs in seconds; default 300. */
  mediaUrlTtlSeconds?: number;
  /**
   * Seconds after a recording ends during which Media Playback still answers 404 for it, as a real
   * tenant does while the recording is processed (metadata lags up to 30 minutes); default 0.
   */
  recordingDelaySeconds?: number;
  /** Minimum and maximum recording length in seconds; default [30, 600]. */
  recordingSeconds?: readonly [number, number];
  /**
   * Request budgets per API family, enforced as a sliding window over the requests accepted:
   * over budget a request gets 429. Default: `media-playback` 150 per 5 minutes with
   * `Retry-After` in seconds (CXone's documented default); `false` removes a family's budget.
   */
  budgets?: SimulatorBudgets;
  /** Credentials the token endpoint accepts; each one not given is the public demo value (DEMO_CREDENTIALS). */
  credentials?: Partial<SimulatorCredentials>;
  /** Simulator clock (token expiry, media URL expiry, lastPollTime, budgets); default real time. */
  now?: () => Date;
}

/** Options with every default applied and validated. */
export interface ResolvedSimulatorOptions {
  readonly host: string;
  readonly port: number;
  readonly seed: number;
  readonly contacts: number;
  readonly tenantId: string;
  readonly tokenTtlSeconds: number;
  readonly mediaUrlTtlSeconds: number;
  readonly recordingDelaySeconds: number;
  readonly recordingSeconds: readonly [number, number];
  readonly budgets: ReadonlyMap<BudgetFamily, ResolvedBudget>;
  readonly credentials: SimulatorCredentials;
  readonly now: () => Date;
}

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  contacts: 20,
  tenantId: '11111111-2222-4333-8444-555555555555',
  tokenTtlSeconds: 3600,
  mediaUrlTtlSeconds: 300,
  recordingDelaySeconds: 0,
  recordingSeconds: Object.freeze([30, 600] as const),
});

/** Constants of the simulated tenant, shared by tokens, discovery and the reporting API. */
export const TENANT = Object.freeze({
  name: 'simulator',
  area: 'na1',
  clusterId: 'SIM1',
  businessUnitId: 4600001,
  domain: 'niceincontact.com',
});

function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** Validates recording bounds: two integers, 1 <= min <= max <= 86400. */
export function resolveRecordingSeconds(
  value: readonly [number, number] | undefined,
): readonly [number, number] {
  const [min, max] = value ?? DEFAULTS.recordingSeconds;
  requireInteger('recordingSeconds[0]', min, 1, 86_400);
  requireInteger('recordingSeconds[1]', max, min, 86_400);
  return [min, max];
}

const CREDENTIAL_NAMES = ['accessKeyId', 'accessKeySecret', 'clientId', 'clientSecret'] as const;

/**
 * Each credential: the one given, else the demo value. A credential is 1 to 512 printable characters
 * (no control characters); the error names the credential, never its value.
 */
export function resolveCredentials(given: Partial<SimulatorCredentials> = {}): SimulatorCredentials {
  const resolved: Record<string, string> = {};
  for (const name of CREDENTIAL_NAMES) {
    const value = given[name] ?? DEMO_CREDENTIALS[name];
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > 512 ||
      [...value].some((c) => c < ' ' || c === '\u007f')
    ) {
      throw new RangeError(`credentials.${name} must be 1 to 512 printable characters`);
    }
    resolved[name] = value;
  }
  return resolved as unknown as SimulatorCredentials;
}

export function resolveOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const tenantId = options.tenantId ?? DEFAULTS.tenantId;
  if (!/^[0-9a-fA-F-]{1,64}$/.test(tenantId)) {
    throw new RangeError('tenantId must be a UUID-like string of hex digits and dashes');
  }
  return {
    host: options.host ?? DEFAULTS.host,
    port: requireInteger('port', options.port ?? DEFAULTS.port, 0, 65_535),
    seed: requireInteger('seed', options.seed ?? DEFAULTS.seed, 0, 0xffff_ffff),
    contacts: requireInteger('contacts', options.contacts ?? DEFAULTS.contacts, 0, 1_000_000),
    tenantId,
    tokenTtlSeconds: requireInteger(
      'tokenTtlSeconds',
      options.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds,
      1,
      31_536_000,
    ),
    mediaUrlTtlSeconds: requireInteger(
      'mediaUrlTtlSeconds',
      options.mediaUrlTtlSeconds ?? DEFAULTS.mediaUrlTtlSeconds,
      1,
      31_536_000,
    ),
    recordingDelaySeconds: requireInteger(
      'recordingDelaySeconds',
      options.recordingDelaySeconds ?? DEFAULTS.recordingDelaySeconds,
      0,
      31_536_000,
    ),
    recordingSeconds: resolveRecordingSeconds(options.recordingSeconds),
    budgets: resolveBudgets(options.budgets),
    credentials: resolveCredentials(options.credentials),
    now: options.now ?? (() => new Date()),
  };
}
