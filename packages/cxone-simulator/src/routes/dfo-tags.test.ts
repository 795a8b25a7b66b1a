// Predefined digital tags: listed, carried by a custom channel's message (tagIds), added to a sent message.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import { type DfoContact, listDfoContacts } from '../dfo-data.js';
import { DFO_TAGS } from '../dfo-tags.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let contacts: DfoContact[];

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, contacts: 200 });
  token = await demoToken(sim);
  contacts = listDfoContacts(sim.dataset, 1000);
});
afterAll(() => sim.stop());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${sim.url}/dfo/3.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const upload = async () => {
  const res = await call('POST', '/attachments/temporary', {
    content: Buffer.from('tagged').toString('base64'),
    mimeType: 'text/plain',
  });
  return ((await res.json()) as { url: string }).url;
};

it('lists the tags as {hits, data}', async () => {
  const res = await call('GET', '/tags');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ hits: DFO_TAGS.length, data: DFO_TAGS });
  expect(sim.requestLog().at(-1)).toMatchObject({ route: 'dfo-tags', family: 'dfo', status: 200 });
});

it('keeps the tagIds of a custom-channel message, and refuses an unknown one with nothing created', async () => {
  const contact = contacts.find((c) => c.channel.kind === 'custom') as DfoContact;
  const message = (ext: string, tagIds: unknown) => ({
    idOnExternalPlatform: ext,
    direction: 'outbound',
    createdAtWithMilliseconds: '2026-10-20T12:00:00.000Z',
    thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
    messageContent: { type: 'TEXT', payload: { text: 'tagged' } },
    authorEndUserIdentity: { idOnExternalPlatform: 'cxarchive' },
    tagIds,
  });
  const path = `/channels/${contact.channel.id}/messages`;
  const created = await call('POST', path, message('tag-1', [102, 104, 102]));
  expect(created.status).toBe(201);
  const detail = ((await created.json()) as { message: { tags: { id: number; title: string }[] } }).message;
  expect(detail.tags.map((t) => t.title)).toEqual(['invoice', 'cxarchive']);
  const unknown = await call('POST', path, message('tag-2', [102, 999]));
  expect(unknown.status).toBe(400);
  const body = (await unknown.json()) as { errors: { field: string; errorCode: string }[] };
  expect(body.errors[0]).toMatchObject({ field: 'tagIds[1]', errorCode: 'TagNotFound' });
  const listed = (await (await call('GET', `/contacts/${contact.contactNumber}/messages`)).json()) as {
    data: { idOnExternalPlatform: string }[];
  };
  expect(listed.data.some((m) => m.idOnExternalPlatform === 'tag-2')).toBe(false);
});

it('adds a tag to a sent message once; an unknown message or tag is 404', async () => {
  const contact = contacts.find((c) => c.channel.kind === 'native') as DfoContact;
  const url = await upload();
  const sent = await call('POST', `/channels/${contact.channel.id}/outbound`, {
    thread: { idOnExternalPlatform: contact.thread.idOnExternalPlatform },
    messageContent: { type: 'TEXT', payload: { text: 'a file' } },
    recipients: [],
    attachments: [{ friendlyName: 'a.txt', url }],
  });
  const id = ((await sent.json()) as { message: { id: string } }).message.id;
  for (let i = 0; i < 2; i++) {
    const tagged = await call('PUT', `/messages/${id}/tags/101`);
    expect(tagged.status).toBe(200);
    expect(((await tagged.json()) as { tags: { id: number }[] }).tags).toEqual([
      { id: 101, color: '#2E8FCE', title: 'document' },
    ]);
  }
  expect((await call('PUT', `/messages/${id}/tags/999`)).status).toBe(404);
  expect((await call('PUT', '/messages/00000000-0000-4000-8000-000000000000/tags/101')).status).toBe(404);
  const listed = (await (await call('GET', `/contacts/${contact.contactNumber}/messages`)).json()) as {
    data: { id: string; tags: { id: number }[] }[];
  };
  expect(listed.data.find((m) => m.id === id)?.tags.map((t) => t.id)).toEqual([101]);
});
