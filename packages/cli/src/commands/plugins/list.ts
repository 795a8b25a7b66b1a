import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../../exit-codes.js';
import { discoverPlugins } from '../../plugins-discover.js';
import { pluginPlaces } from '../../plugins-places.js';
import { pluginRows, renderPluginTable } from '../../plugins-render.js';

export default class PluginsList extends Command {
  static override summary = 'List the plugins a pipeline can use, and where each resolves from.';
  static override description =
    `Lists every installed cxarchive plugin a pipeline file in DIR could name in \`use:\`: the packages with a "cxarchive" manifest in the node_modules directories searched from DIR (beside the pipeline file) and then from this command line's own installation, in the order a pipeline resolves them. Each is resolved and loaded the way a run does it, so the listing shows its kind, the \`use:\` name, package, version, plugin API version and where it resolved from; a package hidden by another one found first is marked shadowed, and one that cannot be used (a wrong API version, a failing import) is marked broken with the reason. Path plugins (use: ./plugin.mjs) are not installed packages and are not listed.

Exit status: ${EXIT.ok} listed (broken plugins included); ${EXIT.invalidPipeline} DIR does not exist.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> tenants/acme',
    '<%= config.bin %> <%= command.id %> --json | jq -r \'.[] | select(.status == "ok") | .use\'',
  ];
  static override args = {
    dir: Args.string({
      description: 'Tenant directory, or its pipeline file (default: the current directory).',
      required: false,
    }),
  };
  static override flags = {
    json: Flags.boolean({ description: 'Print the list as a JSON array.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginsList);
    const places = pluginPlaces(args.dir);
    if ('problem' in places) {
      process.stderr.write(`${places.problem}\n`);
      this.exit(EXIT.invalidPipeline);
    }
    const found = await discoverPlugins(places.places);
    const rows = pluginRows(found);
    this.log(flags.json ? JSON.stringify(rows, null, 2) : renderPluginTable(rows));
  }
}
