import type { Ledger } from '../ledger/ledger.js';
import { assertJobState, type JobStore } from '../plugin/define-plugin.js';

/** Most jobs one `list` call gives. */
const MAX_PAGE = 1000;

/** A plugin's durable jobs in the tenant's ledger, under the plugin's label. */
export const ledgerJobStore = (ledger: Ledger, tenant: string, owner: string, now: () => Date): JobStore => ({
  get: (key) => ledger.getJob(tenant, owner, key),
  put: async (key, state) => {
    assertJobState(state);
    await ledger.putJob(tenant, owner, key, state, now());
  },
  delete: (key) => ledger.deleteJob(tenant, owner, key),
  list: (options = {}) =>
    ledger.jobsPage(
      tenant,
      owner,
      options.prefix === undefined ? {} : { prefix: options.prefix },
      options.after,
      Math.max(1, Math.min(MAX_PAGE, Math.floor(options.limit ?? 100))),
    ),
});
