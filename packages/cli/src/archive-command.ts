import {
  ConfigError,
  loadPipeline,
  openArchive,
  type PreparedArchive,
  type SecretScrubber,
} from '@cxarchive/core/host';
import type { Command } from '@oclif/core';
import { failCommand, registerScrubber } from './errors-render.js';
import { EXIT, signalExitCode } from './exit-codes.js';
import { CLI_PACKAGE_DIR } from './pipeline-setup.js';

/**
 * What the commands that read the archive back (restore, verify, keys rewrap) share: the pipeline
 * loaded with `scope: 'archive'` (the source's variables may be unset) and its codec and sinks
 * prepared; an invalid file prints every problem and exits 2.
 */
export const openArchiveOf = async (
  command: Command,
  pipeline: string | undefined,
  scrubber: SecretScrubber,
): Promise<PreparedArchive> => {
  registerScrubber(scrubber);
  try {
    return await openArchive(
      () => loadPipeline({ ...(pipeline === undefined ? {} : { file: pipeline }), scope: 'archive' }),
      { fallbackFrom: [CLI_PACKAGE_DIR], scrubber },
    );
  } catch (error) {
    if (error instanceof ConfigError)
      failCommand(command, EXIT.invalidPipeline, error.message, { lines: true });
    throw error;
  }
};

/**
 * Ctrl-C and SIGTERM for a command: the first aborts `signal` (saying `stopping`), the second
 * quits at once (exit 130 for SIGINT, 143 for SIGTERM). `dispose` removes the handlers.
 */
export const stopOnSignals = (stopping: string): { signal: AbortSignal; dispose(): void } => {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signalExitCode(signal));
    process.stderr.write(`\n${stopping} (Ctrl-C again to quit now)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
};
