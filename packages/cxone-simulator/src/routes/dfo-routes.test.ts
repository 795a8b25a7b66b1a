import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { configureDfo } from '../dfo-config.js';
import { type DfoContact, dfoContactNumberOf, listDfoContacts } from '../dfo-data.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let nowMs = Date.parse('2026-10-20T12:00:00Z');
let contacts: DfoContact[];

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, contacts: 200, now: () => new Date(nowMs) });
  token = await demoToken(sim);
  contacts = listDfoContacts(sim.dataset, 1000);
});
afterAll(() => sim.stop());

const native = () => contacts.find((c) => c.channel.id.startsWith('chat_')) as DfoContact;
const custom = () => contacts.find((c) => c.channel.kind === 'custom') as DfoContact;
const closed = () => contacts.find((c) => c.status === 'closed') as DfoContact;

const auth = () => ({ authorization: `Bearer ${token}`, accept: 'application/json' });
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}/dfo/3.0${path}`, {
    method,
    headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const errorsOf = async (res: Response) => {
  const body = (await res.json()) as {
    errors: { field?: string; message: string; errorCode?: string }[];
    uid?: string;
  };
  expect(Array.isArray(body.errors)).toBe(true);
  expect(typeof body.uid).toBe('string');
  return body.errors;
};

const upload = async (bytes: Buffer, mimeType = 'application/pdf') => {
  const res = await call('POST', '/attachments/temporary', { content: bytes.toString('base64'), mimeType });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; uId: string; url: string; expireAt: string };
};

const reply = (contact: DfoContact, attachments: unknown[] = [], text = 'Your document') => ({
  thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
  messageContent: { type: 'TEXT', payload: { text } },
  recipients: [
    { idOnExternalPlatform: contact.endUser.idOnExternalPlatform, isPrimary: true, isPrivate: false },
  ],
  attachments,
});

describe('the digital data set', () => {
  it('has native and custom channels, closed cases, and links each case to its ACD master contact', () => {
    expect(native()).toBeDefined();
    expect(custom()).toBeDefined();
    expect(closed()).toBeDefined();
    for (const contact of contacts) {
      expect(contact.acd.masterContactId).toBe(contact.acd.contactId);
      expect(['Chat', 'Email']).toContain(contact.acd.mediaTypeName);
      expect(dfoContactNumberOf(sim.dataset, contact.acd.contactId)).toBe(contact.contactNumber);
    }
    const voice = sim.dataset.contacts.find((c) => c.mediaTypeName === 'Call');
    expect(dfoContactNumberOf(sim.dataset, voice?.contactId ?? '')).toBeUndefined();
  });
});

describe('POST /dfo/3.0/attachments/temporary', () => {
  it('stores the decoded bytes behind a signed URL that serves them with the MIME type until it expires', async () => {
    const bytes = Buffer.from('%PDF-1.7 a small document\n\u00ff\u0000binary');
    const answer = await upload(bytes);
    expect(answer.uId).toBe(answer.id);
    expect(Date.parse(answer.expireAt)).toBe(Math.floor(nowMs / 1000) * 1000 + 3600_000);
    const file = await fetch(answer.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    const tampered = answer.url.replace(/expires=(\d+)/, (_, n: string) => `expires=${Number(n) + 1}`);
    expect((await fetch(tampered)).status).toBe(403);
    const saved = nowMs;
    nowMs = Date.parse(answer.expireAt);
    try {
      const gone = await fetch(answer.url);
      expect([403, 410]).toContain(gone.status);
    } finally {
      nowMs = saved;
    }
  });

  it('refuses bad bodies with the DFO error shape', async () => {
    const cases: [unknown, number, string, string?][] = [
      [{ mimeType: 'image/png' }, 400, 'content'],
      [{ content: 'aGVsbG8=' }, 400, 'mimeType'],
      [{ content: 'aGVsbG8=', mimeType: 'png' }, 400, 'mimeType'],
      [{ content: 'aGVs bG8=', mimeType: 'image/png' }, 400, 'content'],
      [{ content: 'aGVsbG8', mimeType: 'image/png' }, 400, 'content'],
      [{ content: 'aG-sbG8_', mimeType: 'image/png' }, 400, 'content'],
      [{ content: '', mimeType: 'image/png' }, 400, 'content'],
      [{ content: 12, mimeType: 'image/png' }, 400, 'content'],
      [{ content: { nested: true }, mimeType: 'image/png' }, 400, 'content'],
      ['{"content": "aGVsbG8=", "mimeType": "image/png"', 400, '', 'InvalidJson'],
      ['[1,2]', 400, '', 'InvalidJson'],
    ];
    for (const [body, status, field, code] of cases) {
      const res = await call('POST', '/attachments/temporary', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const [first] = await errorsOf(res);
      if (field !== '') expect(first?.field, JSON.stringify(body)).toBe(field);
      if (code !== undefined) expect(first?.errorCode).toBe(code);
    }
  });

  it('accepts escaped slashes in the base64 and other members, as JSON allows', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb]);
    const b64 = bytes.toString('base64').replace(/\//g, '\\/');
    const res = await call(
      'POST',
      '/attachments/temporary',
      `{"mimeType":"application/octet-stream","fileName":"x.bin","content":"${b64}","n":1}`,
    );
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('wants JSON, a bearer token and a body under the cap', async () => {
    const form = await call('POST', '/attachments/temporary', 'content=x', { 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    await errorsOf(form);
    const anonymous = await fetch(`${sim.url}/dfo/3.0/attachments/temporary`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'aGVsbG8=', mimeType: 'text/plain' }),
    });
    expect(anonymous.status).toBe(401);
    expect((await errorsOf(anonymous))[0]?.message).toMatch(/bearer/i);
    configureDfo(sim.url, { maxAttachmentBytes: 1000 });
    try {
      const big = await call('POST', '/attachments/temporary', {
        content: Buffer.alloc(1001, 7).toString('base64'),
        mimeType: 'application/octet-stream',
      });
      expect(big.status).toBe(413);
      expect((await errorsOf(big))[0]?.field).toBe('content');
      await upload(Buffer.alloc(1000, 7), 'application/octet-stream');
    } finally {
      configureDfo(sim.url, { maxAttachmentBytes: 25 * 1024 * 1024 });
    }
  });
});

describe('messages on a thread', () => {
  it('sends an outbound reply carrying an attachment, which the contact then shows', async () => {
    const contact = native();
    const file = await upload(Buffer.from('invoice'));
    const res = await call(
      'POST',
      `/channels/${contact.channel.id}/outbound`,
      reply(contact, [{ friendlyName: 'invoice.pdf', url: file.url, isInline: false }]),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { consumerContact: { id: string }; message: Record<string, unknown> };
    expect(body.consumerContact.id).toBe(contact.contactNumber);
    expect(body.message.direction).toBe('outbound');
    const listed = (await json(await call('GET', `/contacts/${contact.contactNumber}/messages`))) as {
      hits: number;
      data: { id: string; attachments: { friendlyName: string; url: string }[] }[];
    };
    expect(listed.hits).toBe(listed.data.length);
    const sent = listed.data.find((m) => m.id === body.message.id);
    expect(sent?.attachments).toEqual([{ friendlyName: 'invoice.pdf', url: file.url }]);
  });

  it('refuses an unknown channel, an unknown thread, a thread of another channel and bad content', async () => {
    const contact = native();
    expect((await call('POST', '/channels/chat_nope/outbound', reply(contact))).status).toBe(404);
    const unknownThread = { ...reply(contact), thread: { idOnExternalPlatform: 'th-4100001-0000000000' } };
    const r1 = await call('POST', `/channels/${contact.channel.id}/outbound`, unknownThread);
    expect(r1.status).toBe(404);
    expect((await errorsOf(r1))[0]?.errorCode).toBe('NotFound');
    const r2 = await call('POST', `/channels/${custom().channel.id}/outbound`, reply(contact));
    expect(r2.status).toBe(400);
    expect((await errorsOf(r2))[0]?.field).toBe('thread.idOnExternalPlatform');
    const r3 = await call('POST', `/channels/${contact.channel.id}/outbound`, {
      ...reply(contact),
      messageContent: { type: 'TXT', payload: {} },
    });
    expect((await errorsOf(r3))[0]?.field).toBe('messageContent.type');
    const r4 = await call('POST', `/channels/${contact.channel.id}/outbound`, {
      ...reply(contact),
      recipients: 'x',
    });
    expect((await errorsOf(r4))[0]?.field).toBe('recipients');
  });

  it('refuses an attachment URL that is unknown, forged, or expired between upload and send', async () => {
    const contact = native();
    const path = `/channels/${contact.channel.id}/outbound`;
    const fake = `${sim.url}/dfo-attachments/00000000-0000-4000-8000-000000000000?expires=9999999999&signature=${'0'.repeat(64)}`;
    for (const url of [fake, 'https://elsewhere.example/file.pdf']) {
      const res = await call('POST', path, reply(contact, [{ friendlyName: 'a.pdf', url }]));
      expect(res.status).toBe(400);
      const [error] = await errorsOf(res);
      expect(error).toMatchObject({ field: 'attachments[0].url', errorCode: 'AttachmentNotFound' });
    }
    configureDfo(sim.url, { attachmentTtlSeconds: 600 });
    const file = await upload(Buffer.from('late'));
    expect(Date.parse(file.expireAt) - Math.floor(nowMs / 1000) * 1000).toBe(600_000);
    const saved = nowMs;
    nowMs = Date.parse(file.expireAt) + 1;
    try {
      const res = await call('POST', path, reply(contact, [{ friendlyName: 'late.pdf', url: file.url }]));
      expect(res.status).toBe(400);
      expect((await errorsOf(res))[0]).toMatchObject({
        field: 'attachments[0].url',
        errorCode: 'AttachmentExpired',
      });
      const again = await upload(Buffer.from('late'));
      // The new upload swept the expired file away; its URL is still refused as expired, not unknown.
      const swept = await call('POST', path, reply(contact, [{ friendlyName: 'late.pdf', url: file.url }]));
      expect((await errorsOf(swept))[0]?.errorCode).toBe('AttachmentExpired');
      expect((await fetch(file.url)).status).toBe(410);
      expect(
        (await call('POST', path, reply(contact, [{ friendlyName: 'late.pdf', url: again.url }]))).status,
      ).toBe(200);
    } finally {
      nowMs = saved;
      configureDfo(sim.url, { attachmentTtlSeconds: 3600 });
    }
  });

  it('creates a custom-channel message once per idOnExternalPlatform and takes its status', async () => {
    const contact = custom();
    const file = await upload(Buffer.from('portal'));
    const message = {
      idOnExternalPlatform: `ext-${createHash('sha256').update('portal').digest('hex').slice(0, 16)}`,
      direction: 'outbound',
      createdAtWithMilliseconds: '2026-10-20T12:00:00.123Z',
      thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
      messageContent: { type: 'TEXT', payload: { text: 'Signed form' } },
      authorEndUserIdentity: { idOnExternalPlatform: 'cxarchive' },
      attachments: [{ friendlyName: 'form.pdf', url: file.url }],
    };
    const path = `/channels/${contact.channel.id}/messages`;
    const first = await call('POST', path, message);
    expect(first.status).toBe(201);
    const created = ((await first.json()) as { message: { id: string } }).message;
    const second = await call('POST', path, message);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { message: { id: string } }).message.id).toBe(created.id);
    const listed = (await json(await call('GET', `/contacts/${contact.contactNumber}/messages`))) as {
      data: { id: string }[];
    };
    expect(listed.data.filter((m) => m.id === created.id)).toHaveLength(1);

    const status = (body: unknown, ext = message.idOnExternalPlatform) =>
      call('PUT', `/channels/${contact.channel.id}/messages/${encodeURIComponent(ext)}/status`, body);
    expect((await status({ status: 'delivered', updatedAt: '2026-10-20T12:00:01Z' })).status).toBe(204);
    expect(
      (await errorsOf(await status({ status: 'read', updatedAt: '2026-10-20T12:00:01Z' })))[0]?.field,
    ).toBe('status');
    expect((await status({ status: 'seen', updatedAt: '2026-10-20T12:00:01Z' }, 'nope')).status).toBe(404);

    const onNative = await call('POST', `/channels/${native().channel.id}/messages`, message);
    expect(onNative.status).toBe(400);
    const noDate = await call('POST', path, {
      ...message,
      idOnExternalPlatform: 'x2',
      createdAtWithMilliseconds: 'yesterday',
    });
    expect((await errorsOf(noDate))[0]?.field).toBe('createdAtWithMilliseconds');
  });

  it('adds a note to a message, seeded or sent; an unknown message is 404', async () => {
    const contact = closed();
    const listed = (await json(await call('GET', `/contacts/${contact.contactNumber}/messages`))) as {
      data: { id: string }[];
    };
    const messageId = listed.data[0]?.id ?? '';
    const res = await call('POST', `/messages/${messageId}/notes`, { content: 'archived as sha256:abc' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ content: 'archived as sha256:abc', message: { id: messageId } });
    expect(
      (await call('POST', '/messages/0b0e0000-0000-4000-8000-000000000000/notes', { content: 'x' })).status,
    ).toBe(404);
    expect(
      (await errorsOf(await call('POST', `/messages/${messageId}/notes`, { content: '' })))[0]?.field,
    ).toBe('content');
  });
});

describe('contacts and custom fields', () => {
  it('answers a contact with its ACD contact id, status, channel and thread; an unknown number is 404', async () => {
    const contact = closed();
    const body = await json(await call('GET', `/contacts/${contact.contactNumber}`));
    expect(body).toMatchObject({
      id: contact.contactNumber,
      contactId: contact.acd.contactId,
      status: 'closed',
      channelId: contact.channel.id,
      threadId: contact.thread.id,
    });
    expect(body.customFields).toEqual([
      { ident: 'case_reference', value: `CASE-${contact.contactNumber}`, updatedAt: contact.createdAt },
    ]);
    const missing = await call('GET', '/contacts/999');
    expect(missing.status).toBe(404);
    await errorsOf(missing);
  });

  it('writes defined custom fields only, and deletes them', async () => {
    const contact = closed();
    for (const path of ['/contacts/custom-field-definitions', '/consumer-contact-custom-fields']) {
      const defs = (await (await call('GET', path)).json()) as { ident: string; label: string }[];
      expect(defs.map((d) => d.ident)).toEqual(['archival_status', 'archive_ref', 'case_reference']);
    }
    const path = `/contacts/${contact.contactNumber}/custom-fields`;
    const unknown = await call('PUT', path, [
      { ident: 'archival_status', value: 'ARCHIVED' },
      { ident: 'made_up', value: 'x' },
    ]);
    expect(unknown.status).toBe(400);
    expect((await errorsOf(unknown))[0]).toMatchObject({
      field: '[1].ident',
      errorCode: 'CustomFieldNotDefined',
    });
    const before = (await json(await call('GET', `/contacts/${contact.contactNumber}`)))
      .customFields as unknown[];
    expect(before).toHaveLength(1);
    expect((await call('PUT', path, [{ ident: 'archival_status', value: 'ARCHIVED' }])).status).toBe(204);
    const after = (await json(await call('GET', `/contacts/${contact.contactNumber}`))).customFields;
    expect(after).toContainEqual({
      ident: 'archival_status',
      value: 'ARCHIVED',
      updatedAt: new Date(nowMs).toISOString(),
    });
    expect((await call('PUT', path, { ident: 'archival_status' })).status).toBe(400);
    expect((await call('DELETE', `${path}/archival_status`)).status).toBe(204);
    expect((await call('DELETE', `${path}/archival_status`)).status).toBe(404);
    expect((await call('DELETE', `${path}/made_up`)).status).toBe(400);
    const last = (await json(await call('GET', `/contacts/${contact.contactNumber}`))).customFields;
    expect(last).toEqual(before);
  });
});

describe('budget and faults', () => {
  it('counts every DFO route against the dfo family and logs it by name', async () => {
    sim.clearRequestLog();
    await call('GET', `/contacts/${native().contactNumber}`);
    expect(sim.requestLog().at(-1)).toMatchObject({ route: 'dfo-contact', family: 'dfo', status: 200 });
    expect(sim.routes).toEqual(
      expect.arrayContaining(['dfo-attachment-upload', 'dfo-outbound', 'dfo-custom-fields']),
    );
  });
});
