import path from 'node:path';
import {
  definePlugin,
  err,
  errAsync,
  type Item,
  ok,
  type PluginContext,
  type PluginError,
  PluginErrors,
  parseDuration,
  type Result,
  ResultAsync,
  type Transform,
} from '@cxarchive/core';
import { type ClamdAddress, type ClamdCallOptions, clamdVersion, scanStream } from './clamd-client.js';
import { classifyScanFailure } from './classify.js';
import { configSchema, DEFAULT_SOCKET, DEFAULTS, type ScanClamavOptions } from './schema.js';

export {
  CHUNK_BYTES,
  type ClamdAddress,
  ClamdError,
  type ClamdFailure,
  clamdVersion,
  describeAddress,
  parseScanAnswer,
  scanStream,
  type Verdict,
} from './clamd-client.js';
export { classifyScanFailure } from './classify.js';
export { configSchema, DEFAULT_SOCKET, DEFAULTS, type ScanClamavOptions } from './schema.js';

/** The artifact of an attach-flow item that holds the file's bytes. */
export const FILE_ARTIFACT = 'file';

/** How long a clamd version (it changes when freshclam loads new databases) is reused. */
export const VERSION_TTL_MS = 5 * 60_000;

/** Most time to wait for VERSION after a verdict (a clamd slow to tell its version does not hold the item). */
export const VERSION_TIMEOUT_MS = 5000;

/** What scan-clamav adds to the record: `record.scan`. */
export interface ScanFacts {
  readonly engine: 'clamav';
  readonly clean: true;
  /** clamd's VERSION answer, e.g. `ClamAV 1.4.6/27474/Sat Nov 29 09:24:02 2026`. */
  readonly version?: string;
}

export interface ScanSettings {
  readonly address: ClamdAddress;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly now?: () => Date;
}

/** The transform: the `file` artifact streamed to clamd; a clean verdict adds `record.scan`. */
export const createScanClamav = (settings: ScanSettings): Transform => {
  const now = settings.now ?? (() => new Date());
  let cached: { readonly version: string; readonly at: number } | undefined;
  const options = (signal: AbortSignal): ClamdCallOptions => ({
    signal,
    connectTimeoutMs: settings.connectTimeoutMs,
    timeoutMs: settings.timeoutMs,
  });
  /** The version, best effort: the verdict is what matters, a failed VERSION only leaves it out. */
  const version = async (signal: AbortSignal): Promise<string | undefined> => {
    const at = now().getTime();
    if (cached !== undefined && at - cached.at < VERSION_TTL_MS) return cached.version;
    try {
      const asked = { ...options(signal), timeoutMs: Math.min(settings.timeoutMs, VERSION_TIMEOUT_MS) };
      cached = { version: await clamdVersion(settings.address, asked), at };
      return cached.version;
    } catch {
      return undefined;
    }
  };
  return {
    apply(item: Item, signal: AbortSignal): ResultAsync<Item | null, PluginError> {
      if (signal.aborted) return errAsync(PluginErrors.transient('scan-clamav was cancelled'));
      const artifact = item.artifacts.find((a) => a.name === FILE_ARTIFACT);
      if (artifact === undefined)
        return errAsync(
          PluginErrors.invalidInput(`item has no "${FILE_ARTIFACT}" artifact: not an attach-flow item`),
        );
      return artifact
        .open(signal)
        .andThen((body) =>
          ResultAsync.fromPromise(scanStream(settings.address, body, options(signal)), classifyScanFailure),
        )
        .andThen((verdict) => {
          if (!verdict.clean) return errAsync(PluginErrors.invalidInput(`malware: ${verdict.signature}`));
          return ResultAsync.fromSafePromise(version(signal)).map((v): Item | null => {
            const scan: ScanFacts = {
              engine: 'clamav',
              clean: true,
              ...(v === undefined ? {} : { version: v }),
            };
            return { ...item, record: { ...item.record, scan: { ...scan } } };
          });
        });
    },
  };
};

/** Compiles the options as `create` receives them (validated by core against the schema). */
export const scanClamavOf = (
  config: ScanClamavOptions,
  context: Pick<PluginContext, 'baseDir' | 'now'>,
): Result<Transform, PluginError> => {
  if (config.host !== undefined && config.socket !== undefined)
    return err(
      PluginErrors.invalidInput(
        'give either socket (a unix socket) or host and port (TCP), not both',
        'socket',
      ),
    );
  const address: ClamdAddress =
    config.host !== undefined
      ? { host: config.host, port: config.port ?? 3310 }
      : { socket: path.resolve(context.baseDir, config.socket ?? DEFAULT_SOCKET) };
  return ok(
    createScanClamav({
      address,
      connectTimeoutMs: parseDuration(config.connectTimeout ?? DEFAULTS.connectTimeout),
      timeoutMs: parseDuration(config.timeout ?? DEFAULTS.timeout),
      now: () => context.now(),
    }),
  );
};

export default definePlugin<'transform', ScanClamavOptions>({
  kind: 'transform',
  name: 'scan-clamav',
  apiVersion: 2,
  configSchema,
  create: (config, context) => scanClamavOf(config, context),
});
