import { syncPipeline } from '@cxarchive/core/host';
import { Command } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { flowFlags, pipelineArg, runFlowCommand } from '../flow-command.js';

export default class Sync extends Command {
  static override summary = 'Fill a sink with what the other sinks of the pipeline already hold.';
  static override description =
    `A sink added to a pipeline after items were archived stays behind: \`run\` never revisits an archived item (it warns while a sink lags). \`sync\` copies to each sink the objects of archived items that another sink holds and it does not — the stored bytes as they are (no decoding, no re-encryption), streamed, verified by the target store's checksum like any write, and compared with the SHA-256 recorded when they were archived — and records them in the ledger. Copying is create-only: an object already at the key is adopted only if it is byte for byte the one archived.

It takes the tenant's lease like a run; Ctrl-C stops it cleanly and the next sync goes on. The summary counts each object copied as archived.

Exit status: 0 every missing object was copied; 1 some could not be (each with its reason); 2 the pipeline file is invalid; 3 it could not start; ${EXIT.interrupted} it was stopped.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --json > sync-report.json',
  ];
  static override args = pipelineArg;
  static override flags = flowFlags;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sync);
    await runFlowCommand(this, args.pipeline, flags, syncPipeline);
  }
}
