import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  configureDfo,
  DEMO_CREDENTIALS,
  type DfoContact,
  listDfoContacts,
  type RunningSimulator,
  startSimulator,
} from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { simulatorClient } from '../test-support/simulator-client.js';
import type { CxoneClient } from './client.js';
import { createDfoApi, type DfoApi, type OutboundMessage, resolveDfoBase } from './dfo.js';
import type { CxoneFamily } from './families.js';

const START = Date.parse('2026-10-20T12:00:00Z');
let simMs = START;
let clientMs = START;
let sim: RunningSimulator;
let contacts: DfoContact[];
const signal = new AbortController().signal;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, contacts: 200, now: () => new Date(simMs) });
  contacts = listDfoContacts(sim.dataset, 1000);
});
afterAll(() => sim.stop());
beforeEach(() => {
  simMs = START;
  clientMs = START;
});

const clients: CxoneClient[] = [];
afterAll(() => {
  for (const c of clients) c.close();
});

const connect = (
  credentials: Partial<Record<keyof typeof DEMO_CREDENTIALS, string>> = {},
  dfoBaseUrl: string | null = sim.url,
  fetchImpl?: typeof fetch,
) => {
  const creds = { ...DEMO_CREDENTIALS, ...credentials };
  const taken: CxoneFamily[] = [];
  const client = simulatorClient(sim, {
    credentials: creds,
    requestTimeoutMs: 120_000,
    now: () => new Date(clientMs),
    budget: async (family) => {
      taken.push(family);
    },
    ...(fetchImpl === undefined ? {} : { fetchImpl }),
  }).client;
  clients.push(client);
  const dfo = createDfoApi(client, dfoBaseUrl === null ? {} : { dfoBaseUrl });
  return { client, dfo, taken };
};

const native = () => contacts.find((c) => c.channel.id.startsWith('chat_')) as DfoContact;
const custom = () => contacts.find((c) => c.channel.kind === 'custom') as DfoContact;

const replyTo = (contact: DfoContact, attachments: OutboundMessage['attachments'] = []): OutboundMessage => ({
  thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
  messageContent: { type: 'TEXT', payload: { text: 'Your document' } },
  recipients: [
    { idOnExternalPlatform: contact.endUser.idOnExternalPlatform, isPrimary: true, isPrivate: false },
  ],
  attachments,
});

const uploadBytes = (dfo: DfoApi, bytes: Buffer, mimeType = 'application/pdf') =>
  dfo.uploadTemporaryAttachment({ content: Readable.from([bytes]), mimeType, size: bytes.length }, signal);

