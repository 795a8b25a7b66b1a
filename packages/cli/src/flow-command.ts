import { ConfigError, type RunOptions, type RunReport, RunSetupError, summarize } from '@cxarchive/core/host';
import { Args, type Command, Flags } from '@oclif/core';
import { bugAdvice, failCommand } from './errors-render.js';
import { EXIT, exitCodeOfReport, signalExitCode } from './exit-codes.js';
import { createCliLogger } from './logger.js';
import { setUpPipeline } from './pipeline-setup.js';
import { createProgress } from './progress.js';

/** The pipeline argument of `run` and `sync`. */
export const pipelineArg = {
  pipeline: Args.string({
    description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
    required: false,
  }),
};

/** The flags `run` and `sync` share. */
export const flowFlags = {
  report: Flags.string({
    description: 'Also write the run report (JSON) to this file.',
    helpValue: '<file>',
  }),
  json: Flags.boolean({ description: 'Print the report as JSON on stdout instead of the summary.' }),
  verbose: Flags.boolean({ char: 'v', description: 'Log retries and other details to stderr.' }),
};

export interface FlowFlags {
  readonly report?: string | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
}

/**
 * What `run` and `sync` share: load the pipeline (exit 2 when invalid), run one flow of the
 * harness with progress and Ctrl-C handling (the first stops cleanly, the second quits), print the
 * summary or the JSON report, and map the outcome to an exit code.
 */
export const runFlowCommand = async (
  command: Command,
  pipeline: string | undefined,
  flags: FlowFlags,
  flow: (options: RunOptions) => Promise<RunReport>,
): Promise<void> => {
  let setup: Awaited<ReturnType<typeof setUpPipeline>>;
  try {
    setup = await setUpPipeline(pipeline);
  } catch (error) {
    if (error instanceof ConfigError)
      failCommand(command, EXIT.invalidPipeline, error.message, { lines: true });
    throw error;
  }
  const { prepared, scrubber } = setup;
  const logger = createCliLogger(scrubber, flags.verbose);
  const progress = createProgress(process.stderr);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signalExitCode(signal));
    process.stderr.write(
      '\nstopping: operations in flight are cancelled and resume on the next run (Ctrl-C again to quit now)\n',
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await flow({
      prepared,
      scrubber,
      logger,
      onEvent: progress.onEvent,
      signal: stop.signal,
      ...(flags.report ? { reportFile: flags.report } : {}),
    });
    progress.finish();
    command.log(flags.json ? JSON.stringify(report, null, 2) : summarize(report));
    const code = exitCodeOfReport(report);
    if (code === EXIT.bug) process.stderr.write(`${bugAdvice()}\n`);
    if (code !== EXIT.ok) command.exit(code);
  } catch (error) {
    progress.finish();
    if (error instanceof RunSetupError) {
      const what = error.phase === 'start' ? 'cannot start' : 'the run failed';
      failCommand(
        command,
        error.phase === 'start' ? EXIT.cannotStart : EXIT.runFailed,
        `${what}: ${scrubber.scrub(error.message)}`,
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};
