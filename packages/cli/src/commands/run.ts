import { Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { pipelineArg } from '../flow-command.js';
import { runPlan } from '../plan-flow.js';
import { windowFlags } from '../run-flags.js';
import { createRunOutput, runArchive } from '../run-flow.js';

export default class Run extends Command {
  static override summary = 'Archive what the source has that the archive does not.';
  static override description =
    `Runs the pipeline once: first retries items earlier runs left pending or failed, then archives every item the source lists after the stored checkpoint. Each artifact is encoded once, written create-only to every sink and verified before the item is recorded as archived in the ledger; re-running never stores anything twice. A run interrupted at any point (Ctrl-C, a crash) resumes where it stopped.

--since/--until list that window of the source's dates instead (a backfill: CXone contacts by lastUpdateTime, from --since up to --until or the settle cutoff); the stored checkpoint is not moved, so the next plain run goes on where the last one stopped, and items the window archived are not stored again. --limit stops the listing after N items (the checkpoint covers only what was settled). --item archives one item by its id: the reference the ledger holds, or fetched from the source by id (CXone: contacts/{id}); no other item is looked at and no checkpoint moves. --dry-run is \`cxarchive plan\`.

It prints the window it queried when it starts and again at the end, with the summary and where the report is: beside the ledger under reports/<runId>.json, and at --report when given. Progress and logs go to stderr: on a terminal one live line (listed of the source's total when it tells, archived, failed, skipped, awaiting, bytes, rate, ETA, the API families being throttled); elsewhere timestamped lines. --log-format json writes the logs as JSON lines. --json prints JSON Lines on stdout: each event as it happens and, last, a run.report line (the report with exitCode, window and reportFile), also when the run does not start.

Ctrl-C (or SIGTERM) stops the run: no new work is taken, operations in flight are cancelled (partial uploads are removed), the report is written, and the next run resumes. A second Ctrl-C quits at once.

Exit status: 0 every item is archived (or not ready at the source yet); 1 some items failed, or the listing failed; 2 the pipeline file or a flag is invalid, or the source cannot do what a flag asks (a window, an item by id); 3 the run could not start (another run holds the tenant, the ledger is unusable, or a plugin refused to start); the run was stopped: see Exit codes.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --since 2026-10-01 --until 2026-10-08',
    '<%= config.bin %> <%= command.id %> --limit 10 -v',
    '<%= config.bin %> <%= command.id %> --item 500000123',
    '<%= config.bin %> <%= command.id %> --json > run.jsonl',
  ];
  static override args = pipelineArg;
  static override flags = {
    ...windowFlags,
    limit: Flags.integer({
      description:
        'Stop listing after this many items (items earlier runs left are retried first, as always).',
      helpValue: '<n>',
      min: 1,
    }),
    item: Flags.string({
      description: 'Archive this one item (by id) and nothing else.',
      helpValue: '<id>',
      exclusive: ['since', 'until', 'limit'],
    }),
    'dry-run': Flags.boolean({
      description: 'Write nothing: show what the run would archive (`cxarchive plan`).',
      exclusive: ['item', 'limit', 'report'],
    }),
    max: Flags.integer({
      description: 'With --dry-run: stop listing after this many items and estimate the rest (default 1000).',
      helpValue: '<n>',
      min: 1,
      dependsOn: ['dry-run'],
    }),
    report: Flags.string({
      description: 'Also write the run report (JSON) to this file.',
      helpValue: '<file>',
    }),
    json: Flags.boolean({
      description:
        'JSON Lines on stdout: every event, then the report line (also when the run cannot start).',
    }),
    'log-format': Flags.string({
      description: 'How logs are written to stderr: text lines, or one JSON object a line.',
      options: ['text', 'json'],
      default: 'text',
    }),
    verbose: Flags.boolean({
      char: 'v',
      description: 'Log retries, pages listed and other details to stderr.',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run).catch((error: unknown) => {
      // A bad command line still ends with the report line under --json (exit 2).
      if (this.argv.includes('--json') && error instanceof Error && !isExit(error))
        return createRunOutput(true).refused(this, EXIT.invalidPipeline, 'usage', error.message);
      throw error;
    });
    if (flags['dry-run'])
      return runPlan(this, args.pipeline, {
        since: flags.since,
        until: flags.until,
        max: flags.max,
        json: flags.json,
        verbose: flags.verbose,
      });
    await runArchive(this, args.pipeline, {
      ...flags,
      'log-format': flags['log-format'] === 'json' ? 'json' : 'text',
    });
  }
}

/** oclif's own exit (help, version): not a usage error. */
const isExit = (error: Error): boolean => (error as { code?: unknown }).code === 'EEXIT';
