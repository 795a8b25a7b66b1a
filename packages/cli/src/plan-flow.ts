import {
  ConfigError,
  escapeControl,
  type LoadedPipeline,
  loadPipeline,
  type Plan,
  planPipeline,
  RunSetupError,
  RunUsageError,
  SecretScrubber,
} from '@cxarchive/core/host';
import type { Command } from '@oclif/core';
import { registerScrubber, safeText } from './errors-render.js';
import { EXIT } from './exit-codes.js';
import { setUpPipeline } from './pipeline-setup.js';
import { renderPlan } from './plan-render.js';
import { jsonLine } from './run-json.js';
import { createRunLogger } from './run-log.js';
import { FlagError, parseWindow } from './run-window.js';

/**
 * The pipeline for an offline plan: the tenant, the source's name and the state's place are all it
 * needs, so problems inside plugin options (an unset credential) do not stand in its way, as for
 * `status`. Anything else throws the ConfigError.
 */
const loadForLedger = async (file: string | undefined): Promise<LoadedPipeline> => {
  try {
    return await loadPipeline(file === undefined ? {} : { file });
  } catch (error) {
    const usable =
      error instanceof ConfigError &&
      error.partial !== undefined &&
      error.issues.every((issue) => /\.with(\.|\[|$)/.test(issue.path));
    if (usable) return error.partial as LoadedPipeline;
    throw error;
  }
};

export interface PlanFlags {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly max?: number | undefined;
  readonly offline?: boolean;
  readonly json: boolean;
  readonly verbose?: boolean;
}

/**
 * `cxarchive plan` (and `run --dry-run`): what a run would do now, written nowhere. Online it
 * lists the source (as a preview) up to `--max` items; `--offline` reads the ledger alone and
 * needs none of the source's secrets. With `--json`, one `plan` line (also on exit 2 and 3).
 */
export const runPlan = async (command: Command, pipeline: string | undefined, flags: PlanFlags) => {
  const refuse = (exitCode: number, status: string, reason: string): never => {
    const message = safeText(reason);
    process.stderr.write(`${message}\n`);
    if (flags.json)
      process.stdout.write(
        jsonLine({ type: 'plan', exitCode, status, error: { exitCode, kind: 'user', message, next: [] } }),
      );
    return command.exit(exitCode);
  };
  let window: ReturnType<typeof parseWindow>;
  try {
    window = parseWindow(flags.since, flags.until);
  } catch (error) {
    if (error instanceof FlagError) return refuse(EXIT.invalidPipeline, 'usage', error.message);
    throw error;
  }
  if (flags.max !== undefined && (!Number.isSafeInteger(flags.max) || flags.max < 1))
    return refuse(EXIT.invalidPipeline, 'usage', '--max must be a whole number of items, 1 or more');
  if (flags.offline === true && window !== undefined)
    return refuse(
      EXIT.invalidPipeline,
      'usage',
      '--since/--until need the source: a window cannot be planned --offline',
    );
  let plan: Plan;
  let scrubber = new SecretScrubber();
  try {
    if (flags.offline === true) {
      const loaded = await loadForLedger(pipeline);
      plan = await planPipeline({ loaded, scrubber, offline: true });
    } else {
      const setup = await setUpPipeline(pipeline);
      scrubber = setup.scrubber;
      registerScrubber(scrubber);
      plan = await planPipeline({
        prepared: setup.prepared,
        loaded: setup.prepared.loaded,
        scrubber,
        logger: createRunLogger(scrubber, { verbose: flags.verbose ?? false, format: 'text' }),
        ...(window === undefined ? {} : { window }),
        ...(flags.max === undefined ? {} : { max: flags.max }),
      });
    }
  } catch (error) {
    if (error instanceof ConfigError) return refuse(EXIT.invalidPipeline, 'invalid', error.message);
    if (error instanceof RunUsageError)
      return refuse(EXIT.invalidPipeline, 'usage', scrubber.scrub(error.message));
    if (error instanceof RunSetupError)
      return refuse(
        EXIT.cannotStart,
        'not_started',
        `cannot plan: ${escapeControl(scrubber.scrub(error.message))}`,
      );
    throw error;
  }
  if (flags.json) process.stdout.write(jsonLine({ type: 'plan', exitCode: EXIT.ok, ...plan }));
  else command.log(renderPlan(plan, flags.offline === true));
};
