import { once } from 'node:events';
import {
  type AuditEntry,
  type AuditRecord,
  type AuditVerification,
  auditLogPath,
  ConfigError,
  escapeControl,
  type LoadedPipeline,
  loadPipeline,
  readAuditLog,
  verifyAuditLog,
} from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { failCommand } from '../errors-render.js';
import { EXIT } from '../exit-codes.js';

/** Writes a line to stdout, waiting when the pipe is full: a large log never piles up in memory. */
const out = async (line: string): Promise<void> => {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const e = escapeControl;

const detailOf = (x: AuditEntry): string => {
  const run = `run ${e(x.runId)}`;
  switch (x.type) {
    case 'run.started':
      return `${run} started on ${e(x.host)} (cxarchive ${e(x.version)})`;
    case 'run.completed': {
      const c = x.counts ?? {};
      const counts = `archived ${c.archived ?? 0}, failed ${c.failed ?? 0}, awaiting ${c.awaiting ?? 0}, skipped ${c.skipped ?? 0}`;
      const error = x.error ? `; ${e(x.error.errorTag)}: ${e(x.error.reason)}` : '';
      return `${run} ${e(x.outcome ?? '')}: ${counts}${error}`;
    }
    case 'item.archived':
      return `${run}: ${x.objects?.length ?? 0} objects${x.note ? `; ${e(x.note)}` : ''}`;
    case 'item.failed':
      return `${run}: ${e(x.errorTag ?? '')}: ${e(x.reason ?? '')}`;
    case 'item.awaiting':
      return `${run}: ${e(x.reason ?? '')}${x.retryAt ? ` (looked at again from ${e(x.retryAt)})` : ''}`;
    case 'chain.repaired':
      return `${run} on ${e(x.host)}: ${e(x.reason ?? '')}`;
    default:
      return `${run}${x.reason ? `: ${e(x.reason)}` : ''}`;
  }
};

/** One entry as text: time, action, item and what happened; an archived item's objects below it. */
const linesOf = (record: AuditRecord): string[] => {
  if ('problem' in record)
    return [`line ${record.line}: ${e(record.problem)} (cxarchive audit --verify tells more)`];
  const x = record.entry;
  const first = `${e(x.at)}  ${e(x.type).padEnd(14)}  ${e(x.itemId ?? '-')}  ${detailOf(x)}`;
  const objects = (x.objects ?? []).map(
    (o) =>
      `    ${e(o.sink)}  ${e(o.physicalKey)}  ${o.size} B  sha256 ${e(o.sha256)}  ${e(o.checksum.algorithm)} ${e(o.checksum.value)}${o.checksum.parts === undefined ? '' : `-${o.checksum.parts}`}${o.versionId ? `  version ${e(o.versionId)}` : ''}`,
  );
  return [first, ...objects];
};

const verdictOf = (v: AuditVerification): string[] => {
  const lines: string[] = [];
  const where = `${e(v.file)}: ${v.lines} lines, ${v.entries} entries`;
  if (v.break)
    lines.push(`${where} checked: the chain breaks at line ${v.break.line}`, `  ${e(v.break.problem)}`);
  else lines.push(`${where}: the chain is intact`);
  for (const r of v.repairs)
    lines.push(
      `  line ${r.line} is a line torn by a run cut off while writing it (${r.bytes} bytes); run ${e(r.runId)} recorded it at line ${r.repairedAt} (${e(r.at)}) and went on`,
    );
  if (v.head === 'missing') {
    if (v.lines > 0) lines.push('  no head beside the log: a cut at its end cannot be detected');
  } else if ('unreadable' in v.head)
    lines.push(`  its head could not be read (${e(v.head.unreadable)}): a cut at its end cannot be detected`);
  else if (!v.break)
    lines.push(
      `  its head (byte ${v.head.size}, written by run ${e(v.head.runId)} at ${e(v.head.at)}) matches`,
    );
  return lines;
};

/**
 * The pipeline, for the tenant and the log's place only: problems inside plugin options (an unset
 * credential) do not stand in the way of reading the audit log.
 */
const loadForAudit = async (command: Command, file: string | undefined): Promise<LoadedPipeline> => {
  try {
    return await loadPipeline(file === undefined ? {} : { file });
  } catch (error) {
    const usable =
      error instanceof ConfigError &&
      error.partial !== undefined &&
      error.issues.every((issue) => /\.with(\.|\[|$)/.test(issue.path));
    if (usable) return error.partial as LoadedPipeline;
    if (error instanceof ConfigError)
      failCommand(command, EXIT.invalidPipeline, error.message, { lines: true });
    throw error;
  }
};

export default class Audit extends Command {
  static override summary = "Print a tenant's audit log, or check its hash chain.";
  static override description =
    `The audit log (state.auditLog, default <tenant>.audit.jsonl beside the ledger) has one JSON line per state change: run started and completed, each item archived (its objects' keys, sizes and checksums), failed, awaiting or skipped, with the run id, host, cxarchive version, time, outcome and reason. It holds no secrets and no record content. Each entry carries the SHA-256 of the entry before it, so an edited, removed or moved line breaks the chain; the head beside the log (<log>.head) shows a cut at its end.
Without --verify, the entries are printed in order, one per line (an archived item's objects indented below it), filtered by --item and --since; --json prints the matching entries as stored (JSON Lines). A line that is not an intact entry is printed as such.
With --verify, the whole log is checked from its first line to its last and the first break is reported: its line number and what is wrong. A line torn by a run cut off while writing it (a full disk, a power loss, a kill in the middle of a write) is accepted where the next run recorded it (a chain.repaired entry), and listed. --json prints the result as one JSON object.
The log is read as a stream, whatever its size. Only the pipeline file's tenant and state are used: no plugin is loaded, and no credential is needed.
Exit status: 0 printed, or the chain is intact; ${EXIT.problemsFound} --verify found a break (line and problem printed); 2 the pipeline file or an option is invalid; 3 the audit log cannot be read.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --item 712345678 --since 2026-11-01',
    '<%= config.bin %> <%= command.id %> --verify',
    '<%= config.bin %> <%= command.id %> --since 2026-11-30T00:00:00Z --json | jq -c \'select(.type == "item.failed")\'',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    item: Flags.string({ description: 'Only the entries of this item.', helpValue: '<id>' }),
    since: Flags.string({
      description:
        'Only the entries at or after this time (ISO 8601, UTC unless a zone is given: 2026-11-30, 2026-11-30T17:00, 2026-11-30T18:00+01:00).',
      helpValue: '<time>',
    }),
    verify: Flags.boolean({
      description: 'Check the hash chain of the whole log and report the first break.',
      exclusive: ['item', 'since'],
    }),
    json: Flags.boolean({
      description: 'Print JSON: the entries as stored (JSON Lines), or the verification result.',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Audit);
    let since: Date | undefined;
    if (flags.since !== undefined) {
      // Like the entries, a time without a zone is UTC (JavaScript would read it as local time).
      const zoned = /[T ]\d{2}:\d{2}/.test(flags.since) && !/(Z|[+-]\d{2}:?\d{2})$/.test(flags.since);
      since = new Date(zoned ? `${flags.since.replace(' ', 'T')}Z` : flags.since);
      if (!ISO_TIME.test(flags.since) || Number.isNaN(since.getTime())) {
        process.stderr.write(
          `--since: "${e(flags.since)}" is not an ISO 8601 time: write e.g. 2026-11-30 or 2026-11-30T17:00:00Z\n`,
        );
        this.exit(EXIT.invalidPipeline);
      }
    }
    const loaded = await loadForAudit(this, args.pipeline);
    const file = auditLogPath({ loaded });
    try {
      if (flags.verify) {
        const result = await verifyAuditLog(file);
        if (flags.json) await out(JSON.stringify(result, null, 2));
        else if (result.lines === 0 && !result.break)
          process.stderr.write(
            `no audit log at ${e(file)} yet (tenant ${loaded.config.tenant} has not run): nothing to verify\n`,
          );
        else for (const line of verdictOf(result)) await out(line);
        if (result.break) this.exit(EXIT.problemsFound);
        return;
      }
      let printed = 0;
      try {
        for await (const record of readAuditLog(file, {
          ...(flags.item === undefined ? {} : { itemId: flags.item }),
          ...(since === undefined ? {} : { since }),
        })) {
          printed++;
          if (flags.json) await out('problem' in record ? JSON.stringify(record) : record.text);
          else for (const line of linesOf(record)) await out(line);
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || printed > 0) throw error;
        process.stderr.write(`no audit log at ${e(file)} yet (tenant ${loaded.config.tenant} has not run)\n`);
        return;
      }
      if (printed === 0 && !flags.json) process.stderr.write('no entries match\n');
    } catch (error) {
      // A file system error (EACCES, EISDIR…), not oclif's exit.
      if (typeof (error as NodeJS.ErrnoException).syscall === 'string') {
        failCommand(this, EXIT.cannotStart, `cannot read the audit log ${file}: ${(error as Error).message}`);
      }
      throw error;
    }
  }
}
