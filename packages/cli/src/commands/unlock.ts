import { ConfigError, LedgerError, loadPipeline, unlockTenant } from '@cxarchive/core/host';
import { Args, Command } from '@oclif/core';
import { failCommand } from '../errors-render.js';
import { EXIT } from '../exit-codes.js';

export default class Unlock extends Command {
  static override summary = "Release a tenant's run lease held by a run that is gone.";
  static override description =
    `A run holds its tenant with a lease it renews while it works (state.lease, default 1m). A run that died stops renewing, and the next run takes over once the lease expired (at once when the holder was a process on this host that is gone). Use unlock only when you know the holder is gone and cannot wait for the expiry: the run that held the lease is marked abandoned in the ledger. Unlocking a run that is still working lets two runs work on one tenant; the ledger and create-only writes keep the archive correct, but the live run stops as soon as it notices it lost its lease.`;
  static override examples = ['<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml'];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Unlock);
    let loaded: Awaited<ReturnType<typeof loadPipeline>>;
    try {
      loaded = await loadPipeline(args.pipeline === undefined ? {} : { file: args.pipeline });
    } catch (error) {
      // Unlocking needs the tenant and the ledger's place, not the plugins' credentials: problems
      // inside plugin options (an unset \${CXONE_ACCESS_KEY_SECRET}) do not stand in the way.
      const usable =
        error instanceof ConfigError &&
        error.partial !== undefined &&
        error.issues.every((issue) => /\.with(\.|\[|$)/.test(issue.path));
      if (usable) loaded = error.partial as typeof loaded;
      else if (error instanceof ConfigError)
        failCommand(this, EXIT.invalidPipeline, error.message, { lines: true });
      else throw error;
    }
    let holder: Awaited<ReturnType<typeof unlockTenant>>;
    try {
      holder = await unlockTenant({ loaded });
    } catch (error) {
      if (error instanceof LedgerError) {
        failCommand(this, EXIT.cannotStart, `cannot unlock: ${error.message}`);
      }
      throw error;
    }
    if (!holder) {
      this.log(`tenant ${loaded.config.tenant} was not locked`);
      return;
    }
    this.log(
      `released tenant ${loaded.config.tenant}: run ${holder.runId} (pid ${holder.pid} on ${holder.host}, since ${holder.since}) is marked abandoned`,
    );
  }
}
