import { parseArgs } from 'node:util';
import { describeBudget, parseBudgetFlags } from './budget-flag.js';
import { describeFault, parseFaultFlags } from './fault-flag.js';
import {
  DEFAULTS,
  DEMO_CREDENTIALS,
  resolveCredentials,
  type SimulatorCredentials,
  type SimulatorOptions,
} from './options.js';
import { DEFAULT_REQUEST_LOG_SIZE, MAX_REQUEST_LOG_SIZE } from './request-log.js';
import { ROUTE_NAMES } from './router.js';
import { type RunningSimulator, type ServerOptions, startSimulator } from './server.js';

/** Everything the command line can set: the tenant's options and the server's (faults, log, admin). */
export type CliOptions = SimulatorOptions & ServerOptions;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Registers the handler that stops the simulator; by default on SIGINT and SIGTERM. */
  onShutdown(handler: () => void): void;
}

export interface CliResult {
  /** 0 on success (help, or a running simulator), 2 on bad flags, 1 when the server could not start. */
  readonly exitCode: number;
  /** The running simulator, when one was started. */
  readonly simulator?: RunningSimulator;
}

export type ParsedCli =
  | { readonly ok: true; readonly help: true }
  | { readonly ok: true; readonly help: false; readonly options: CliOptions }
  | { readonly ok: false; readonly message: string };

export const USAGE = `Usage: cxone-simulator [--port N] [--seed S] [--contacts C] [--host H] [--token-ttl S] [--media-url-ttl S]
                       [--recording-delay S] [--budget FAMILY=N/WINDOW[,retry-after=MODE]]...
                       [--access-key-id ID] [--access-key-secret S] [--client-id ID] [--client-secret S]
                       [--fault ROUTE:KIND[=VALUE][,SETTING=N]...]... [--admin-token T] [--request-log N]

A local NICE CXone API (OpenID discovery, /auth/token, /auth/jwks, cxone-configuration,
contacts/completed, contacts/{id}, Media Playback, and signed MP4 recording downloads from a second
origin) serving a seeded, deterministic data set.

Options:
  --port N           TCP port to listen on; 0 picks a free port (default ${DEFAULTS.port})
  --seed S           seed of the data set, 0..4294967295 (default ${DEFAULTS.seed})
  --contacts C       number of contact legs to generate, 0..1000000 (default ${DEFAULTS.contacts})
  --host H           interface to listen on (default ${DEFAULTS.host})
  --token-ttl S      access token lifetime in seconds (default ${DEFAULTS.tokenTtlSeconds})
  --media-url-ttl S  lifetime of signed recording URLs in seconds (default ${DEFAULTS.mediaUrlTtlSeconds})
  --recording-delay S  Media Playback answers 404 for a recording until S seconds after it ends
                     (default ${DEFAULTS.recordingDelaySeconds})
  --budget FAMILY=N/WINDOW[,retry-after=MODE]
                     request budget of an API family: N requests accepted in any sliding WINDOW
                     (units ms, s, m, h), then 429; MODE is seconds (default), http-date or none
                     (no Retry-After header); FAMILY=off removes the budget. Repeatable, once per
                     family. Default: media-playback=150/5m (CXone's documented Media Playback limit)
  --access-key-id ID      the API user's access key id the token endpoint accepts (password grant username)
  --access-key-secret S   its access key secret (password grant password)
  --client-id ID          the application's client id (HTTP Basic or client_id in the form)
  --client-secret S       the application's client secret
                     Each credential not given is the demo value below. Wrong ones are refused as
                     CXone does: 401 invalid_client for the client, 400 invalid_grant for the access key.
                     A credential given here is never printed.
  --fault ROUTE:KIND[=VALUE][,after=N][,count=N|always][,retry-after=S]
                     a fault in force from the start, e.g. media-playback:status=503,count=3;
                     KIND is status=CODE, latency=MS, reset[=BYTES], expire-token, shift[=N] or
                     duplicate[=N]; ROUTE is * (every route) or one of
                       ${ROUTE_NAMES.join(',\n                       ')}.
                     Repeatable. Default: none
  --admin-token T    bearer token of the admin endpoint (/_admin/faults, /_admin/requests), at least
                     16 printable characters (default: 32 random bytes in hex, printed at start)
  --request-log N    how many requests the request log keeps, 1..${MAX_REQUEST_LOG_SIZE}
                     (default ${DEFAULT_REQUEST_LOG_SIZE})
  -h, --help         show this help

Demo credentials (public simulator constants, valid only against this simulator):
  access key id      ${DEMO_CREDENTIALS.accessKeyId}
  access key secret  ${DEMO_CREDENTIALS.accessKeySecret}
  client id          ${DEMO_CREDENTIALS.clientId}
  client secret      ${DEMO_CREDENTIALS.clientSecret}`;

const INTEGER_FLAGS = {
  port: { option: 'port', min: 0, max: 65_535 },
  seed: { option: 'seed', min: 0, max: 0xffff_ffff },
  contacts: { option: 'contacts', min: 0, max: 1_000_000 },
  'token-ttl': { option: 'tokenTtlSeconds', min: 1, max: 31_536_000 },
  'media-url-ttl': { option: 'mediaUrlTtlSeconds', min: 1, max: 31_536_000 },
  'recording-delay': { option: 'recordingDelaySeconds', min: 0, max: 31_536_000 },
  'request-log': { option: 'requestLogSize', min: 1, max: MAX_REQUEST_LOG_SIZE },
} as const;

type IntegerFlag = keyof typeof INTEGER_FLAGS;

