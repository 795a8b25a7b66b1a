import { ConfigError, LeaseHeldError, LedgerError, RunSetupError } from '@cxarchive/core/host';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * A problem the user can fix: printed as its message and next steps, never with a stack, and
 * ending the command with `exit` (2 for a bad input by default).
 */
export class UserError extends Error {
  readonly next: readonly string[];
  readonly exit: ExitCode;
  constructor(
    message: string,
    { next = [], exit = EXIT.invalidPipeline }: { next?: readonly string[]; exit?: ExitCode } = {},
  ) {
    super(message);
    this.name = 'UserError';
    this.next = next;
    this.exit = exit;
  }
}

/** What a failure that reached the top level is, for the user. */
export interface Classified {
  /** `user`: the message says what to do; `usage`: the command line is wrong; `bug`: a defect. */
  readonly kind: 'user' | 'usage' | 'bug';
  readonly exit: number;
  readonly message: string;
  readonly next: readonly string[];
}

interface OclifError {
  readonly oclif?: { readonly exit?: number };
  readonly code?: string;
  readonly parse?: unknown;
}

/** oclif's `this.exit(n)`: the command already said what it had to. */
export const exitRequested = (error: unknown): number | undefined => {
  const e = error as OclifError | undefined;
  return e?.code === 'EEXIT' && typeof e.oclif?.exit === 'number' ? e.oclif.exit : undefined;
};

/** oclif's own errors about the command line (unknown flag, missing argument): exit 2 with its message. */
const isUsageError = (error: unknown): boolean => {
  const e = error as OclifError | undefined;
  return error instanceof Error && e?.oclif?.exit === EXIT.invalidPipeline;
};

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? '';

/** Maps what a command threw to its exit code and what to tell the user. */
export const classify = (error: unknown, command: string | undefined): Classified => {
  const help = command ? `cxarchive ${command} --help` : 'cxarchive --help';
  if (error instanceof UserError)
    return { kind: 'user', exit: error.exit, message: error.message, next: error.next };
  if (error instanceof ConfigError)
    return { kind: 'user', exit: EXIT.invalidPipeline, message: error.message, next: ['cxarchive validate'] };
  if (error instanceof LeaseHeldError)
    return { kind: 'user', exit: EXIT.cannotStart, message: `cannot start: ${error.message}`, next: [] };
  if (error instanceof LedgerError)
    return { kind: 'user', exit: EXIT.cannotStart, message: error.message, next: [] };
  if (error instanceof RunSetupError)
    return error.phase === 'start'
      ? { kind: 'user', exit: EXIT.cannotStart, message: `cannot start: ${error.message}`, next: [] }
      : { kind: 'user', exit: EXIT.runFailed, message: `the run failed: ${error.message}`, next: [] };
  if (isUsageError(error))
    return {
      kind: 'usage',
      exit: EXIT.invalidPipeline,
      // oclif's own "See more help with --help" is replaced by the command's help as the next step
      message: (error as Error).message.replace(/\n?See more help with --help\s*$/, ''),
      next: [help],
    };
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? firstLine(error.message) : firstLine(String(error));
  return { kind: 'bug', exit: EXIT.bug, message: `${name}: ${message}`, next: [] };
};
