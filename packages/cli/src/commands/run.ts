import { ConfigError, escapeControl, RunSetupError, runPipeline, summarize } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { createCliLogger } from '../logger.js';
import { setUpPipeline } from '../pipeline-setup.js';
import { createProgress } from '../progress.js';

export default class Run extends Command {
  static override summary = 'Archive what the source has that the archive does not.';
  static override description =
    `Runs the pipeline once: first retries items earlier runs left pending or failed, then archives every item the source lists after the stored checkpoint. Each artifact is encoded once, written create-only to every sink and verified before the item is recorded as archived in the ledger; re-running never stores anything twice. A run interrupted at any point (Ctrl-C, a crash) resumes where it stopped.

The report (JSON) is written beside the ledger under reports/<runId>.json, and to --report when given. Progress and logs go to stderr; the summary (or the report with --json) to stdout.

Ctrl-C (or SIGTERM) stops the run: no new work is taken, operations in flight are cancelled (partial uploads are removed), the report is written, and the next run resumes. A second Ctrl-C quits at once.

Exit status: 0 every item is archived (or not ready at the source yet, e.g. a recording still processing: the next run looks again); 1 some items failed, or the listing failed; 2 the pipeline file is invalid; 3 the run could not start (another run holds the tenant, the ledger is unusable, or a plugin refused to start); 130 the run was stopped.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> archive.pipeline.yaml --report out/report.json',
    '<%= config.bin %> <%= command.id %> --json > report.json',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    report: Flags.string({
      description: 'Also write the run report (JSON) to this file.',
      helpValue: '<file>',
    }),
    json: Flags.boolean({ description: 'Print the report as JSON on stdout instead of the summary.' }),
    verbose: Flags.boolean({ char: 'v', description: 'Log retries and other details to stderr.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    let setup: Awaited<ReturnType<typeof setUpPipeline>>;
    try {
      setup = await setUpPipeline(args.pipeline);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        this.exit(EXIT.invalidPipeline);
      }
      throw error;
    }
    const { prepared, scrubber } = setup;
    const logger = createCliLogger(scrubber, flags.verbose);
    const progress = createProgress(process.stderr);
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      process.stderr.write(
        '\nstopping: operations in flight are cancelled and resume on the next run (Ctrl-C again to quit now)\n',
      );
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const report = await runPipeline({
        prepared,
        scrubber,
        logger,
        onEvent: progress.onEvent,
        signal: stop.signal,
        ...(flags.report ? { reportFile: flags.report } : {}),
      });
      progress.finish();
      this.log(flags.json ? JSON.stringify(report, null, 2) : summarize(report));
      if (report.status === 'interrupted') this.exit(EXIT.interrupted);
      if (report.status !== 'succeeded') this.exit(EXIT.runFailed);
    } catch (error) {
      progress.finish();
      if (error instanceof RunSetupError) {
        const what = error.phase === 'start' ? 'cannot start' : 'the run failed';
        process.stderr.write(`${what}: ${escapeControl(scrubber.scrub(error.message))}\n`);
        this.exit(error.phase === 'start' ? EXIT.cannotStart : EXIT.runFailed);
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
