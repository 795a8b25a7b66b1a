import path from 'node:path';
import {
  escapeControl,
  type ItemRestore,
  type RestoreSelection,
  type RestoreSummary,
  RunSetupError,
  restoreArchive,
  SecretScrubber,
  safeJson,
} from '@cxarchive/core/host';
import { LegacyEnvelopeError, restoreLegacyEnvelope } from '@cxarchive/legacy-envelope';
import { Args, Command, Flags } from '@oclif/core';
import { openArchiveOf, stopOnSignals } from '../archive-command.js';
import { failCommand } from '../errors-render.js';
import { EXIT } from '../exit-codes.js';

/**
 * The record name of the sources this project ships, by the `use` a pipeline names them with, for
 * batches formed before the ledger kept the source's `recordName` with each batch (restore never
 * starts the source: it needs no source credentials). Keep in step with each source's `recordName`
 * (packages/source-cxone/src/source.ts).
 */
const SHIPPED: Readonly<Record<string, string>> = {
  cxone: 'contact',
  '@cxarchive/source-cxone': 'contact',
};

/** What the runtime names a record when the source gives no `recordName`. */
const DEFAULT_RECORD_NAME = 'record';

const VALID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The record name to restore batched records under: `--record-name` when given (checked to be a
 * plain file name), else the shipped source's, else `record`. Throws a RangeError for a bad name.
 */
export const recordNameFor = (sourceUse: string, asked: string | undefined): string => {
  if (asked !== undefined) {
    if (!VALID.test(asked))
      throw new RangeError(
        `--record-name ${JSON.stringify(asked)}: give the base name of the record file (letters, digits, . _ -), e.g. contact for contact.json`,
      );
    return asked;
  }
  return SHIPPED[sourceUse] ?? DEFAULT_RECORD_NAME;
};

const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** One item's outcome as lines for stderr: what was written, and each object that was not, and why. */
const describeItem = (result: ItemRestore): string[] => {
  const lines: string[] = [];
  const id = escapeControl(result.itemId);
  if (result.files.length > 0)
    lines.push(
      `restored ${id}: ${result.files.map((f) => `${escapeControl(f.artifact)} (${bytes(f.bytes)}, from ${escapeControl(f.sink)}${f.batchId === undefined ? '' : `, batch ${escapeControl(f.batchId)}`})`).join(', ')}`,
    );
  for (const f of result.files)
    for (const reason of f.fellBack ?? [])
      lines.push(`  note ${escapeControl(f.artifact)}: ${escapeControl(reason)}`);
  for (const p of result.problems)
    for (const r of p.reasons)
      lines.push(
        `failed ${id}${p.artifact ? `/${escapeControl(p.artifact)}` : ''}: ${escapeControl(r.reason)}`,
      );
  if (result.ledgerStatus !== undefined && result.ledgerStatus !== 'archived' && result.files.length > 0)
    lines.push(
      `  note ${id}: the ledger has this item ${result.ledgerStatus}, not archived: it may lack objects`,
    );
  return lines;
};

const summaryLine = (summary: RestoreSummary, out: string): string => {
  const parts = [
    `restored ${summary.restored} of ${summary.items} items (${summary.files} files, ${bytes(summary.bytes)}) into ${escapeControl(out)}`,
  ];
  if (summary.partial) parts.push(`${summary.partial} in part`);
  if (summary.failed) parts.push(`${summary.failed} failed`);
  if (summary.unknown) parts.push(`${summary.unknown} not in the ledger`);
  if (summary.interrupted) parts.push('stopped before the end');
  return parts.join('; ');
};

