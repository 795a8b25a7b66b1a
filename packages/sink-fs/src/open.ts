import { mkdir, realpath } from 'node:fs/promises';
import {
  type Logger,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Sink,
  silentLogger,
  tryAsync,
} from '@cxarchive/core';
import { errnoCode, mapFsError } from './errors.js';
import { createFsSink, type FsSinkDependencies } from './fs-sink.js';
import type { ResolvedFsSinkOptions } from './schema.js';
import { currentOwner, prepareTempDir, type SweepOptions, sweepStaleTemps, TEMP_DIR } from './temp-files.js';

export interface OpenFsSinkDependencies {
  readonly logger?: Logger;
  /** The current time in ms for the temp sweep; the files' mtimes come from the OS clock, so is this. */
  readonly now?: () => number;
  /** Test seams passed on to the sink. */
  readonly afterLink?: FsSinkDependencies['afterLink'];
  readonly write?: FsSinkDependencies['write'];
  readonly listPageSize?: FsSinkDependencies['listPageSize'];
  readonly sweep?: Pick<SweepOptions, 'isAlive' | 'staleAfterMs'>;
}

/**
 * Prepares the root (created if missing) and its temp directory, removes the temp files that
 * crashed writers left there (`sweepStaleTemps`, logged with their count and bytes), and returns
 * the sink. A root that cannot be created fails `InvalidInput` naming the option.
 */
export const openFsSink = (options: ResolvedFsSinkOptions, deps: OpenFsSinkDependencies = {}) => {
  const logger = deps.logger ?? silentLogger;
  const open = async (): Promise<Sink> => {
    const realRoot = await mkdir(options.root, { recursive: true })
      .then(() => realpath(options.root))
      .catch((error: unknown) => {
        throw new PluginFailure(
          PluginErrors.invalidInput(
            `fs sink: cannot create the root directory "${options.rootLabel}" (${errnoCode(error) ?? 'unknown error'})`,
            'root',
          ),
        );
      });
    const tempDir = await prepareTempDir(realRoot).catch((error: unknown) => {
      throw new PluginFailure(
        mapFsError(error, `preparing the temp directory ${TEMP_DIR}`, options.rootLabel),
      );
    });
    const owner = await currentOwner();
    const swept = await sweepStaleTemps(tempDir, {
      owner,
      now: (deps.now ?? Date.now)(),
      ...deps.sweep,
    }).catch((error: unknown) => {
      throw new PluginFailure(
        mapFsError(error, `sweeping the temp directory ${TEMP_DIR}`, options.rootLabel),
      );
    });
    if (swept.count > 0)
      logger.info('fs sink: removed temp files left by crashed writers', {
        root: options.rootLabel,
        count: swept.count,
        bytes: swept.bytes,
      });
    if (swept.failures.length > 0)
      logger.warn('fs sink: could not remove some stale temp files', {
        root: options.rootLabel,
        codes: [...new Set(swept.failures)],
      });
    if (swept.unknown > 0)
      logger.warn(`fs sink: ${TEMP_DIR} holds entries that are not this sink's temp files; left alone`, {
        root: options.rootLabel,
        count: swept.unknown,
      });
    return createFsSink(options, {
      realRoot,
      tempDir,
      owner,
      logger,
      ...(deps.afterLink ? { afterLink: deps.afterLink } : {}),
      ...(deps.write ? { write: deps.write } : {}),
      ...(deps.listPageSize === undefined ? {} : { listPageSize: deps.listPageSize }),
    });
  };
  return tryAsync<Sink>(
    open,
    (error): PluginError => mapFsError(error, 'opening the sink', options.rootLabel),
  );
};
