import path from 'node:path';
import {
  ConfigError,
  escapeControl,
  ledgerPath,
  type QueriedWindow,
  RunSetupError,
  RunUsageError,
  runPipeline,
  summarize,
} from '@cxarchive/core/host';
import type { Command } from '@oclif/core';
import { bugAdvice, registerScrubber, safeText } from './errors-render.js';
import { EXIT, exitCodeOfReport, signalExitCode } from './exit-codes.js';
import { setUpPipeline } from './pipeline-setup.js';
import { createProgress } from './progress.js';
import { jsonLine } from './run-json.js';
import { createRunLogger, type LogFormat } from './run-log.js';
import { describeWindow, FlagError, parseWindow } from './run-window.js';

export interface RunFlags {
  readonly report?: string | undefined;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly 'log-format': LogFormat;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly limit?: number | undefined;
  readonly item?: string | undefined;
}

/**
 * Prints where `run` stands for people (stderr: logs and progress; stdout: the summary) or, with
 * `--json`, for programs: JSON Lines on stdout, every event as it happens and, last, one
 * `run.report` line — the report with `exitCode`, `window` and `reportFile` — also when the run
 * did not start (exit 2, 3: `status` says why, `error.reason` what).
 */
export const createRunOutput = (json: boolean) => ({
  json,
  /** A line for scripts (with --json). */
  line(value: Record<string, unknown>): void {
    if (json) process.stdout.write(jsonLine(value));
  },
  /**
   * A run that did not start (or was refused): the message on stderr (scrubbed, escaped) and, with
   * --json, the final line, whose `error` is the error line every command prints with --json.
   */
  refused(command: Command, exitCode: number, status: string, reason: string): never {
    const message = safeText(reason);
    process.stderr.write(`${message}\n`);
    if (json)
      process.stdout.write(
        jsonLine({
          type: 'run.report',
          exitCode,
          status,
          error: { exitCode, kind: 'user', message, next: [] },
        }),
      );
    return command.exit(exitCode);
  },
});

/**
 * `cxarchive run`: loads the pipeline (exit 2 when invalid, or a flag is), runs it once with the
 * window, limit or item asked for, shows progress and the window queried, and ends with the
 * summary, the window and where the report is (or the `run.report` line with `--json`).
 */
export const runArchive = async (command: Command, pipeline: string | undefined, flags: RunFlags) => {
  const out = createRunOutput(flags.json);
  let window: ReturnType<typeof parseWindow>;
  try {
    window = parseWindow(flags.since, flags.until);
  } catch (error) {
    if (error instanceof FlagError) return out.refused(command, EXIT.invalidPipeline, 'usage', error.message);
    throw error;
  }
  if (flags.limit !== undefined && (!Number.isSafeInteger(flags.limit) || flags.limit < 1))
    return out.refused(
      command,
      EXIT.invalidPipeline,
      'usage',
      '--limit must be a whole number of items, 1 or more',
    );
  let setup: Awaited<ReturnType<typeof setUpPipeline>>;
  try {
    setup = await setUpPipeline(pipeline);
  } catch (error) {
    if (error instanceof ConfigError)
      return out.refused(command, EXIT.invalidPipeline, 'invalid', error.message);
    throw error;
  }
  const { prepared, scrubber } = setup;
  registerScrubber(scrubber);
  const logger = createRunLogger(scrubber, { verbose: flags.verbose, format: flags['log-format'] });
  // JSON logs are for machines: no progress line among them.
  const showProgress = flags['log-format'] !== 'json';
  const progress = createProgress(process.stderr, 25, { live: showProgress });
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signalExitCode(signal));
    process.stderr.write(
      '\nstopping: operations in flight are cancelled and resume on the next run (Ctrl-C again to quit now)\n',
    );
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let queried: QueriedWindow | undefined;
  try {
    const report = await runPipeline({
      prepared,
      scrubber,
      logger,
      signal: stop.signal,
      ...(flags.report ? { reportFile: flags.report } : {}),
      ...(window === undefined ? {} : { window }),
      ...(flags.limit === undefined ? {} : { limit: flags.limit }),
      ...(flags.item === undefined ? {} : { item: flags.item }),
      onEvent: (event) => {
        if (showProgress) progress.onEvent(event);
        out.line(event as unknown as Record<string, unknown>);
      },
      onWindow: (said) => {
        queried = said;
        out.line({ type: 'run.window', asked: window !== undefined, ...(said ?? {}) });
        if (flags.item !== undefined) logger.info(`archiving item ${flags.item} alone (--item)`);
        else logger.info(describeWindow(said, window !== undefined));
        if (flags.limit !== undefined) logger.info(`listing stops after ${flags.limit} items (--limit)`);
      },
      onListed: (listed) => {
        progress.onListed(listed);
        logger.debug('listed a page', {
          items: listed.items,
          ...(listed.total === undefined ? {} : { total: listed.total }),
        });
      },
      onBudgets: (stats) => progress.onBudgets(stats),
    });
    progress.finish();
    const exitCode = exitCodeOfReport(report);
    const reportFile = path.join(path.dirname(ledgerPath(prepared)), 'reports', `${report.runId}.json`);
    if (flags.json) {
      out.line({
        type: 'run.report',
        exitCode,
        ...report,
        ...(queried === undefined ? {} : { window: { ...queried, asked: window !== undefined } }),
        reportFile,
        ...(flags.report ? { reportCopy: path.resolve(flags.report) } : {}),
      });
    } else {
      const lines = [summarize(report)];
      if (report.counts.seen === 0 && flags.item === undefined)
        lines.push('nothing was listed in the window queried: no item there has settled at the source yet');
      lines.push(
        flags.item === undefined
          ? describeWindow(queried, window !== undefined)
          : `item: ${escapeControl(flags.item)} (--item)`,
      );
      lines.push(`report: ${reportFile}${flags.report ? ` (and ${path.resolve(flags.report)})` : ''}`);
      command.log(lines.join('\n'));
    }
    if (exitCode === EXIT.bug) process.stderr.write(`${bugAdvice()}\n`);
    if (exitCode !== EXIT.ok) command.exit(exitCode);
  } catch (error) {
    progress.finish();
    if (error instanceof RunUsageError)
      return out.refused(
        command,
        EXIT.invalidPipeline,
        'usage',
        escapeControl(scrubber.scrub(error.message)),
      );
    if (error instanceof RunSetupError) {
      const what = error.phase === 'start' ? 'cannot start' : 'the run failed';
      return out.refused(
        command,
        error.phase === 'start' ? EXIT.cannotStart : EXIT.runFailed,
        error.phase === 'start' ? 'not_started' : 'failed',
        `${what}: ${scrubber.scrub(error.message)}`,
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};
