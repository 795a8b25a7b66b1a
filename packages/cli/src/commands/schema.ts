import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapeControl } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { discoverPlugins } from '../plugins-discover.js';
import { pluginPlaces } from '../plugins-places.js';
import { buildPipelineSchema } from '../schema-build.js';

export default class Schema extends Command {
  static override summary = 'Print the JSON Schema of pipeline files, with every plugin’s options.';
  static override description =
    `Prints the JSON Schema (draft-07) of archive.pipeline.yaml for editors: the pipeline's own keys, and for each plugin reference the options of the plugin its \`use:\` names, for every plugin resolvable from DIR (as \`cxarchive plugins list\` shows them). \${VAR} references are accepted wherever the file may hold one. With the YAML language server (VS Code's YAML extension and others), the first line

  # yaml-language-server: $schema=./cxarchive.schema.json

of a pipeline file makes the editor check it and complete keys, plugin names and their options. Regenerate the file after installing or upgrading a plugin.

Exit status: ${EXIT.ok} printed or written; ${EXIT.runFailed} --out could not be written; ${EXIT.invalidPipeline} DIR does not exist.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --out cxarchive.schema.json',
    '<%= config.bin %> <%= command.id %> tenants/acme --out tenants/acme/cxarchive.schema.json',
    "<%= config.bin %> <%= command.id %> | jq '.properties.sinks.items.properties.use.examples'",
  ];
  static override args = {
    dir: Args.string({
      description:
        'Tenant directory, or its pipeline file, whose plugins count (default: the current directory).',
      required: false,
    }),
  };
  static override flags = {
    out: Flags.string({
      description: 'Write the schema to this file (replaced whole) instead of stdout.',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Schema);
    const places = pluginPlaces(args.dir);
    if ('problem' in places) {
      process.stderr.write(`${places.problem}\n`);
      this.exit(EXIT.invalidPipeline);
    }
    const found = await discoverPlugins(places.places);
    for (const p of found.filter((f) => f.status === 'broken')) {
      process.stderr.write(
        `warning: ${escapeControl(`${p.kind} ${p.use}`)} is left out of the schema: ${escapeControl(p.problem ?? 'it cannot be used')}\n`,
      );
    }
    const text = `${JSON.stringify(buildPipelineSchema(found, this.config.version), null, 2)}\n`;
    if (!flags.out) {
      process.stdout.write(text);
      return;
    }
    const out = path.resolve(flags.out);
    // Written beside the target and renamed over it: an editor never reads half a schema.
    const temp = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      writeFileSync(temp, text, { flag: 'wx', mode: 0o644 });
      renameSync(temp, out);
    } catch (error) {
      rmSync(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `its directory ${path.dirname(out)} does not exist`
          : (error instanceof Error ? error.message : String(error)).split(temp).join(out);
      process.stderr.write(`cannot write ${escapeControl(out)}: ${escapeControl(reason)}\n`);
      this.exit(EXIT.runFailed);
    }
    this.log(`wrote ${escapeControl(out)}`);
  }
}
