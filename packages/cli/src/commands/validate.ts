import {
  type CheckOutcome,
  ConfigError,
  checkPlugins,
  escapeControl,
  loadPipeline,
  openPipeline,
  type PreparedPipeline,
  pluginsOf,
  SecretScrubber,
} from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { CLI_PACKAGE_DIR } from '../pipeline-setup.js';
import { checkFindings, checkLines } from '../validate-checks.js';
import { type Finding, finding, findingJson, formatFinding, sortFindings } from '../validate-findings.js';
import {
  checkpointFindings,
  issuerFindings,
  keyFindings,
  ledgerOf,
  prefixFindings,
} from '../validate-semantic.js';

/** With --no-env: an issue about a value that needs an unset variable is a note, not an error. */
const withoutEnv = (all: readonly Finding[]): Finding[] => {
  const unset = all.filter((f) => f.code === 'env.unset').map((f) => f.path);
  const needsEnv = (path: string) =>
    unset.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
  return all.map((f) =>
    f.severity === 'error' && (f.code === 'env.unset' || needsEnv(f.path))
      ? {
          ...f,
          severity: 'note',
          hint: `${f.hint ? `${f.hint}\n` : ''}not an error with --no-env: checked when the variable is set`,
        }
      : f,
  );
};

export default class Validate extends Command {
  static override summary = 'Check a pipeline file without running it.';
  static override description =
    `Loads the pipeline file, expands \${VAR} references from the environment, validates it and every plugin's options against their schemas, and resolves every plugin. Then checks what a run would trip over: the codec's keys load (a key file exists, is mode 0600 or stricter and belongs to you), CXone's issuer is https (or http to loopback) and written out, sink prefixes are safe, and, when the tenant has a ledger (read, never written), that \`since\` leaves no gap after the stored checkpoint and that the configured keys open the objects already archived.

--connect also runs each plugin's health check with the configured credentials: CXone (a token and one contact listed), every sink (a head of a key that does not exist), the codec (its keys). --write-probe also writes one small object under _probe/ in each sink (create-only; a WORM bucket keeps it).

Each problem is reported with its file, line, column, JSON path, a stable code (docs/configuration.md, "Problem codes") and a hint. Nothing is written unless --write-probe is given (plugins created by --connect may prepare what a run would, e.g. the fs sink's root directory).

Exit status: 0 when the file is valid (warnings and notes do not change that), 2 when it is not, 3 when it is valid but a --connect health check failed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %>            # finds archive.pipeline.yaml here or in a parent directory',
    '<%= config.bin %> <%= command.id %> --connect  # also log in to CXone and reach every sink',
    '<%= config.bin %> <%= command.id %> --no-env --format json   # in CI, without secrets',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when the file is valid.' }),
    connect: Flags.boolean({
      description: "Also run every plugin's health check with the configured credentials.",
    }),
    'write-probe': Flags.boolean({
      description:
        'With --connect: write one small create-only object under _probe/ in each sink (a WORM bucket keeps it).',
    }),
    env: Flags.boolean({
      allowNo: true,
      default: true,
      description:
        '--no-env: check the structure without secrets (CI): an unset variable, and what depends on it, is a note instead of an error.',
    }),
    format: Flags.string({
      options: ['text', 'json'],
      default: 'text',
      description: 'text for people, json for scripts (one JSON object on stdout).',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Validate);
    const connect = flags.connect || flags['write-probe'];
    if (connect && !flags.env) {
      process.stderr.write(
        '--connect and --write-probe need the environment: they cannot go with --no-env\n',
      );
      this.exit(EXIT.invalidPipeline);
    }
    const scrubber = new SecretScrubber();
    let prepared: PreparedPipeline | undefined;
    let findings: Finding[] = [];
    let outcomes: CheckOutcome[] = [];
    try {
      prepared = await openPipeline(
        () => loadPipeline(args.pipeline === undefined ? {} : { file: args.pipeline }),
        { fallbackFrom: [CLI_PACKAGE_DIR], scrubber },
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      findings = error.issues.map((issue) => finding(issue));
      if (!flags.env) findings = withoutEnv(findings);
    }
    if (prepared) {
      findings.push(...issuerFindings(prepared), ...prefixFindings(prepared));
      const ledger = ledgerOf(prepared);
      findings.push(...ledger.findings, ...checkpointFindings(prepared, ledger.facts));
      // Without the environment (CI) the keys are not there to load: only the structure is checked.
      if (flags.env)
        outcomes = await checkPlugins(prepared, {
          which: connect ? 'all' : 'codec',
          scrubber,
          writeProbe: flags['write-probe'],
        });
      findings.push(
        ...checkFindings(prepared, outcomes),
        ...keyFindings(
          prepared,
          ledger.facts,
          outcomes.find((o) => o.kind === 'codec'),
        ),
      );
    }
    findings = sortFindings(findings);
    const errors = findings.filter((f) => f.severity === 'error');
    const onlyChecks = errors.length > 0 && errors.every((f) => f.code === 'check.failed');
    const exit = errors.length === 0 ? EXIT.ok : onlyChecks ? EXIT.cannotStart : EXIT.invalidPipeline;

    if (flags.format === 'json') {
      this.printJson(prepared, findings, outcomes, exit);
    } else {
      this.printText(prepared, findings, connect ? outcomes : [], flags.quiet, errors.length);
    }
    if (exit !== EXIT.ok) this.exit(exit);
  }

  private printText(
    prepared: PreparedPipeline | undefined,
    findings: readonly Finding[],
    outcomes: readonly CheckOutcome[],
    quiet: boolean,
    errors: number,
  ): void {
    // Paths, package names and versions come from outside: control characters are shown escaped.
    if (errors > 0) {
      const count = errors === 1 ? '1 problem' : `${errors} problems`;
      process.stderr.write(
        `${count} in the pipeline file:\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}\n`,
      );
      return;
    }
    if (findings.length > 0)
      process.stderr.write(`${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}\n`);
    if (quiet || !prepared) return;
    const { loaded } = prepared;
    this.log(`${escapeControl(loaded.file)} is valid (tenant ${escapeControl(loaded.config.tenant)})`);
    for (const p of pluginsOf(prepared)) {
      this.log(`  ${escapeControl(p.label).padEnd(14)} ${escapeControl(`${p.packageName}@${p.version}`)}`);
    }
    for (const line of checkLines(outcomes)) this.log(escapeControl(line));
  }

  private printJson(
    prepared: PreparedPipeline | undefined,
    findings: readonly Finding[],
    outcomes: readonly CheckOutcome[],
    exit: number,
  ): void {
    const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
    const out = {
      valid: exit === EXIT.ok,
      exitCode: exit,
      ...(prepared
        ? {
            file: prepared.loaded.file,
            tenant: prepared.loaded.config.tenant,
            plugins: pluginsOf(prepared).map((p) => ({
              label: p.label,
              kind: p.kind,
              package: p.packageName,
              version: p.version,
            })),
          }
        : {}),
      checks: outcomes.map((o) => ({
        label: o.label,
        kind: o.kind,
        package: o.packageName,
        status: o.status,
        checked: o.checked,
        ...(o.message === undefined ? {} : { message: o.message }),
      })),
      counts: { errors: count('error'), warnings: count('warning'), notes: count('note') },
      findings: findings.map(findingJson),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
}
