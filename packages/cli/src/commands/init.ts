import path from 'node:path';
import { escapeControl } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import {
  defaultSince,
  InitUsageError,
  issuerUrl,
  sinceValue,
  tenantFromDir,
  tenantProblem,
} from '../init-answers.js';
import { askAnswers } from '../init-prompts.js';
import {
  type InitAnswers,
  initFiles,
  renderEnvExample,
  renderGitignore,
  renderPipeline,
  SINK_KINDS,
  type SinkKind,
} from '../init-template.js';
import { InitConflict, InitTargetError, writeTenant } from '../init-write.js';
import { CLI_PACKAGE_DIR } from '../pipeline-setup.js';
import { discoverPlugins } from '../plugins-discover.js';
import { buildPipelineSchema } from '../schema-build.js';

export default class Init extends Command {
  static override summary = 'Make a tenant directory: a pipeline file, its key, and what to set.';
  static override description = `Writes into DIR (created when missing; default: the current directory):
- archive.pipeline.yaml: the pipeline, commented, with the CXone issuer written out and the chosen sink;
- .env.example: every \${VAR} the pipeline reads, without values;
- keys/<tenant>.key: a new random key for the gzip-aes codec, made as \`cxarchive keys generate\` makes it (keys/ 0700, the key 0600);
- .gitignore: keys/, .cxarchive/ (the ledger), .env (and archive/ for the fs sink);
- cxarchive.schema.json: the JSON Schema for editors (\`cxarchive schema\`), named by the pipeline's first line.

On a terminal it asks for the tenant, the sink and the CXone issuer that no flag gave. Elsewhere (a script, CI) it never asks: --tenant is needed (or --yes to take DIR's name), the sink defaults to fs and the issuer to global. --yes asks nothing on a terminal either.

Nothing is overwritten: when any of these files exists, none is written and the command names them (exit ${EXIT.invalidPipeline}). --force replaces the text files, but an existing key file is always kept (a new key would leave everything archived under the old one unreadable).

Exit status: ${EXIT.ok} written; ${EXIT.runFailed} DIR could not be written; ${EXIT.invalidPipeline} a flag is invalid, --tenant is missing, DIR is not a directory, or files exist (without --force); ${EXIT.interrupted} the questions were cancelled (Ctrl-C).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme             # asks on a terminal',
    '<%= config.bin %> <%= command.id %> tenants/acme --tenant acme --sink s3 --issuer global',
    '<%= config.bin %> <%= command.id %> . --yes                  # the directory name as tenant, fs, global issuer',
    '<%= config.bin %> <%= command.id %> tenants/acme --tenant acme --since 2026-01-01 --force',
  ];
  static override args = {
    dir: Args.string({
      description: 'The tenant directory (default: the current directory).',
      required: false,
    }),
  };
  static override flags = {
    tenant: Flags.string({ description: 'Tenant name: lowercase letters, digits and inner hyphens.' }),
    sink: Flags.string({ description: 'Where the archive is stored.', options: [...SINK_KINDS] }),
    issuer: Flags.string({
      description:
        'CXone issuer: global (https://cxone.niceincontact.com), fedramp (https://cxone-gov.niceincontact.com), or a URL (https; http only to a loopback host).',
      helpValue: 'global|fedramp|<url>',
    }),
    since: Flags.string({
      description: 'Where the first run starts (ISO 8601 date or date-time). Default: 30 days ago.',
      helpValue: '<date>',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Ask nothing: defaults for what no flag gave.' }),
    force: Flags.boolean({ description: 'Replace existing files (never an existing key file).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    const dir = path.resolve(args.dir ?? '.');
    const usage = (message: string): never => {
      process.stderr.write(`${message}\n`);
      return this.exit(EXIT.invalidPipeline);
    };
    let issuer: string | undefined;
    let since: string;
    try {
      issuer = flags.issuer === undefined ? undefined : issuerUrl(flags.issuer);
      since = flags.since === undefined ? defaultSince(new Date()) : sinceValue(flags.since);
    } catch (error) {
      if (error instanceof InitUsageError) return usage(error.message);
      throw error;
    }
    if (flags.tenant !== undefined) {
      const problem = tenantProblem(flags.tenant);
      if (problem) return usage(`--tenant "${escapeControl(flags.tenant)}": ${problem}`);
    }
    const sink = flags.sink as SinkKind | undefined;
    const interactive = !flags.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
    let answers: InitAnswers;
    if (interactive && (flags.tenant === undefined || sink === undefined || issuer === undefined)) {
      const asked = await askAnswers({ dir, tenant: flags.tenant, sink, issuer });
      if (!asked) return this.exit(EXIT.interrupted);
      answers = { ...asked, since };
    } else {
      const tenant = flags.tenant ?? (flags.yes ? tenantFromDir(dir) : undefined);
      if (tenant === undefined) {
        return usage(
          flags.yes
            ? `--tenant is needed: the directory name "${escapeControl(path.basename(dir))}" makes no tenant name`
            : '--tenant is needed when not on a terminal (or --yes to take the directory name)',
        );
      }
      answers = { tenant, sink: sink ?? 'fs', issuer: issuer ?? issuerUrl('global'), since };
    }
    await this.scaffold(dir, answers, flags.force);
  }

  private async scaffold(dir: string, answers: InitAnswers, force: boolean): Promise<void> {
    const names = initFiles(answers.tenant);
    const pipeline = renderPipeline(answers);
    const plugins = await discoverPlugins([
      { dir, origin: 'tenant' },
      { dir: CLI_PACKAGE_DIR, origin: 'cli' },
    ]);
    const schema = `${JSON.stringify(buildPipelineSchema(plugins, this.config.version), null, 2)}\n`;
    const shownDir = escapeControl(dir);
    let written: Awaited<ReturnType<typeof writeTenant>>;
    try {
      written = await writeTenant(
        dir,
        [
          { name: names.pipeline, text: pipeline },
          { name: names.envExample, text: renderEnvExample(pipeline) },
          { name: names.gitignore, text: renderGitignore(answers) },
          { name: names.schema, text: schema },
        ],
        names.key,
        force,
      );
    } catch (error) {
      if (error instanceof InitConflict) {
        process.stderr.write(
          `${shownDir} already has ${error.existing.map(escapeControl).join(', ')}: nothing was written.\n` +
            'Run again with --force to replace them (an existing key file is always kept), or choose another directory.\n',
        );
        return this.exit(EXIT.invalidPipeline);
      }
      if (error instanceof InitTargetError) {
        process.stderr.write(`${escapeControl(error.message)}: choose a directory for the tenant\n`);
        return this.exit(EXIT.invalidPipeline);
      }
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`cannot write the tenant directory ${shownDir}: ${escapeControl(reason)}\n`);
      return this.exit(EXIT.runFailed);
    }
    const at = (name: string) => escapeControl(path.join(dir, name));
    for (const name of written.created) this.log(`created  ${at(name)}`);
    for (const name of written.replaced) this.log(`replaced ${at(name)}`);
    const key = written.key;
    this.log(
      key.created
        ? `created  ${at(key.name)} (key id ${key.keyId}): keep a copy somewhere safe, without it nothing archived can be restored`
        : `kept     ${at(key.name)} (key id ${key.keyId}): an existing key file is never replaced`,
    );
    const rel = path.relative(process.cwd(), dir) || '.';
    this.log(`
Next:
  1. set the variables listed in ${escapeControl(path.join(rel, names.envExample))} (CXone API user and application${answers.sink === 'fs' ? '' : `, ${answers.sink} storage`})
  2. cxarchive validate ${escapeControl(rel)}
  3. cxarchive run ${escapeControl(rel)}`);
  }
}
