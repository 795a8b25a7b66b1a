import { escapeControl, LedgerError } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { loadForLedger, openExistingLedger, out } from '../status-pipeline.js';
import { failedLine, statusLines } from '../status-render.js';
import { failedItems, summarizeLedger } from '../status-summary.js';

/** Failed items shown without --failed. */
const FIRST_FAILED = 10;

export default class Status extends Command {
  static override summary = "Show a tenant's ledger: checkpoint, items by status, last runs, failures, lock.";
  static override description =
    `Reads the tenant's ledger (state.path, default .cxarchive/<tenant>.db beside the pipeline file) and prints: the source's checkpoint and the window it covers (for CXone: contacts listed up to which lastUpdateTime, and where the next run starts), the items by status (archived, failed, awaiting, pending, dropped), the latest runs with their outcome, the failed items with their last error (the first ${FIRST_FAILED}, or all with --failed), who holds the tenant's lock, and for an attach pipeline its attachment jobs by state (sending, sent, confirmed).
Nothing is written and no plugin is loaded: the source's credentials need not be set. A tenant that never ran has no ledger; status says so and creates none.
Exit status: 0 printed; 2 the pipeline file or an option is invalid; 3 the ledger cannot be used.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --failed',
    '<%= config.bin %> <%= command.id %> --json | jq .items',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    failed: Flags.boolean({ description: `List every failed item (without it, the first ${FIRST_FAILED}).` }),
    runs: Flags.integer({
      description: 'How many of the latest runs to show.',
      default: 5,
      min: 1,
      max: 1000,
      helpValue: '<n>',
    }),
    json: Flags.boolean({ description: 'Print one JSON object (the failed items streamed in it).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Status);
    const loaded = await loadForLedger(this, args.pipeline);
    const { file, ledger } = openExistingLedger(this, loaded, 'cannot read the ledger');
    const tenant = loaded.config.tenant;
    if (!ledger) {
      if (flags.json)
        await out(
          `${JSON.stringify({ tenant, pipelineFile: loaded.file, ledger: file, exists: false, runs: [] })}\n`,
        );
      else
        await out(
          `tenant ${escapeControl(tenant)} has not run yet: no ledger at ${escapeControl(file)} (\`cxarchive run\` makes it)\n`,
        );
      return;
    }
    try {
      const summary = await summarizeLedger(loaded, file, ledger, flags.runs, new Date());
      const limit = flags.failed ? Number.POSITIVE_INFINITY : FIRST_FAILED;
      const failed = failedItems(ledger, tenant, summary.source, limit);
      if (flags.json) {
        const { checkpoint, ...rest } = summary;
        const head = JSON.stringify({
          ...rest,
          exists: true,
          checkpoint: checkpoint.checkpoint,
          ...(checkpoint.window ? { window: checkpoint.window } : {}),
          failedTotal: summary.items.failed,
        });
        await out(`${head.slice(0, -1)},"failed":[`);
        let first = true;
        for await (const item of failed) {
          await out(`${first ? '' : ','}\n${JSON.stringify(item)}`);
          first = false;
        }
        await out(']}\n');
        return;
      }
      for (const line of statusLines(summary)) await out(`${line}\n`);
      const total = summary.items.failed;
      if (total > 0) {
        await out(
          flags.failed || total <= FIRST_FAILED
            ? `failed items (${total}):\n`
            : `failed items (the first ${FIRST_FAILED} of ${total}; --failed lists them all):\n`,
        );
        for await (const item of failed) await out(`${failedLine(item)}\n`);
      }
      const last = summary.runs.find((r) => r.counts !== undefined);
      if (last) await out(`the latest report: \`cxarchive report\` (run ${escapeControl(last.runId)})\n`);
    } catch (error) {
      if (error instanceof LedgerError) {
        process.stderr.write(`cannot read the ledger: ${escapeControl(error.message)}\n`);
        this.exit(EXIT.cannotStart);
      }
      throw error;
    } finally {
      await ledger.close();
    }
  }
}
