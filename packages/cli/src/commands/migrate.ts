import path from 'node:path';
import {
  ConfigError,
  type LoadedPipeline,
  type LoadOptions,
  loadPipeline,
  type PreparedPipeline,
  preparePipeline,
  RunSetupError,
  runPipeline,
  SecretScrubber,
  summarize,
} from '@cxarchive/core/host';
import { Command, Flags } from '@oclif/core';
import { failCommand, registerScrubber } from '../errors-render.js';
import { EXIT, exitCodeOfReport, signalExitCode } from '../exit-codes.js';
import { flowFlags, pipelineArg } from '../flow-command.js';
import { createCliLogger } from '../logger.js';
import { CLI_PACKAGE_DIR } from '../pipeline-setup.js';
import { createProgress } from '../progress.js';

/** The source that replaces the pipeline's own for `migrate --legacy`; also the ledger's name for it. */
export const LEGACY_SOURCE = '@cxarchive/legacy-envelope';

export interface LegacyMigration {
  /** The pipeline file (default: searched from the current directory). */
  readonly pipeline?: string | undefined;
  /** An envelope file or a directory of them (resolved against the current directory). */
  readonly legacy: string;
  readonly passphraseFile: string;
  readonly env?: LoadOptions['env'];
  /** Export conditions for plugin resolution (tests load TypeScript sources). */
  readonly conditions?: readonly string[];
}

/**
 * The tenant's pipeline with its source replaced by the legacy-envelope source: the codec, the
 * sinks, the transforms, the notifiers and the state as the file has them. The source block is not
 * used, so its unset variables (`CXONE_*`) are not an error. Throws ConfigError.
 */
export const prepareLegacyMigration = async (
  migration: LegacyMigration,
  scrubber: SecretScrubber,
): Promise<PreparedPipeline> => {
  const options: LoadOptions = {
    ...(migration.pipeline === undefined ? {} : { file: migration.pipeline }),
    ...(migration.env ? { env: migration.env } : {}),
    scope: 'migrate',
  };
  const loaded = await loadPipeline(options);
  const migrating: LoadedPipeline = {
    ...loaded,
    config: {
      ...loaded.config,
      source: {
        use: LEGACY_SOURCE,
        with: {
          path: path.resolve(migration.legacy),
          passphraseFile: path.resolve(migration.passphraseFile),
        },
      },
    },
  };
  return preparePipeline(migrating, {
    fallbackFrom: [CLI_PACKAGE_DIR],
    scrubber,
    ...(migration.conditions ? { conditions: [...migration.conditions] } : {}),
  });
};

export default class Migrate extends Command {
  static override summary = 'Re-archive records from another archive through the pipeline.';
  static override description =
    `With --legacy: re-archives the envelopes written by the earlier Python tutorial script (JSON {salt, nonce, ciphertext}; PBKDF2-SHA256, AES-256-GCM, gzip JSON Lines) as CXAR objects, through the pipeline's codec, transforms and sinks, recorded in its ledger. Each record (line) is one item, stored as legacy-contact.json under its contactId and start time (contactStart or contactStartDate); it never collides with a contact.json the cxone source archived. Every envelope is authenticated in full before any of its records is used.

The pipeline's own source is not used, so its variables (CXONE_*) need not be set. Re-running stores nothing twice: the ledger skips archived records and the checkpoint skips envelopes already listed. A record without a contactId or start time fails with its file and line; a wrong passphrase or an altered envelope fails the run naming the envelope.

Exit status: 0 every record is archived; 1 some records failed, or an envelope could not be read; 2 the pipeline file is invalid; 3 the run could not start (another run holds the tenant, a plugin refused to start: a missing passphrase file, no envelope at the path); ${EXIT.interrupted} the run was stopped.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --legacy old-archives/ tenants/acme/archive.pipeline.yaml --passphrase-file tutorial.pass',
    '<%= config.bin %> <%= command.id %> --legacy contacts-2024-03.json --passphrase-file tutorial.pass --json',
  ];
  static override args = pipelineArg;
  static override flags = {
    legacy: Flags.string({
      description: 'An envelope file of the tutorial script, or a directory of them (*.json).',
      helpValue: '<dir|file>',
      required: true,
    }),
    'passphrase-file': Flags.string({
      description: 'File holding the tutorial passphrase (one trailing newline is removed).',
      helpValue: '<file>',
      required: true,
    }),
    ...flowFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Migrate);
    const scrubber = new SecretScrubber();
    registerScrubber(scrubber);
    let prepared: PreparedPipeline;
    try {
      prepared = await prepareLegacyMigration(
        { pipeline: args.pipeline, legacy: flags.legacy, passphraseFile: flags['passphrase-file'] },
        scrubber,
      );
    } catch (error) {
      if (error instanceof ConfigError)
        failCommand(this, EXIT.invalidPipeline, error.message, { lines: true });
      throw error;
    }
    const progress = createProgress(process.stderr);
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(signalExitCode(signal));
      process.stderr.write('\nstopping: the next migrate resumes (Ctrl-C again to quit now)\n');
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const report = await runPipeline({
        prepared,
        scrubber,
        logger: createCliLogger(scrubber, flags.verbose),
        onEvent: progress.onEvent,
        signal: stop.signal,
        ...(flags.report ? { reportFile: flags.report } : {}),
      });
      progress.finish();
      this.log(flags.json ? JSON.stringify(report, null, 2) : summarize(report));
      const code = exitCodeOfReport(report);
      if (code !== EXIT.ok) this.exit(code);
    } catch (error) {
      progress.finish();
      if (error instanceof RunSetupError) {
        const what = error.phase === 'start' ? 'cannot start' : 'the migration failed';
        failCommand(
          this,
          error.phase === 'start' ? EXIT.cannotStart : EXIT.runFailed,
          `${what}: ${scrubber.scrub(error.message)}`,
        );
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
