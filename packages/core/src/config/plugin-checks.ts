import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { type PreparedPipeline, type PreparedPlugin, pluginsOf } from '../pipeline/prepare-pipeline.js';
import type { PluginError } from '../plugin/errors.js';
import type { CheckResult, HealthCheck, Sink } from '../plugin/types.js';
import type { SecretScrubber } from '../redacted.js';
import { resolveBudgets } from '../runtime/budgets.js';
import { contextFor } from '../runtime/plugins.js';

/** What one plugin's health check found. */
export interface CheckOutcome {
  readonly label: string;
  readonly kind: PreparedPlugin['kind'];
  readonly packageName: string;
  /** `ok`: checked and fine; `failed`: creating it or its check failed; `none`: it has no check. */
  readonly status: 'ok' | 'failed' | 'none';
  readonly checked: readonly string[];
  /** Why it failed, scrubbed of every secret the pipeline holds. */
  readonly message?: string;
  readonly errorTag?: PluginError['_tag'];
  /** The option at fault, for an invalid input (e.g. `key.path`), relative to the plugin's `with`. */
  readonly option?: string;
  readonly keyIds?: CheckResult['keyIds'];
}

export interface CheckOptions {
  /** Which plugins to check: `codec` (local, no network) or `all` (`validate --connect`). */
  readonly which: 'codec' | 'all';
  readonly scrubber: SecretScrubber;
  readonly logger?: Logger;
  /** Longest a plugin's creation plus check may take (default 30 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * After a sink's check passed, write one small create-only object under `_probe/` (a real
   * write with the configured credentials). Off by default: a WORM bucket keeps it for good.
   */
  readonly writeProbe?: boolean;
}

/** Writes the probe object to a sink; returns what to report. */
const writeProbe = async (
  sink: Sink,
  tenant: string,
  signal: AbortSignal,
): Promise<{ line: string } | { error: PluginError }> => {
  const key = `_probe/${tenant}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.txt`;
  const body = Buffer.from(`cxarchive validate --write-probe for tenant ${tenant}\n`);
  const put = await sink.put(key, Readable.from([body]), {
    signal,
    size: body.length,
    contentType: 'text/plain',
    metadata: {},
  });
  return put.isErr() ? { error: put.error } : { line: `probe object written: ${put.value.key}` };
};

const timeout = (ms: number, signal: AbortSignal | undefined): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

const optionOf = (error: PluginError): { option?: string } => {
  const option = (error as { path?: unknown }).path;
  return typeof option === 'string' && option !== '' ? { option } : {};
};

const raced = <T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(`${what}: no answer in time`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });

/**
 * Creates each plugin as a run would (its budgets, a memory job store: nothing goes to the
 * ledger) and runs its health check (`HealthCheck`), one plugin after the other, then closes it.
 * A plugin that cannot be created fails its check with the reason it gave. Messages are scrubbed
 * of every secret the pipeline holds.
 */
export const checkPlugins = async (
  prepared: PreparedPipeline,
  options: CheckOptions,
): Promise<CheckOutcome[]> => {
  const plugins = pluginsOf(prepared).filter((p) => options.which === 'all' || p.kind === 'codec');
  const declared = pluginsOf(prepared).flatMap((p) => [...(p.definition.budgets ?? [])]);
  const { budgets } = resolveBudgets(declared, prepared.loaded.config.budgets ?? {});
  const out: CheckOutcome[] = [];
  for (const plugin of plugins) {
    const base = { label: plugin.label, kind: plugin.kind, packageName: plugin.packageName };
    const signal = timeout(options.timeoutMs ?? 30_000, options.signal);
    const context = contextFor(plugin, {
      tenant: prepared.loaded.config.tenant,
      baseDir: prepared.loaded.dir,
      logger: options.logger ?? silentLogger,
      now: () => new Date(),
      budgets,
    });
    let instance: { check?: HealthCheck; close?(): Promise<void> } | undefined;
    try {
      const created = await raced(
        Promise.resolve(plugin.definition.create(plugin.config, context)),
        signal,
        'creating it',
      );
      if (typeof (created as { isErr?: unknown } | undefined)?.isErr !== 'function') {
        out.push({
          ...base,
          status: 'failed',
          checked: [],
          message: 'its create() returned no Result: the plugin is defective (report it to its authors)',
        });
        continue;
      }
      if (created.isErr()) {
        out.push({
          ...base,
          status: 'failed',
          checked: [],
          message: `could not start: ${options.scrubber.scrub(created.error.message)}`,
          errorTag: created.error._tag,
          ...optionOf(created.error),
        });
        continue;
      }
      instance = created.value as typeof instance;
      const check = instance?.check;
      if (typeof check !== 'function') {
        out.push({ ...base, status: 'none', checked: [] });
        continue;
      }
      const result = await raced(Promise.resolve(check.call(instance, signal)), signal, 'its check');
      if (result.isErr()) {
        out.push({
          ...base,
          status: 'failed',
          checked: [],
          message: options.scrubber.scrub(result.error.message),
          errorTag: result.error._tag,
          ...optionOf(result.error),
        });
        continue;
      }
      const checked = [...result.value.checked];
      if (options.writeProbe === true && plugin.kind === 'sink') {
        const probe = await writeProbe(instance as unknown as Sink, prepared.loaded.config.tenant, signal);
        if ('error' in probe) {
          out.push({
            ...base,
            status: 'failed',
            checked: checked.map((line) => options.scrubber.scrub(line)),
            message: `writing the probe object failed: ${options.scrubber.scrub(probe.error.message)}`,
            errorTag: probe.error._tag,
          });
          continue;
        }
        checked.push(probe.line);
      }
      out.push({
        ...base,
        status: 'ok',
        checked: checked.map((line) => options.scrubber.scrub(line)),
        ...(result.value.keyIds ? { keyIds: result.value.keyIds } : {}),
      });
    } catch (error) {
      out.push({
        ...base,
        status: 'failed',
        checked: [],
        message: options.scrubber.scrub(error instanceof Error ? error.message : String(error)),
      });
    } finally {
      await instance?.close?.().catch(() => undefined);
    }
  }
  return out;
};
