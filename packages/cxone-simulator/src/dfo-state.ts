import { mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimContext } from './context.js';

/**
 * What the digital API has been told since the simulator started: temporary attachments (their
 * bytes on disk, never in memory), messages sent or created on contacts, message notes, custom
 * field values written, message statuses. One state per running simulator, kept beside its context.
 */

export interface TemporaryAttachment {
  readonly id: string;
  readonly mimeType: string;
  readonly size: number;
  /** The file with the decoded bytes; '' once it expired and was deleted. */
  readonly path: string;
  readonly expiresMs: number;
}

export interface StoredMessage {
  readonly id: string;
  readonly contactNumber: string;
  readonly channelId: string;
  /** The MessageDetail as GET …/messages answers it. */
  readonly detail: Record<string, unknown>;
}

export interface DfoState {
  readonly dir: string;
  readonly attachments: Map<string, TemporaryAttachment>;
  /** Messages added to each contact, oldest first. */
  readonly messagesByContact: Map<string, StoredMessage[]>;
  readonly messagesById: Map<string, StoredMessage>;
  /** `${channelId}\n${idOnExternalPlatform}` → message id (custom channels). */
  readonly messagesByExternalId: Map<string, string>;
  /** Custom field values written per contact: ident → {value, updatedAt}; `null` = deleted. */
  readonly customFields: Map<string, Map<string, { value: string; updatedAt: string } | null>>;
  readonly notes: Map<string, Record<string, unknown>[]>;
  readonly statuses: Map<string, Record<string, unknown>>;
  /** Each contact's update bucket (dfo-contact-limit.ts): tokens left as of `atMs`. */
  readonly contactBuckets: Map<string, { tokens: number; atMs: number }>;
}

const states = new WeakMap<SimContext, DfoState>();
const directories = new Set<string>();
let exitHook = false;

/** Removes every attachment directory when the process ends (the simulator has no stop hook for us). */
const removeDirectories = (): void => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
};

export function dfoState(ctx: SimContext): DfoState {
  let state = states.get(ctx);
  if (state === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'cxone-sim-dfo-'));
    directories.add(dir);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', removeDirectories);
    }
    state = {
      dir,
      attachments: new Map(),
      messagesByContact: new Map(),
      messagesById: new Map(),
      messagesByExternalId: new Map(),
      customFields: new Map(),
      notes: new Map(),
      statuses: new Map(),
      contactBuckets: new Map(),
    };
    states.set(ctx, state);
  }
  return state;
}

/**
 * Deletes the files of attachments that have expired. Their ids stay known (without a file), so a
 * message that names one is refused as expired rather than unknown.
 */
export async function sweepExpired(state: DfoState, nowMs: number): Promise<void> {
  for (const attachment of state.attachments.values()) {
    if (attachment.expiresMs <= nowMs && attachment.path !== '') {
      state.attachments.set(attachment.id, { ...attachment, path: '' });
      await unlink(attachment.path).catch(() => {});
    }
  }
}

export function addMessage(state: DfoState, message: StoredMessage): void {
  const list = state.messagesByContact.get(message.contactNumber) ?? [];
  list.push(message);
  state.messagesByContact.set(message.contactNumber, list);
  state.messagesById.set(message.id, message);
}