export default class Restore extends Command {
  static override summary = 'Decrypt archived items back to their original files.';
  static override description =
    `Reads the objects the ledger records for each item from a sink, decodes them under the full context they were archived with (tenant, object key, item, artifact, content type), and writes the original files under <out>/<itemId>/: contact.json and the recordings by their artifact names. Each file is written to a temp file in that directory and renamed into place only after its final chunk authenticated: a tampered, truncated or moved object leaves no file, and the object and the reason are named. Restored files are created readable by their owner only (0600).
Objects are read from the first sink of the pipeline that holds them (another holder is tried when one fails), or from --sink only. Existing files are never overwritten without --force.
Only the codec's key and the sinks' credentials are needed: variables used only by the source, transforms or notifiers (CXONE_*) may be unset.
Items by --item (repeatable), or every item dated within --since/--until (UTC days, both included, as the object keys carry them).
In the batch record layout (layout: { records: batch }) an item's record is its line of a batch object ({tenant}/records/yyyy/mm/dd/{batchId}.jsonl…): it is found through the ledger, the batch object is decoded as a stream (one line at a time) and the record written as <out>/<itemId>/<record-name>.json with the bytes the per-item layout stores; a tampered batch leaves no record file. A window decodes each of its batches once for all of their members. The record file is named by --record-name when given, else as the source named its records when the batch was formed (kept with the batch: contact for cxone); for a batch formed before the ledger kept it, the shipped source's name, else record.
--legacy <file> --passphrase-file <file> decrypts an envelope written by the earlier tutorial script instead (JSON {salt, nonce, ciphertext}, PBKDF2-SHA256, AES-256-GCM, gzip JSON Lines inside) into <out>/<name>.jsonl, record for record; no pipeline is needed. A wrong passphrase or an altered envelope fails and leaves no file.
Exit status: 0 every object was restored; 1 some were not (each named), an item is not in the ledger, the window holds no item, or a legacy envelope could not be restored; 2 the pipeline file or an option is invalid; 3 the archive could not be opened (no ledger, a plugin refused to start); ${EXIT.interrupted} stopped.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml --item 5234001 --out restored',
    '<%= config.bin %> <%= command.id %> --item 5234001 --sink sinks[1]',
    '<%= config.bin %> <%= command.id %> --since 2026-03-01 --until 2026-03-31 --out march',
    '<%= config.bin %> <%= command.id %> --legacy calls-2024-03.json --passphrase-file tutorial.pass --out legacy',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    item: Flags.string({
      description: 'Item (contact id) to restore; repeatable.',
      multiple: true,
      helpValue: '<contactId>',
    }),
    since: Flags.string({
      description: 'Restore every item dated on or after this UTC day.',
      helpValue: '<YYYY-MM-DD>',
    }),
    until: Flags.string({
      description: 'Restore every item dated on or before this UTC day.',
      helpValue: '<YYYY-MM-DD>',
    }),
    out: Flags.string({
      description: 'Directory the items are restored into.',
      default: 'restored',
      helpValue: '<dir>',
    }),
    sink: Flags.string({
      description: 'Read from this sink only: its label (sinks[1]) or index (1).',
      helpValue: '<label|index>',
    }),
    force: Flags.boolean({ description: 'Overwrite files already in the output directory.' }),
    'record-name': Flags.string({
      description:
        "Batch layout: the base name of a record restored from a batch (default: the name kept with the batch; for older batches the source's, contact for cxone, else record).",
      helpValue: '<name>',
    }),
    legacy: Flags.string({
      description: 'Decrypt this envelope of the earlier tutorial script (no pipeline needed).',
      helpValue: '<file>',
    }),
    'passphrase-file': Flags.string({
      description: "With --legacy: the file holding the tutorial's passphrase.",
      helpValue: '<file>',
    }),
    json: Flags.boolean({
      description: "Print each item's result, then the summary, as JSON Lines on stdout.",
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Restore);
    if (flags.legacy !== undefined) return this.restoreLegacy(flags, args.pipeline);
    if (flags['passphrase-file'] !== undefined) this.fail('--passphrase-file goes with --legacy <file>');
    const items = flags.item ?? [];
    const windowed = flags.since !== undefined || flags.until !== undefined;
    if (items.length > 0 && windowed) this.fail('give --item, or --since/--until, not both');
    if (items.length === 0 && !windowed)
      this.fail('say what to restore: --item <contactId>, or --since/--until');
    const selection: RestoreSelection = windowed
      ? { ...(flags.since ? { since: flags.since } : {}), ...(flags.until ? { until: flags.until } : {}) }
      : { itemIds: items };
    const scrubber = new SecretScrubber();
    const prepared = await openArchiveOf(this, args.pipeline, scrubber);
    let fallbackRecordName: string;
    try {
      fallbackRecordName = recordNameFor(prepared.sourceId, flags['record-name']);
    } catch (error) {
      this.fail((error as Error).message);
    }
    const out = path.resolve(flags.out);
    const stop = stopOnSignals('stopping after the object in progress');
    let summary: RestoreSummary;
    try {
      summary = await restoreArchive({
        prepared,
        scrubber,
        selection,
        out,
        force: flags.force,
        ...(flags['record-name'] === undefined ? {} : { recordName: fallbackRecordName }),
        fallbackRecordName,
        signal: stop.signal,
        ...(flags.sink === undefined ? {} : { sink: flags.sink }),
        onItem: (result) => {
          if (flags.json) this.log(safeJson({ item: result }));
          for (const line of describeItem(result)) process.stderr.write(`${scrubber.scrub(line)}\n`);
        },
      });
    } catch (error) {
      if (error instanceof RangeError) this.fail(error.message);
      if (error instanceof RunSetupError)
        failCommand(this, EXIT.cannotStart, `cannot restore: ${scrubber.scrub(error.message)}`);
      throw error;
    } finally {
      stop.dispose();
    }
    if (flags.json) this.log(safeJson({ summary }));
    else this.log(summaryLine(summary, out));
    if (summary.interrupted) this.exit(EXIT.interrupted);
    if (summary.items === 0) {
      process.stderr.write('no item of the ledger is dated within the window: nothing was restored\n');
      this.exit(EXIT.runFailed);
    }
    if (summary.restored !== summary.items) this.exit(EXIT.runFailed);
  }

  /** `--legacy`: one tutorial-era envelope to `<out>/<name>.jsonl`, through the legacy-envelope package. */
  private async restoreLegacy(
    flags: { legacy?: string; 'passphrase-file'?: string; out: string; json: boolean } & Record<
      string,
      unknown
    >,
    pipeline: string | undefined,
  ): Promise<void> {
    const others = ['item', 'since', 'until', 'sink', 'force', 'record-name'].filter(
      (name) => flags[name] !== undefined && flags[name] !== false,
    );
    if (pipeline !== undefined || others.length > 0)
      this.fail(
        `--legacy restores an envelope on its own: give no pipeline${others.length > 0 ? ` and no --${others.join(', --')}` : ''} with it`,
      );
    const passphraseFile = flags['passphrase-file'];
    if (passphraseFile === undefined)
      this.fail(
        '--legacy needs --passphrase-file <file>: the file holding the passphrase the envelope was made with',
      );
    const out = path.resolve(flags.out);
    try {
      const restored = await restoreLegacyEnvelope(
        path.resolve(flags.legacy!),
        path.resolve(passphraseFile),
        out,
      );
      this.log(
        flags.json
          ? safeJson({ legacy: restored })
          : `restored ${restored.lines} records (${bytes(restored.bytes)}) into ${escapeControl(restored.file)}`,
      );
    } catch (error) {
      if (error instanceof LegacyEnvelopeError) {
        process.stderr.write(
          `cannot restore ${escapeControl(flags.legacy!)}: ${escapeControl(error.message)}\n`,
        );
        this.exit(EXIT.runFailed);
      }
      throw error;
    }
  }

  /** A bad option: the message, and exit 2. */
  private fail(message: string): never {
    return failCommand(this, EXIT.invalidPipeline, message);
  }
}
