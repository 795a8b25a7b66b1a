import { readFileSync } from 'node:fs';
import { escapeControl, SecretScrubber } from '@cxarchive/core/host';
import { type Classified, classify, exitRequested } from './errors-user.js';

/**
 * How a failure that reached the top of the command line is shown: a problem the user can fix as
 * its message and next steps; a bug as one line plus where to report it, with the stack only with
 * `--debug` (or `CXARCHIVE_DEBUG=1`). Every text printed is scrubbed of the secrets the command
 * knew (its scrubbers) and of secret-named environment variables, with `--debug` and `--json` too.
 */

const scrubbers = new Set<SecretScrubber>();

/** Secrets a command learnt (from its pipeline file) that no failure may print. */
export const registerScrubber = (scrubber: SecretScrubber): void => {
  scrubbers.add(scrubber);
};

/** Environment variables that hold secrets by their name: never printed, even if no scrubber knew them. */
const SECRET_NAME = /SECRET|PASSW|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|(^|_)KEY$/i;

const scrubberOfEnv = (env: NodeJS.ProcessEnv): SecretScrubber => {
  const scrubber = new SecretScrubber();
  for (const [name, value] of Object.entries(env)) if (value && SECRET_NAME.test(name)) scrubber.add(value);
  return scrubber;
};

/**
 * `text` without any secret known to this process, with its control characters escaped: line by
 * line for a text whose line breaks are its own (`lines`: a pipeline file's problems), else all of
 * them, line breaks included (a message from outside cannot forge a line).
 */
export const safeText = (text: string, env: NodeJS.ProcessEnv = process.env, lines = true): string => {
  let scrubbed = text;
  for (const scrubber of [...scrubbers, scrubberOfEnv(env)]) scrubbed = scrubber.scrub(scrubbed);
  return lines ? scrubbed.split('\n').map(escapeControl).join('\n') : escapeControl(scrubbed);
};

/** `--debug` anywhere before `--`, or CXARCHIVE_DEBUG=1. */
export const debugEnabled = (env: NodeJS.ProcessEnv): boolean =>
  /^(1|true|yes)$/i.test(env.CXARCHIVE_DEBUG ?? '');

/** Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export const colourEnabled = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean =>
  stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';

/** The global flags the command line takes out of argv before oclif sees it: `--debug`. */
export const takeGlobalFlags = (argv: readonly string[]): { argv: string[]; debug: boolean } => {
  const end = argv.indexOf('--');
  const before = end === -1 ? [...argv] : argv.slice(0, end);
  const after = end === -1 ? [] : argv.slice(end);
  const kept = before.filter((arg) => arg !== '--debug');
  return { argv: [...kept, ...after], debug: kept.length !== before.length };
};

const flagGiven = (argv: readonly string[], flag: string): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes(flag);
};

/** The command's id as typed (`keys generate`), for `--help` hints. */
const commandOf = (argv: readonly string[]): string | undefined => {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  return words[0] === 'keys' || words[0] === 'plugins' ? words.join(' ') : words[0];
};

/** Where bugs go: the CLI package's `bugs` field, when it has one. */
const whereToReport = (): string => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      bugs?: string | { url?: string };
    };
    const url = typeof manifest.bugs === 'string' ? manifest.bugs : manifest.bugs?.url;
    if (url) return `at ${url}`;
  } catch {
    // no manifest to read: the generic wording below
  }
  return "to cxarchive's maintainers";
};

/** What a bug's message says after its first line: whose problem it is and where to report it. */
export const bugAdvice = (): string =>
  `This is a bug in cxarchive or in one of its plugins, not a problem with your pipeline file. Please report it ${whereToReport()}, with the command you ran and the output of \`cxarchive --version\`.`;

const linesOf = (failure: Classified, error: unknown, debug: boolean): string[] => {
  if (failure.kind === 'bug') {
    const lines = [
      `cxarchive stopped on an unexpected error (a bug): ${failure.message}`,
      `  ${bugAdvice()}`,
    ];
    if (!debug)
      return [
        ...lines,
        '  Run the command again with --debug (or CXARCHIVE_DEBUG=1) to see where it happened.',
      ];
    const stacks: string[] = [];
    for (
      let cause: unknown = error, depth = 0;
      cause instanceof Error && depth < 5;
      cause = cause.cause, depth++
    )
      stacks.push(`${depth === 0 ? '' : 'caused by: '}${cause.stack ?? `${cause.name}: ${cause.message}`}`);
    return [...lines, ...stacks];
  }
  return [failure.message, ...failure.next.map((step) => `  next: ${step}`)];
};

/**
 * A command's catch path for a failure it knows: the message on stderr (scrubbed of every known
 * secret, control characters escaped; `lines` keeps the line breaks of a text made of lines, as
 * ConfigError's list of problems) and, when the command was given `--json`, the same as one
 * error line on stdout for programs; then the command ends with `code`.
 */
export function failCommand(
  command: { readonly argv: readonly string[]; exit(code?: number): never },
  code: number,
  message: string,
  { lines = false }: { readonly lines?: boolean } = {},
): never {
  const text = safeText(message, process.env, lines);
  process.stderr.write(`${text}\n`);
  if (flagGiven(command.argv, '--json')) {
    process.stdout.write(
      `${JSON.stringify({ error: { exitCode: code, kind: 'user', message: text, next: [] } })}\n`,
    );
  }
  return command.exit(code);
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Shows a failure that reached the top level and returns the exit code: the code a command asked
 * for with `this.exit(n)` (it said what it had to), or the one its error maps to. With `--json`,
 * the error is also one JSON line on stdout.
 */
export const renderFailure = (
  error: unknown,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  { stdout, stderr }: Streams = process,
): number => {
  const requested = exitRequested(error);
  if (requested !== undefined) return requested;
  const debug = debugEnabled(env);
  const failure = classify(error, commandOf(argv));
  const label = colourEnabled(stderr, env) ? '\u001b[1;31merror\u001b[0m' : 'error';
  const text = safeText(linesOf(failure, error, debug).join('\n'), env);
  stderr.write(`${label}: ${text}\n`);
  if (flagGiven(argv, '--json')) {
    const json = {
      error: {
        exitCode: failure.exit,
        kind: failure.kind,
        message: safeText(failure.message, env),
        next: failure.next.map((step) => safeText(step, env)),
      },
    };
    stdout.write(`${JSON.stringify(json)}\n`);
  }
  return failure.exit;
};
