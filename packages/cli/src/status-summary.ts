import type {
  FailedItem,
  ItemStatus,
  LeaseHolder,
  Ledger,
  LedgerRun,
  LoadedPipeline,
} from '@cxarchive/core/host';
import { type CheckpointView, viewCheckpoint } from './status-checkpoint.js';

/** The ledger's owner of the attach flow's jobs (packages/core/src/runtime/attach-item.ts). */
export const ATTACH_JOBS_OWNER = '#attach';
/** The states of an attachment job, in the order a job goes through them. */
export const ATTACHMENT_STATES = ['sending', 'sent', 'confirmed'] as const;

/** Everything `status` says but the failed items, which are streamed after it. */
export interface StatusSummary {
  readonly tenant: string;
  readonly pipelineFile: string;
  readonly ledger: string;
  readonly flow: 'archive' | 'attach';
  readonly source: string;
  readonly checkpoint: CheckpointView;
  readonly items: Record<ItemStatus, number>;
  readonly acknowledgements: { readonly pending: number; readonly refused: number };
  readonly lease: (LeaseHolder & { readonly expired: boolean }) | null;
  /** The attach flow's jobs by state (sending, sent, confirmed; any other state as found). */
  readonly attachments?: Record<string, number>;
  /** The latest runs, newest first. */
  readonly runs: readonly LedgerRun[];
}

export const summarizeLedger = async (
  loaded: LoadedPipeline,
  file: string,
  ledger: Ledger,
  runs: number,
  now: Date,
): Promise<StatusSummary> => {
  const { config } = loaded;
  const tenant = config.tenant;
  const source = config.source.use;
  const flow = config.flow === 'attach' ? 'attach' : 'archive';
  const holder = await ledger.leaseHolder(tenant);
  let attachments: Record<string, number> | undefined;
  if (flow === 'attach') {
    const counted = await ledger.jobStateCounts(tenant, ATTACH_JOBS_OWNER);
    attachments = Object.fromEntries(ATTACHMENT_STATES.map((s) => [s, counted[s] ?? 0]));
    for (const [state, n] of Object.entries(counted)) if (!(state in attachments)) attachments[state] = n;
  }
  return {
    tenant,
    pipelineFile: loaded.file,
    ledger: file,
    flow,
    source,
    checkpoint: viewCheckpoint(
      source,
      config.source.with as Record<string, unknown> | undefined,
      await ledger.getCheckpoint(tenant, source),
    ),
    items: await ledger.counts(tenant, source),
    acknowledgements: await ledger.ackCounts(tenant, source),
    lease: holder ? { ...holder, expired: Date.parse(holder.expiresAt) <= now.getTime() } : null,
    ...(attachments ? { attachments } : {}),
    runs: await ledger.recentRuns(tenant, runs),
  };
};

/** The failed items, page by page in id order (at most `limit` of them), never all held at once. */
export async function* failedItems(
  ledger: Ledger,
  tenant: string,
  source: string,
  limit: number,
): AsyncGenerator<FailedItem> {
  let after: string | undefined;
  let given = 0;
  while (given < limit) {
    const page = await ledger.failedPage(tenant, source, after, Math.min(500, limit - given));
    for (const item of page.items) {
      given++;
      yield item;
    }
    if (page.next === undefined) return;
    after = page.next;
  }
}
