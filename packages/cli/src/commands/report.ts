import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { auditLogPath, escapeControl, LedgerError, summarize } from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { EXIT } from '../exit-codes.js';
import { reportHtml } from '../report-html.js';
import { pickRun, ReportProblem, readReport } from '../report-read.js';
import { type Throughput, throughputOf } from '../report-throughput.js';
import { loadForLedger, openExistingLedger, out } from '../status-pipeline.js';

const e = escapeControl;

/** The chart's data from the audit log, or why there is none (the report is shown all the same). */
const throughputFor = async (
  logFile: string,
  run: { runId: string; startedAt: string; finishedAt: string },
): Promise<Throughput | string> => {
  try {
    const throughput = await throughputOf(logFile, run);
    return throughput.events > 0
      ? throughput
      : `No item was archived or failed in this run (the audit log ${logFile} has no item event of it).`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `No audit log at ${logFile}: the chart is made from it.`
      : `The audit log ${logFile} cannot be read (${(error as Error).message}): no chart.`;
  }
};

/** Writes `text` to `file` whole: a temporary file beside it, then renamed over it. */
const writeWhole = async (file: string, text: string): Promise<void> => {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

export default class Report extends Command {
  static override summary = "Show a run's report: as text, JSON, or one self-contained HTML page.";
  static override description =
    `Shows the report of the tenant's latest finished run, or of --run <id>: as the summary run prints (text), as the JSON the run wrote (json), or as one HTML file (html) with no external assets: status, counts, bytes, a chart of items and bytes over the run's time (from the audit log), the failures table, skipped items by reason, notes, API budgets, acknowledgements, warnings and plugins.
The report is read from <state dir>/reports/<runId>.json; when that file is missing or damaged, the copy the ledger recorded when the run finished is shown instead (with a warning on stderr). Nothing is written but --out, and no plugin is loaded: the source's credentials need not be set.
Exit status: 0 shown; 2 the pipeline file or an option is invalid, or --run names no run of the tenant; 3 nothing to show (no ledger or no finished run yet, or neither the report file nor the ledger's copy can be used), the ledger cannot be used, or --out cannot be written.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --format html --out last-run.html',
    '<%= config.bin %> <%= command.id %> --run 20261130T172409Z-1b5299 --format json | jq .failures',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    run: Flags.string({
      description: 'The run to show (default: the latest finished run).',
      helpValue: '<id>',
    }),
    format: Flags.string({
      description: 'text: the summary; json: the report as written; html: one self-contained page.',
      options: ['text', 'json', 'html'],
      default: 'text',
    }),
    out: Flags.string({
      description: 'Write to this file (whole, 0600) instead of stdout.',
      helpValue: '<file>',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Report);
    const loaded = await loadForLedger(this, args.pipeline);
    const tenant = loaded.config.tenant;
    const { file, ledger } = openExistingLedger(this, loaded, 'cannot read the ledger');
    if (!ledger) {
      process.stderr.write(
        `no report: tenant ${e(tenant)} has not run yet (no ledger at ${e(file)}; \`cxarchive run\` first)\n`,
      );
      this.exit(EXIT.cannotStart);
    }
    let output: string;
    try {
      const { run, note } = await pickRun(ledger, tenant, flags.run);
      if (note) process.stderr.write(`${note}\n`);
      const read = await readReport(path.dirname(file), run);
      if (read.warning) process.stderr.write(`warning: ${read.warning}\n`);
      const { report } = read;
      if (flags.format === 'json') output = `${JSON.stringify(read.raw, null, 2)}\n`;
      else if (flags.format === 'html')
        output = reportHtml(report, await throughputFor(auditLogPath({ loaded }), report), read.file);
      else output = `${summarize(report)}\n  report ${e(read.file)}\n`;
    } catch (error) {
      if (error instanceof ReportProblem) {
        process.stderr.write(`${error.message}\n`);
        this.exit(error.usage ? EXIT.invalidPipeline : EXIT.cannotStart);
      }
      if (error instanceof LedgerError) {
        process.stderr.write(`cannot read the ledger: ${e(error.message)}\n`);
        this.exit(EXIT.cannotStart);
      }
      throw error;
    } finally {
      await ledger.close();
    }
    if (flags.out === undefined) {
      await out(output);
      return;
    }
    const target = path.resolve(flags.out);
    try {
      await writeWhole(target, output);
    } catch (error) {
      process.stderr.write(`cannot write ${e(target)}: ${e((error as Error).message)}\n`);
      this.exit(EXIT.cannotStart);
    }
    process.stderr.write(`wrote the ${flags.format} report to ${e(target)}\n`);
  }
}
