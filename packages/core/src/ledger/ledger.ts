import type { Checkpoint, ItemRef, StoredObject } from '../plugin/types.js';

export type ItemStatus = 'pending' | 'archived' | 'failed' | 'dropped';

/** An object one sink holds for an item, as the ledger records it: with the id of the key that protects it. */
export interface LedgerObject extends StoredObject {
  readonly keyId: string;
}

export interface LedgerItem {
  readonly itemId: string;
  readonly status: ItemStatus;
  readonly ref: ItemRef;
  readonly attempts: number;
  readonly lastError?: string;
  readonly objects: readonly LedgerObject[];
}

export interface LockHolder {
  readonly runId: string;
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** The record of truth: what is archived, what failed, where each source stands. */
export interface Ledger {
  getCheckpoint(tenant: string, source: string): Checkpoint | undefined;
  setCheckpoint(tenant: string, source: string, checkpoint: Checkpoint, at: Date): void;
  getItem(tenant: string, source: string, itemId: string): LedgerItem | undefined;
  /** Marks the item pending (unless archived) and counts the attempt. */
  beginItem(tenant: string, source: string, ref: ItemRef, runId: string, at: Date): LedgerItem;
  /** Records one object one sink holds, verified, as soon as it is stored. */
  recordObject(tenant: string, source: string, itemId: string, object: LedgerObject, at: Date): void;
  settleItem(
    tenant: string,
    source: string,
    itemId: string,
    status: Exclude<ItemStatus, 'pending'>,
    runId: string,
    at: Date,
    error?: string,
  ): void;
  /** Items left pending (interrupted) or failed by earlier runs, oldest first. */
  unsettled(tenant: string, source: string): LedgerItem[];
  counts(tenant: string, source: string): Record<ItemStatus, number>;
  /** Takes the tenant's run lock, or returns who holds it. A holder whose process is gone is replaced. */
  acquireLock(tenant: string, holder: LockHolder): { ok: true } | { ok: false; holder: LockHolder };
  releaseLock(tenant: string, runId: string): void;
  recordRun(runId: string, tenant: string, startedAt: Date): void;
  finishRun(runId: string, finishedAt: Date, status: string, report: unknown): void;
  close(): void;
}