describe('the DFO base', () => {
  it('takes a configured base with or without /dfo/3.0 and refuses plain http to a remote host', () => {
    expect(resolveDfoBase('https://api-de-na1.niceincontact.com')._unsafeUnwrap()).toBe(
      'https://api-de-na1.niceincontact.com/dfo/3.0',
    );
    expect(resolveDfoBase('http://127.0.0.1:9/dfo/3.0/')._unsafeUnwrap()).toBe('http://127.0.0.1:9/dfo/3.0');
    const remote = resolveDfoBase('http://api-de-na1.niceincontact.com');
    expect(remote._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(remote._unsafeUnwrapErr().message).toMatch(/dfoBaseUrl must be https/);
  });

  it('is derived from tenant discovery (area, domain) when none is configured', async () => {
    const { dfo } = connect({}, null);
    const base = await dfo.base(signal);
    expect(base._unsafeUnwrap()).toBe('https://api-de-na1.niceincontact.com/dfo/3.0');
  });
});

describe('attachments and messages against the simulator', () => {
  it('uploads as a stream, sends it on the thread, and reads it back from the contact', async () => {
    const { dfo, taken } = connect();
    const contact = native();
    const bytes = Buffer.from('%PDF-1.7\nsigned form\n');
    const file = (await uploadBytes(dfo, bytes))._unsafeUnwrap();
    expect(Date.parse(file.expireAt)).toBeGreaterThan(simMs);
    const download = await fetch(file.url);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    const sent = (
      await dfo.sendOutbound(
        contact.channel.id,
        replyTo(contact, [{ friendlyName: 'form.pdf', url: file.url, isInline: false }]),
        signal,
      )
    )._unsafeUnwrap();
    expect(sent.consumerContact?.id).toBe(contact.contactNumber);
    expect(sent.created).toBe(true);
    const listed = (await dfo.listContactMessages(contact.contactNumber, signal))._unsafeUnwrap();
    const found = listed.data.find((m) => m.id === sent.message.id);
    expect(found?.attachments).toEqual([{ friendlyName: 'form.pdf', url: file.url }]);
    expect(listed.hits).toBe(listed.data.length);
    expect(new Set(taken)).toEqual(new Set(['cxone-auth', 'dfo']));

    const note = (await dfo.addMessageNote(sent.message.id, 'archived: sha256:00ff', signal))._unsafeUnwrap();
    expect(note.content).toBe('archived: sha256:00ff');
  });

  it('creates a custom-channel message once, then reports its status', async () => {
    const { dfo } = connect();
    const contact = custom();
    const file = (await uploadBytes(dfo, Buffer.from('portal copy'), 'text/plain'))._unsafeUnwrap();
    const message = {
      idOnExternalPlatform: `cxarchive-${createHash('sha256').update(contact.contactNumber).digest('hex').slice(0, 12)}`,
      direction: 'outbound' as const,
      createdAtWithMilliseconds: new Date(simMs).toISOString(),
      thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
      messageContent: { type: 'TEXT' as const, payload: { text: 'copy' } },
      authorEndUserIdentity: { idOnExternalPlatform: 'cxarchive' },
      attachments: [{ friendlyName: 'copy.txt', url: file.url }],
    };
    const first = (await dfo.createChannelMessage(contact.channel.id, message, signal))._unsafeUnwrap();
    const again = (await dfo.createChannelMessage(contact.channel.id, message, signal))._unsafeUnwrap();
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.message.id).toBe(first.message.id);
    const status = await dfo.updateMessageStatus(
      contact.channel.id,
      message.idOnExternalPlatform,
      { status: 'delivered', updatedAt: new Date(simMs).toISOString() },
      signal,
    );
    expect(status.isOk()).toBe(true);
    const unknown = await dfo.updateMessageStatus(
      contact.channel.id,
      'never-sent',
      { status: 'seen', updatedAt: new Date(simMs).toISOString() },
      signal,
    );
    expect(unknown._unsafeUnwrapErr()).toMatchObject({ _tag: 'NotFound' });
  });

  it('re-uploads when the temporary attachment expired between upload and send', async () => {
    const { dfo } = connect();
    const contact = native();
    configureDfo(sim.url, { attachmentTtlSeconds: 300 });
    try {
      const old = (await uploadBytes(dfo, Buffer.from('late')))._unsafeUnwrap();
      simMs = Date.parse(old.expireAt);
      const refused = await dfo.sendOutbound(
        contact.channel.id,
        replyTo(contact, [{ friendlyName: 'late.pdf', url: old.url }]),
        signal,
      );
      const error = refused._unsafeUnwrapErr();
      expect(error._tag).toBe('InvalidInput');
      expect(error.message).toMatch(/HTTP 400 AttachmentExpired attachments\[0\]\.url/);
      expect(error.message).not.toMatch(/signature=|expires=/);
      const fresh = (await uploadBytes(dfo, Buffer.from('late')))._unsafeUnwrap();
      const sent = await dfo.sendOutbound(
        contact.channel.id,
        replyTo(contact, [{ friendlyName: 'late.pdf', url: fresh.url }]),
        signal,
      );
      expect(sent.isOk()).toBe(true);
    } finally {
      configureDfo(sim.url, { attachmentTtlSeconds: 3600 });
    }
  });

  it('decodes each refusal through the dfo family', async () => {
    const { dfo } = connect();
    const contact = native();
    const unknownChannel = await dfo.sendOutbound('chat_nope', replyTo(contact), signal);
    expect(unknownChannel._unsafeUnwrapErr()).toMatchObject({ _tag: 'NotFound' });
    expect(unknownChannel._unsafeUnwrapErr().message).toMatch(/HTTP 404 NotFound Channel not found/);
    const otherChannel = await dfo.sendOutbound(custom().channel.id, replyTo(contact), signal);
    expect(otherChannel._unsafeUnwrapErr().message).toMatch(/InvalidValue thread\.idOnExternalPlatform/);
    const forged = await dfo.sendOutbound(
      contact.channel.id,
      replyTo(contact, [{ friendlyName: 'x.pdf', url: 'https://files.example/x.pdf' }]),
      signal,
    );
    expect(forged._unsafeUnwrapErr().message).toMatch(/AttachmentNotFound/);
    const badMime = await dfo.uploadTemporaryAttachment(
      { content: Readable.from([Buffer.from('x')]), mimeType: 'pdf' },
      signal,
    );
    expect(badMime._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(badMime._unsafeUnwrapErr().message).toMatch(/InvalidValue mimeType/);
    const empty = await dfo.uploadTemporaryAttachment(
      { content: Readable.from([]), mimeType: 'application/pdf', size: 0 },
      signal,
    );
    expect(empty._unsafeUnwrapErr().message).toMatch(/content must not be empty/);
    const missing = await dfo.getContact('999', signal);
    expect(missing._unsafeUnwrapErr()).toMatchObject({ _tag: 'NotFound' });
  });

  it('refuses an attachment over the tenant cap as InvalidInput, and a size that lies', async () => {
    const { dfo } = connect();
    configureDfo(sim.url, { maxAttachmentBytes: 4096 });
    try {
      const big = await uploadBytes(dfo, Buffer.alloc(4097, 1));
      expect(big._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
      expect(big._unsafeUnwrapErr().message).toMatch(/HTTP 413 PayloadTooLarge content/);
    } finally {
      configureDfo(sim.url, { maxAttachmentBytes: 25 * 1024 * 1024 });
    }
    const lying = await dfo.uploadTemporaryAttachment(
      { content: Readable.from([Buffer.alloc(10, 1)]), mimeType: 'application/pdf', size: 20 },
      signal,
    );
    expect(lying._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(lying._unsafeUnwrapErr().message).toMatch(/content was 10 bytes, not the 20 given/);
    const longer = await dfo.uploadTemporaryAttachment(
      { content: Readable.from([Buffer.alloc(30, 1)]), mimeType: 'application/pdf', size: 20 },
      signal,
    );
    expect(longer._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(longer._unsafeUnwrapErr().message).toMatch(/content was more than the 20 bytes given/);
  });

  it('writes only defined custom fields and deletes them', async () => {
    const { dfo } = connect();
    const contact = contacts.find((c) => c.status === 'closed') as DfoContact;
    const definitions = (await dfo.listCustomFieldDefinitions(signal))._unsafeUnwrap();
    expect(definitions.map((d) => d.ident)).toContain('archival_status');
    const refused = await dfo.putCustomFields(
      contact.contactNumber,
      [{ ident: 'not_defined', value: 'x' }],
      signal,
    );
    expect(refused._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
    expect(refused._unsafeUnwrapErr().message).toMatch(/CustomFieldNotDefined \[0\]\.ident/);
    expect(
      (
        await dfo.putCustomFields(
          contact.contactNumber,
          [{ ident: 'archival_status', value: 'ARCHIVED' }],
          signal,
        )
      ).isOk(),
    ).toBe(true);
    const after = (await dfo.getContact(contact.contactNumber, signal))._unsafeUnwrap();
    expect(after.customFields).toContainEqual(
      expect.objectContaining({ ident: 'archival_status', value: 'ARCHIVED' }),
    );
    expect((await dfo.deleteCustomField(contact.contactNumber, 'archival_status', signal)).isOk()).toBe(true);
    expect(
      (await dfo.deleteCustomField(contact.contactNumber, 'archival_status', signal))._unsafeUnwrapErr(),
    ).toMatchObject({
      _tag: 'NotFound',
    });
  });
});

describe('an upload cut midway', () => {
  const SIZE = 8 * 1024 * 1024;
  const CHUNK = 64 * 1024;
  /** A source of SIZE bytes read slowly, counting what was read; `onChunk` runs before each chunk. */
  const slowSource = (onChunk: (n: number) => void = () => {}) => {
    const read = { chunks: 0 };
    const source = Readable.from(
      (async function* () {
        for (let sent = 0; sent < SIZE; sent += CHUNK) {
          read.chunks++;
          onChunk(read.chunks);
          yield Buffer.alloc(CHUNK, read.chunks);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })(),
    );
    return { source, read };
  };
  const uploadsStored = () =>
    sim.requests.filter((r) => r.path === '/dfo/3.0/attachments/temporary' && r.status === 201).length;

  it('is the abort (Transient) when the signal aborts mid-body, not a size that lied', async () => {
    const { dfo } = connect();
    const controller = new AbortController();
    const { source, read } = slowSource((n) => {
      if (n === 4) controller.abort();
    });
    const stored = uploadsStored();
    const result = await dfo.uploadTemporaryAttachment(
      { content: source, mimeType: 'application/pdf', size: SIZE },
      controller.signal,
    );
    const error = result._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(/aborted/);
    expect(error.message).not.toMatch(/given as its size/);
    expect(read.chunks * CHUNK).toBeLessThan(SIZE);
    expect(source.destroyed).toBe(true);
    expect(uploadsStored()).toBe(stored);
  });

  it("is the transport's error (Transient) when the connection is cut mid-body", async () => {
    const { dfo } = connect();
    // Authenticated first, so the cut falls on the upload itself.
    expect((await dfo.getContact(native().contactNumber, signal)).isOk()).toBe(true);
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'reset' });
    try {
      const { source, read } = slowSource();
      const stored = uploadsStored();
      const result = await dfo.uploadTemporaryAttachment(
        { content: source, mimeType: 'application/pdf', size: SIZE },
        signal,
      );
      const error = result._unsafeUnwrapErr();
      expect(error._tag).toBe('Transient');
      expect(error.message).not.toMatch(/given as its size/);
      expect(read.chunks * CHUNK).toBeLessThan(SIZE);
      expect(source.destroyed).toBe(true);
      expect(uploadsStored()).toBe(stored);
    } finally {
      sim.faults.clear();
    }
  });
});

describe('authentication', () => {
  it('fails Auth with wrong credentials, never naming the secret', async () => {
    const { dfo } = connect({ accessKeySecret: 'wrong-secret-value' });
    const result = await dfo.getContact(native().contactNumber, signal);
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'Auth' });
    expect(result._unsafeUnwrapErr().message).not.toContain('wrong-secret-value');
  });

  it('renews a token the DFO API refuses and sends a reopenable upload again; a one-shot stream is Transient', async () => {
    const { dfo } = connect();
    expect((await dfo.getContact(native().contactNumber, signal)).isOk()).toBe(true);
    // The simulator's clock runs two hours ahead: the cached token is expired there, not here.
    simMs = START + 2 * 3600_000;
    let opened = 0;
    const reopenable = await dfo.uploadTemporaryAttachment(
      {
        content: () => {
          opened++;
          return Readable.from([Buffer.from('again')]);
        },
        mimeType: 'text/plain',
        size: 5,
      },
      signal,
    );
    expect(reopenable.isOk()).toBe(true);
    expect(opened).toBe(2);
    const statuses = sim.requests
      .filter((r) => r.path === '/dfo/3.0/attachments/temporary')
      .map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([401, 201]);

    simMs = START + 4 * 3600_000;
    const once = await dfo.uploadTemporaryAttachment(
      { content: Readable.from([Buffer.from('once')]), mimeType: 'text/plain', size: 4 },
      signal,
    );
    expect(once._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient' });
    expect(once._unsafeUnwrapErr().message).toMatch(/send the request again/);
  });
});

describe('throttling', () => {
  it('decodes a DFO 429 as Throttled for the dfo family, with its Retry-After', async () => {
    // The simulator's budget answers a 429 through the router; this test puts one in the DFO shape
    // between the client and the simulator, so the decoding is shown whatever the router does.
    let dfoCalls = 0;
    const throttling = (async (input: string | URL | Request, init?: RequestInit) => {
      if (new URL(String(input)).pathname.startsWith('/dfo/3.0/') && ++dfoCalls === 2) {
        return new Response(
          JSON.stringify({
            errors: [{ message: 'Too Many Requests', errorCode: 'TooManyRequests' }],
            uid: 'u-1',
          }),
          { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '7' } },
        );
      }
      return fetch(input, init);
    }) as typeof fetch;
    const { dfo, taken } = connect({}, sim.url, throttling);
    const contact = native();
    expect((await dfo.getContact(contact.contactNumber, signal)).isOk()).toBe(true);
    const throttled = (await dfo.listContactMessages(contact.contactNumber, signal))._unsafeUnwrapErr();
    expect(throttled).toMatchObject({ _tag: 'Throttled', retryAfterMs: 7000, family: 'dfo' });
    expect(throttled.message).toMatch(/HTTP 429 TooManyRequests Too Many Requests/);
    expect((await dfo.listContactMessages(contact.contactNumber, signal)).isOk()).toBe(true);
    expect(taken.filter((family) => family === 'dfo')).toHaveLength(3);
  });
});
