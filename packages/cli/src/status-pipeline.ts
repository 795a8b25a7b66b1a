import { once } from 'node:events';
import { existsSync } from 'node:fs';
import {
  ConfigError,
  escapeControl,
  type Ledger,
  LedgerError,
  type LoadedPipeline,
  ledgerPath,
  loadPipeline,
  openSqliteLedger,
} from '@cxarchive/core/host';
import type { Command } from '@oclif/core';
import { EXIT } from './exit-codes.js';

/**
 * The pipeline, for the tenant, the source's name and the state's place only (what `status` and
 * `report` read): problems inside plugin options (an unset credential) do not stand in the way,
 * as for `unlock` and `audit`. Any other problem prints every issue and exits 2.
 */
export const loadForLedger = async (command: Command, file: string | undefined): Promise<LoadedPipeline> => {
  try {
    return await loadPipeline(file === undefined ? {} : { file });
  } catch (error) {
    const usable =
      error instanceof ConfigError &&
      error.partial !== undefined &&
      error.issues.every((issue) => /\.with(\.|\[|$)/.test(issue.path));
    if (usable) return error.partial as LoadedPipeline;
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      command.exit(EXIT.invalidPipeline);
    }
    throw error;
  }
};

/**
 * The tenant's ledger, opened to read, or undefined when there is none yet (a tenant that never
 * ran): reading never creates one. A ledger that cannot be used exits 3 with its message.
 */
export const openExistingLedger = (
  command: Command,
  loaded: LoadedPipeline,
  what: string,
): { file: string; ledger: Ledger | undefined } => {
  const file = ledgerPath({ loaded });
  if (!existsSync(file)) return { file, ledger: undefined };
  try {
    return { file, ledger: openSqliteLedger(file) };
  } catch (error) {
    if (error instanceof LedgerError) {
      process.stderr.write(`${what}: ${escapeControl(error.message)}\n`);
      command.exit(EXIT.cannotStart);
    }
    throw error;
  }
};

/** Writes to stdout, waiting when the pipe is full: a long listing never piles up in memory. */
export const out = async (text: string): Promise<void> => {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
};
