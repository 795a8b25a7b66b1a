import { randomBytes } from 'node:crypto';
import { err, type HealthCheck, ok, ResultAsync, type Sink } from '@cxarchive/core';

/**
 * The sink's health check (`cxarchive validate --connect`): a `head` of a key that does not
 * exist, with the configured credentials, must answer "not found": the store is reachable, the
 * bucket exists and the credentials may read it. Nothing is written.
 */
export const headCheck =
  (sink: Sink): HealthCheck =>
  (signal) =>
    new ResultAsync(
      (async () => {
        const probe = `_probe/absent-${randomBytes(8).toString('hex')}`;
        const head = await sink.head(probe, signal);
        if (head.isErr()) return err(head.error);
        return ok({
          checked: [
            `head of a missing key answered ${head.value === null ? '"not found"' : 'with an object'}`,
          ],
        });
      })(),
    );
