import { Command, Flags } from '@oclif/core';
import { pipelineArg } from '../flow-command.js';
import { runPlan } from '../plan-flow.js';
import { maxFlag, windowFlags } from '../run-flags.js';

export default class Plan extends Command {
  static override summary = 'Show what a run would archive now, without writing anything.';
  static override description =
    `Resolves the window against the source and lists it as a run would (up to --max items, then estimates from the source's count when it gives one), and holds each listed item against the ledger: how many are new (what a run would archive), already archived, dropped, or pending, failed or awaiting (retried). It also shows the ledger's items by status, the items the next run retries before listing, the bytes the sinks hold, and example object keys.

Nothing is written: the ledger is opened read-only (and not created for a tenant that never ran), no object is stored, no checkpoint moved, and the source is asked only to list (with CXone's bulk recordings, no media-download request is made).

--offline reads the ledger alone: no call to the source, and none of the source's secrets needed.

Exit status: 0 the plan was made; 2 the pipeline file or a flag is invalid (or the source cannot list a window); 3 the plan could not be made (the ledger is unusable, a plugin refused to start, the source refused the credentials or could not be reached).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --since 2026-10-01 --until 2026-10-08',
    '<%= config.bin %> <%= command.id %> --offline --json',
  ];
  static override args = pipelineArg;
  static override flags = {
    ...windowFlags,
    max: maxFlag,
    offline: Flags.boolean({
      description: 'From the ledger only: no call to the source, none of its secrets needed.',
      exclusive: ['since', 'until', 'max'],
    }),
    json: Flags.boolean({ description: 'Print the plan as one JSON line on stdout.' }),
    verbose: Flags.boolean({ char: 'v', description: 'Log details to stderr.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Plan);
    await runPlan(this, args.pipeline, flags);
  }
}