const CREDENTIAL_FLAGS = {
  'access-key-id': 'accessKeyId',
  'access-key-secret': 'accessKeySecret',
  'client-id': 'clientId',
  'client-secret': 'clientSecret',
} as const satisfies Record<string, keyof SimulatorCredentials>;

type CredentialFlag = keyof typeof CREDENTIAL_FLAGS;

/** Parses the command line without side effects. */
export function parseCliArgs(argv: readonly string[]): ParsedCli {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        contacts: { type: 'string' },
        host: { type: 'string' },
        'token-ttl': { type: 'string' },
        'media-url-ttl': { type: 'string' },
        'recording-delay': { type: 'string' },
        budget: { type: 'string', multiple: true },
        'access-key-id': { type: 'string' },
        'access-key-secret': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'admin-token': { type: 'string' },
        'request-log': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { ok: true, help: true };
  const options: Record<string, unknown> = {};
  for (const flag of Object.keys(INTEGER_FLAGS) as IntegerFlag[]) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const { option, min, max } = INTEGER_FLAGS[flag];
    const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max)) {
      return { ok: false, message: `--${flag} must be an integer between ${min} and ${max} (got '${raw}')` };
    }
    options[option] = value;
  }
  if (typeof values.host === 'string') {
    if (values.host.trim() === '') return { ok: false, message: '--host must not be empty' };
    options.host = values.host;
  }
  if (Array.isArray(values.budget)) {
    const budgets = parseBudgetFlags(values.budget);
    if (!budgets.ok) return { ok: false, message: budgets.message };
    options.budgets = budgets.value;
  }
  if (Array.isArray(values.fault)) {
    const faults = parseFaultFlags(values.fault);
    if (!faults.ok) return { ok: false, message: faults.message };
    options.faults = faults.value;
  }
  if (typeof values['admin-token'] === 'string') {
    // The admin token is the simulator's own test credential (it is printed at start), so the
    // message may say what is wrong with it; it still does not repeat it.
    if (!/^[\x21-\x7e]{16,}$/.test(values['admin-token'])) {
      return { ok: false, message: '--admin-token must be at least 16 printable characters without spaces' };
    }
    options.adminToken = values['admin-token'];
  }
  const credentials: Partial<Record<keyof SimulatorCredentials, string>> = {};
  for (const flag of Object.keys(CREDENTIAL_FLAGS) as CredentialFlag[]) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const name = CREDENTIAL_FLAGS[flag];
    try {
      resolveCredentials({ [name]: raw });
    } catch {
      // The value is not repeated: it may be a real secret typed into the wrong place.
      return { ok: false, message: `--${flag} must be 1 to 512 printable characters` };
    }
    credentials[name] = raw;
  }
  if (Object.keys(credentials).length > 0) options.credentials = credentials;
  return { ok: true, help: false, options: options as CliOptions };
}

/** How the start-up banner shows a credential: the demo value, or only the flag that set it. */
function shownCredential(options: CliOptions, name: keyof SimulatorCredentials): string {
  if (options.credentials?.[name] === undefined) return DEMO_CREDENTIALS[name];
  const flag = (Object.keys(CREDENTIAL_FLAGS) as CredentialFlag[]).find((f) => CREDENTIAL_FLAGS[f] === name);
  return `(as given by --${flag})`;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  onShutdown: (handler) => {
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  },
};

/** The `cxone-simulator` command: parse flags, start the simulator, print how to reach it, stop on a signal. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<CliResult> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    io.err(`cxone-simulator: ${parsed.message}`);
    io.err('Run cxone-simulator --help for usage.');
    return { exitCode: 2 };
  }
  if (parsed.help) {
    io.out(USAGE);
    return { exitCode: 0 };
  }
  let simulator: RunningSimulator;
  try {
    simulator = await startSimulator(parsed.options);
  } catch (error) {
    io.err(`cxone-simulator: could not start: ${error instanceof Error ? error.message : String(error)}`);
    return { exitCode: 1 };
  }
  const { dataset } = simulator;
  const shown = (name: keyof SimulatorCredentials) => shownCredential(parsed.options, name);
  io.out(`CXone simulator listening on ${simulator.url}`);
  io.out(`  tenant id          ${simulator.tenantId}`);
  io.out(`  access key id      ${shown('accessKeyId')}`);
  io.out(`  access key secret  ${shown('accessKeySecret')}`);
  io.out(`  client id          ${shown('clientId')}`);
  io.out(`  client secret      ${shown('clientSecret')}`);
  io.out(
    `  data set           ${dataset.contacts.length} contact legs, ${dataset.recordings.size} recordings (seed ${parsed.options.seed ?? DEFAULTS.seed})`,
  );
  const budgets = [...simulator.budgets.values()].map(describeBudget);
  io.out(`  budgets            ${budgets.length === 0 ? 'none' : budgets.join('; ')}`);
  const faults = simulator.faults.list().map((fault) => describeFault(fault.spec));
  io.out(`  faults             ${faults.length === 0 ? 'none' : faults.join('; ')}`);
  io.out(
    `  request log        the newest ${parsed.options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE} requests`,
  );
  // The admin token is a test credential of the simulator's own admin endpoint: printing it is
  // how an operator reaches /_admin/faults and /_admin/requests. CXone credentials are never printed.
  io.out(`  admin endpoint     ${simulator.url}/_admin/ (Authorization: Bearer ${simulator.adminToken})`);
  io.out('Press Ctrl+C to stop.');
  io.onShutdown(() => {
    simulator.stop().then(
      () => io.out('cxone-simulator: stopped'),
      (error: unknown) =>
        io.err(`cxone-simulator: stop failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
  return { exitCode: 0, simulator };
}
