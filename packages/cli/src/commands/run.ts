import { runPipeline } from '@cxarchive/core/host';
import { Command } from '@oclif/core';
import { flowFlags, pipelineArg, runFlowCommand } from '../flow-command.js';

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
  static override args = pipelineArg;
  static override flags = flowFlags;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    await runFlowCommand(this, args.pipeline, flags, runPipeline);
  }
}
