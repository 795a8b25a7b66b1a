import { Readable } from 'node:stream';
import type { AttachmentTarget, PluginError } from '@cxarchive/core';
import {
  DEMO_CREDENTIALS,
  type DfoContact,
  demoToken,
  listDfoContacts,
  type RunningSimulator,
} from '@cxarchive/cxone-simulator';
import plugin from '../src/index.js';
import type { DfoSinkOptions } from '../src/schema.js';
import { createDfoSink, type DfoSink } from '../src/sink.js';

/** A clock both the sink and the simulator can share, moved by tests. */
export interface Clock {
  ms: number;
  readonly now: () => Date;
}

export const clockAt = (iso: string): Clock => {
  const clock = {
    ms: Date.parse(iso),
    now: () => new Date(clock.ms),
  };
  return clock;
};

/**
 * A sink on a running simulator, with a context whose budget hook refuses any family the plugin did
 * not declare (as the runtime does) and records the families taken.
 */
export const sinkOn = (
  sim: RunningSimulator,
  clock: Clock,
  options: Partial<DfoSinkOptions> = {},
): { readonly sink: DfoSink; readonly taken: string[] } => {
  const declared = new Set((plugin.budgets ?? []).map((b) => b.family));
  const taken: string[] = [];
  const created = createDfoSink(
    {
      issuer: sim.url,
      apiBaseUrl: sim.url,
      dfoBaseUrl: sim.url,
      ...DEMO_CREDENTIALS,
      ...options,
    },
    {
      now: clock.now,
      budget: (family) => {
        if (!declared.has(family)) throw new Error(`budget of an undeclared family: ${family}`);
        return {
          take: async () => {
            taken.push(family);
          },
        };
      },
    },
  );
  if (created.isErr()) throw new Error(created.error.message);
  return { sink: created.value, taken };
};

/** A body streamed in small chunks, as a file would be read. */
export const bodyOf = (bytes: Buffer, chunk = 7): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })(),
  );

export const targetFor = (
  contact: DfoContact,
  bytes: Buffer,
  overrides: Partial<AttachmentTarget> = {},
): AttachmentTarget => ({
  itemId: `item-${contact.contactNumber}`,
  contact: { contactNumber: contact.contactNumber, channelId: contact.channel.id },
  fileName: 'signed-form.pdf',
  mimeType: 'application/pdf',
  size: bytes.length,
  sha256: 'ab'.repeat(32),
  text: 'Your signed form',
  ...overrides,
});

export const nativeContact = (sim: RunningSimulator, skip = 0): DfoContact => {
  const found = listDfoContacts(sim.dataset, 1000).filter((c) => c.channel.kind === 'native');
  const contact = found[skip];
  if (contact === undefined) throw new Error('no native DFO contact in the data set');
  return contact;
};

export const customContact = (sim: RunningSimulator, skip = 0): DfoContact => {
  const found = listDfoContacts(sim.dataset, 1000).filter((c) => c.channel.kind === 'custom');
  const contact = found[skip];
  if (contact === undefined) throw new Error('no custom-channel DFO contact in the data set');
  return contact;
};

/** What a contact received, as `GET /dfo/3.0/contacts/{n}/messages` answers it (with the demo user's token). */
export const receivedBy = async (
  sim: RunningSimulator,
  contactNumber: string,
): Promise<
  { id: string; attachments?: { friendlyName: string; url: string }[]; messageContent?: unknown }[]
> => {
  const access_token = await demoToken(sim);
  const res = await fetch(`${sim.url}/dfo/3.0/contacts/${contactNumber}/messages`, {
    headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
  });
  if (res.status !== 200) throw new Error(`messages of ${contactNumber}: HTTP ${res.status}`);
  return ((await res.json()) as { data: never[] }).data;
};

/** Every message of every error seen, to check no secret or signed URL ever travels in one. */
export const seen: string[] = [];
export const remember = (error: PluginError): PluginError => {
  seen.push(error.message, JSON.stringify(error));
  return error;
};
