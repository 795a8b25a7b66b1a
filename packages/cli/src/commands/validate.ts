import { ConfigError, escapeControl, pluginsOf } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { setUpPipeline } from '../pipeline-setup.js';

export default class Validate extends Command {
  static override summary = 'Check a pipeline file without running it.';
  static override description =
    `Loads the pipeline file, expands \${VAR} references from the environment, validates it and every plugin's options against their schemas, and resolves every plugin. Each problem is reported with its file, line, column and path, with a suggestion for mistyped keys. Nothing is contacted or written.

Exit status: 0 when the file is valid, 2 when it is not.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %>            # finds archive.pipeline.yaml here or in a parent directory',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when the file is valid.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Validate);
    try {
      const { prepared } = await setUpPipeline(args.pipeline);
      if (flags.quiet) return;
      const { loaded } = prepared;
      // Paths, package names and versions come from outside: control characters are shown escaped.
      const describe = (p: { label: string; packageName: string; version: string }) =>
        `  ${escapeControl(p.label).padEnd(14)} ${escapeControl(`${p.packageName}@${p.version}`)}`;
      this.log(`${escapeControl(loaded.file)} is valid (tenant ${escapeControl(loaded.config.tenant)})`);
      for (const p of pluginsOf(prepared)) {
        this.log(describe(p));
      }
    } catch (error) {
      if (error instanceof ConfigError) {
        // Each issue is escaped where it is formatted (formatIssue); the line breaks are its own.
        process.stderr.write(`${error.message}\n`);
        this.exit(EXIT.invalidPipeline);
      }
      throw error;
    }
  }
}
