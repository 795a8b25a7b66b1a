import type { LeaseHolder, Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import { processHost } from '../process-identity.js';

export interface HeldLease {
  readonly holder: LeaseHolder;
  /** Who held it before, when it was taken over from a run that stopped renewing it. */
  readonly tookOverFrom?: LeaseHolder;
  /** Stops the heartbeat and releases the lease. */
  release(): Promise<void>;
}

export class LeaseHeldError extends Error {
  readonly holder: LeaseHolder;
  constructor(tenant: string, holder: LeaseHolder) {
    super(
      `another run (${holder.runId}, pid ${holder.pid} on ${holder.host}, since ${holder.since}) is archiving tenant ${tenant}; wait for it to finish, or if it is gone for good run \`cxarchive unlock\` (its lease expires by itself at ${holder.expiresAt})`,
    );
    this.name = 'LeaseHeldError';
    this.holder = holder;
  }
}

/**
 * Takes the tenant's lease and keeps it alive with a heartbeat every third of its length. A run
 * that dies (anywhere) stops renewing; another run takes over once it expired. When a renewal
 * finds the lease taken over (this process stalled past its expiry), `onLost` is called: the run
 * must stop, since another one now owns the tenant.
 */
export const acquireLease = async (
  ledger: Ledger,
  tenant: string,
  runId: string,
  leaseMs: number,
  now: () => Date,
  logger: Logger,
  onLost: (reason: string) => void,
): Promise<HeldLease> => {
  const at = now();
  const holder: LeaseHolder = {
    runId,
    pid: process.pid,
    host: processHost(),
    since: at.toISOString(),
    expiresAt: new Date(at.getTime() + leaseMs).toISOString(),
  };
  const result = await ledger.acquireLease(tenant, holder, at);
  if (!result.ok) throw new LeaseHeldError(tenant, result.holder);
  if (result.tookOverFrom)
    logger.warn('took over the tenant from a run that stopped renewing its lease (marked abandoned)', {
      runId: result.tookOverFrom.runId,
      pid: result.tookOverFrom.pid,
      host: result.tookOverFrom.host,
      expiredAt: result.tookOverFrom.expiresAt,
    });
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = ledger
        .renewLease(tenant, runId, new Date(now().getTime() + leaseMs))
        .then((held) => {
          if (!held)
            onLost('another run took over the tenant after this run failed to renew its lease in time');
        })
        .catch((error: unknown) => {
          logger.warn('could not renew the run lease', {
            reason: error instanceof Error ? error.message : String(error),
          });
        });
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    holder,
    ...(result.tookOverFrom ? { tookOverFrom: result.tookOverFrom } : {}),
    async release() {
      clearInterval(timer);
      await renewing;
      await ledger.releaseLease(tenant, runId);
    },
  };
};
