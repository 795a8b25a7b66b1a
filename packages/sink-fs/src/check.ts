import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { err, type HealthCheck, ok, PluginErrors, ResultAsync, type Sink } from '@cxarchive/core';
import { errnoCode } from './errors.js';
import type { ResolvedFsSinkOptions } from './schema.js';
import { TEMP_DIR } from './temp-files.js';

/**
 * The sink's health check (`cxarchive validate --connect`): the root and its temp directory are
 * writable by this user (a read-only sink is found before a run fetches anything), and a `head`
 * of a key that does not exist answers "not found". Nothing is written.
 */
export const fsCheck =
  (sink: Sink, options: ResolvedFsSinkOptions): HealthCheck =>
  (signal) =>
    new ResultAsync(
      (async () => {
        for (const dir of [options.root, path.join(options.root, TEMP_DIR)]) {
          try {
            await access(dir, constants.W_OK);
          } catch (error) {
            const where = dir === options.root ? '' : ` (its ${TEMP_DIR} directory)`;
            return err(
              PluginErrors.invalidInput(
                `fs sink: the root directory "${options.rootLabel}"${where} is not writable by this user (${errnoCode(error) ?? 'unknown error'})`,
                'root',
              ),
            );
          }
        }
        const probe = `_probe/absent-${randomBytes(8).toString('hex')}`;
        const head = await sink.head(probe, signal);
        if (head.isErr()) return err(head.error);
        return ok({
          checked: [
            `root "${options.rootLabel}" writable`,
            `head of a missing key answered ${head.value === null ? '"not found"' : 'with an object'}`,
          ],
        });
      })(),
    );
