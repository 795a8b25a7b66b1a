import {
  escapeControl,
  RunSetupError,
  SecretScrubber,
  safeJson,
  type VerifyProblem,
  type VerifyResult,
  verifyArchive,
} from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { openArchiveOf, stopOnSignals } from '../archive-command.js';
import { failCommand } from '../errors-render.js';
import { EXIT } from '../exit-codes.js';

const WHAT: Record<VerifyProblem['kinds'][number], string> = {
  missing: 'missing',
  size: 'altered (size)',
  checksum: 'altered (checksum)',
  sha256: 'altered (SHA-256)',
  authentication: 'fails authentication',
  unknown: 'not in the ledger',
  unreadable: 'could not be checked',
};

/** The problems as a table: sink, key, item, what (and the detail on the next line). */
const table = (problems: readonly VerifyProblem[]): string[] => {
  const rows = problems.map((p) => ({
    sink: escapeControl(p.sink),
    key: escapeControl(p.key),
    item: escapeControl(p.batchId === undefined ? (p.itemId ?? '-') : `batch ${p.batchId}`),
    what: p.kinds.map((k) => WHAT[k]).join(', '),
    detail: escapeControl(p.detail),
  }));
  const width = (pick: (r: (typeof rows)[number]) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => pick(r).length));
  const w = {
    sink: width((r) => r.sink, 'SINK'),
    key: width((r) => r.key, 'KEY'),
    item: width((r) => r.item, 'ITEM'),
  };
  const line = (a: string, b: string, c: string, d: string) =>
    `${a.padEnd(w.sink)}  ${b.padEnd(w.key)}  ${c.padEnd(w.item)}  ${d}`;
  return [
    line('SINK', 'KEY', 'ITEM', 'WHAT'),
    ...rows.flatMap((r) => [line(r.sink, r.key, r.item, r.what), `${' '.repeat(w.sink + 2)}↳ ${r.detail}`]),
  ];
};

const summary = (result: VerifyResult): string[] => {
  const lines: string[] = [];
  const how = result.deep ? 'read in full and authenticated' : 'checked by head';
  lines.push(
    `${result.checked} objects ${how}${result.sample === undefined ? '' : ` (a sample of ${result.sample} of ${result.recorded})`}: ${result.problemCount === 0 ? 'no problems' : `${result.problemCount} problems`}`,
  );
  for (const s of result.sinks) {
    const levels = result.deep
      ? ''
      : ` (${s.byLevel.checksum} by the store's checksum, ${s.byLevel.size} by size alone)`;
    const listing =
      s.listing === 'listed'
        ? `listed ${s.listed} objects`
        : s.listing === 'unsupported'
          ? 'cannot list: objects the ledger does not know are not looked for'
          : s.listing === 'skipped'
            ? 'not listed (sample)'
            : `listing failed: ${s.listing.failed}`;
    lines.push(
      `  ${escapeControl(s.sink)}: ${s.checked} checked${levels}, ${s.problems} problems; ${escapeControl(listing)}`,
    );
  }
  if (!result.deep && result.sinks.some((s) => s.byLevel.size > 0))
    lines.push('  objects checked by size alone may still be altered: --deep reads and authenticates them');
  if (result.otherSinks > 0)
    lines.push(
      `  ${result.otherSinks} objects recorded for sinks no longer in the pipeline were not checked`,
    );
  if (result.problemCount > result.problems.length)
    lines.push(`  only the first ${result.problems.length} problems are listed`);
  if (result.interrupted) lines.push('  stopped before the end');
  return lines;
};

export default class Verify extends Command {
  static override summary = 'Check that every archived object is in the sinks, unchanged.';
  static override description =
    `For every object the ledger records (or a random --sample of them), on every sink of the pipeline (or --sink only): the object is there, and its size and the store's checksum match what was recorded when it was stored. With --deep, every object is downloaded and every chunk authenticated under the context it was archived with (tenant, object key, item, artifact, content type) — a flipped byte, a truncation, or an object moved or copied to another key fail there — and the SHA-256 of the stored bytes is compared with the ledger's. Without --sample, each sink that can list its objects is listed under the tenant's prefix, and objects the ledger does not know are reported too.
Batch objects (the batch record layout: many items' records in one JSON Lines object under {tenant}/records/…) are checked like any object, and named in the ITEM column as "batch <batchId>"; an unknown object at the key of a batch the ledger has (an abandoned one) says so.
Problems are printed as a table (sink, key, item, what), then a summary; --json prints the whole result instead. The ledger is read a page at a time and a sample is drawn without holding every object: memory stays bounded for any archive. Only the codec's key (for --deep) and the sinks' credentials are needed: variables used only by the source, transforms or notifiers (CXONE_*) may be unset.
Exit status: 0 no problems; ${EXIT.problemsFound} problems found (each object named); 1 verification could not complete (a sink could not be read or listed) and found nothing else; 2 the pipeline file or an option is invalid; 3 the archive could not be opened (no ledger, a plugin refused to start); ${EXIT.interrupted} stopped.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --deep --sink sinks[1]',
    '<%= config.bin %> <%= command.id %> --sample 500 --deep --json > verify.json',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    sample: Flags.integer({
      description: 'Check a uniform random sample of this many objects.',
      min: 1,
      helpValue: '<N>',
    }),
    sink: Flags.string({
      description: 'Check this sink only: its label (sinks[1]) or index (1).',
      helpValue: '<label|index>',
    }),
    deep: Flags.boolean({ description: 'Download every object and authenticate every chunk.' }),
    json: Flags.boolean({ description: 'Print the result as JSON on stdout instead of the table.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const scrubber = new SecretScrubber();
    const prepared = await openArchiveOf(this, args.pipeline, scrubber);
    const stop = stopOnSignals('stopping');
    const tty = process.stderr.isTTY === true;
    let result: VerifyResult;
    try {
      result = await verifyArchive({
        prepared,
        scrubber,
        deep: flags.deep,
        signal: stop.signal,
        ...(flags.sample === undefined ? {} : { sample: flags.sample }),
        ...(flags.sink === undefined ? {} : { sink: flags.sink }),
        onProgress: (checked) => {
          if (tty) process.stderr.write(`\r\x1b[2Kchecked ${checked}`);
          else if (checked % 500 === 0) process.stderr.write(`checked ${checked}\n`);
        },
      });
    } catch (error) {
      if (error instanceof RangeError) failCommand(this, EXIT.invalidPipeline, error.message);
      if (error instanceof RunSetupError)
        failCommand(this, EXIT.cannotStart, `cannot verify: ${scrubber.scrub(error.message)}`);
      throw error;
    } finally {
      if (tty) process.stderr.write('\r\x1b[2K');
      stop.dispose();
    }
    if (flags.json) this.log(safeJson(result, 2));
    else {
      if (result.problems.length > 0) for (const line of table(result.problems)) this.log(line);
      for (const line of summary(result)) this.log(line);
    }
    if (result.interrupted) this.exit(EXIT.interrupted);
    const { unreadable, ...found } = result.kinds;
    if (Object.values(found).some((n) => n > 0)) this.exit(EXIT.problemsFound);
    const incomplete = unreadable > 0 || result.sinks.some((s) => typeof s.listing === 'object');
    if (incomplete) this.exit(EXIT.runFailed);
  }
}
