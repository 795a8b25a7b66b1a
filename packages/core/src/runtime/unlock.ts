import { existsSync } from 'node:fs';
import type { LeaseHolder } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite-ledger.js';
import type { PreparedPipeline } from '../pipeline/prepare-pipeline.js';
import { ledgerPath } from './run-options.js';

/**
 * Removes the tenant's run lease whoever holds it, for an operator who knows the holder is gone
 * (`cxarchive unlock`). The run that held it is marked abandoned. Returns the holder removed.
 */
export const unlockTenant = async (
  prepared: Pick<PreparedPipeline, 'loaded'>,
  now: Date = new Date(),
): Promise<LeaseHolder | undefined> => {
  const file = ledgerPath(prepared);
  // A tenant that never ran has no ledger, and unlocking it must not make one.
  if (!existsSync(file)) return undefined;
  const ledger = openSqliteLedger(file);
  try {
    return await ledger.breakLease(prepared.loaded.config.tenant, now);
  } finally {
    await ledger.close();
  }
};
