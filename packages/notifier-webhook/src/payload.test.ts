import type { PipelineEvent } from '@cxarchive/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchBody, singleBody, thinEvent } from './payload.js';
import { subscriptionMatcher } from './subscriptions.js';

const base = { runId: 'r1', tenant: 'acme', at: '2026-11-30T12:00:00.000Z' };

describe('thinEvent', () => {
  it('keeps the reason of a failure but cuts any URL in it to its origin', () => {
    const event: PipelineEvent = {
      type: 'item.failed',
      ...base,
      itemId: 'c1',
      errorTag: 'Transient',
      reason: 'GET https://media.example.com/r/1.mp4?sig=abc&exp=1 answered 500',
    };
    expect(thinEvent(event)).toEqual({
      type: 'item.failed',
      ...base,
      itemId: 'c1',
      errorTag: 'Transient',
      reason: 'GET https://media.example.com/… answered 500',
    });
  });

  it('keeps item.awaiting and item.skipped to ids and reasons', () => {
    expect(
      thinEvent({ type: 'item.awaiting', ...base, itemId: 'c2', reason: 'processing', retryAt: base.at }),
    ).toEqual({ type: 'item.awaiting', ...base, itemId: 'c2', reason: 'processing', retryAt: base.at });
    expect(
      thinEvent({ type: 'item.skipped', ...base, itemId: 'c3', reason: 'dropped by a transform' }),
    ).toEqual({
      type: 'item.skipped',
      ...base,
      itemId: 'c3',
      reason: 'dropped by a transform',
    });
  });

  it('of an attachment event, keeps the contact by its ids, the file by its digest and the destination ids; never its name, size or URL', () => {
    const contact = { channelId: 'chat_1', contactNumber: '4711', secretNote: 'x' };
    expect(
      thinEvent({
        type: 'attachment.sent',
        ...base,
        itemId: 'chat_1/contact-4711/forms/a.pdf',
        contact,
        fileName: 'passport-of-jane-doe.pdf',
        sha256: 'ab'.repeat(32),
        mimeType: 'application/pdf',
        size: 1234,
        attachmentId: 'att-1',
        messageId: 'msg-1',
        url: 'https://dfo.example.com/a?sig=1',
      }),
    ).toEqual({
      type: 'attachment.sent',
      ...base,
      itemId: 'chat_1/contact-4711/forms/a.pdf',
      contact: { channelId: 'chat_1', contactNumber: '4711' },
      sha256: 'ab'.repeat(32),
      mimeType: 'application/pdf',
      attachmentId: 'att-1',
      messageId: 'msg-1',
    });
    expect(
      thinEvent({
        type: 'attachment.refused',
        ...base,
        itemId: 'i',
        contact,
        fileName: 'x.pdf',
        errorTag: 'InvalidInput',
        reason: 'malware: Eicar-Signature',
      }),
    ).toEqual({
      type: 'attachment.refused',
      ...base,
      itemId: 'i',
      contact: { channelId: 'chat_1', contactNumber: '4711' },
      errorTag: 'InvalidInput',
      reason: 'malware: Eicar-Signature',
    });
  });

  it('of an unknown event, keeps ids, keys, checksums, statuses and counts found by name, nothing else', () => {
    const thin = thinEvent({
      type: 'attachment.uploaded',
      ...base,
      contactId: 4711,
      messageId: 'm-1',
      objectKey: 'acme/x.pdf',
      status: 'sent',
      counts: { sent: 2, refused: 1, label: 'x' },
      fileName: 'passport-of-jane-doe.pdf',
      url: 'https://dfo.example.com/a?sig=1',
      payload: { content: 'JVBER' },
      attemptsText: 'x',
    });
    expect(thin).toEqual({
      type: 'attachment.uploaded',
      ...base,
      contactId: 4711,
      messageId: 'm-1',
      objectKey: 'acme/x.pdf',
      status: 'sent',
      counts: { sent: 2, refused: 1 },
    });
  });
});

describe('bodies', () => {
  it('carry {type, timestamp, data}; a batch says its count', () => {
    expect(JSON.parse(singleBody('run.started', thinEvent({ type: 'run.started', ...base })))).toEqual({
      type: 'run.started',
      timestamp: base.at,
      data: base,
    });
    const events = [thinEvent({ type: 'item.skipped', ...base, itemId: 'a', reason: 'r' })];
    expect(JSON.parse(batchBody(events))).toEqual({
      type: 'batch',
      timestamp: base.at,
      data: { runId: 'r1', tenant: 'acme', count: 1, events },
    });
  });
});

describe('subscriptionMatcher', () => {
  it('matches exact types, families and *, and run.failed only by name', () => {
    const wants = subscriptionMatcher(['item.*', 'run.completed']);
    expect(wants('item.archived')).toBe(true);
    expect(wants('item.whatever-comes-next')).toBe(true);
    expect(wants('run.completed')).toBe(true);
    expect(wants('run.started')).toBe(false);
    expect(wants('itemx.archived')).toBe(false);
    const all = subscriptionMatcher(['*']);
    expect(all('attachment.uploaded')).toBe(true);
    expect(all('run.failed')).toBe(false);
    expect(subscriptionMatcher(['run.*'])('run.failed')).toBe(false);
    expect(subscriptionMatcher(['run.failed'])('run.failed')).toBe(true);
  });
});

describe('thinEvent, whatever an event holds', () => {
  const DANGEROUS = [
    'record',
    'content',
    'body',
    'url',
    'fileToPlayUrl',
    'transcript',
    'secret',
    'token',
    'headers',
  ];
  const TYPES = [
    'run.started',
    'run.completed',
    'item.archived',
    'item.failed',
    'item.awaiting',
    'attachment.sent',
  ];

  it('never copies a field outside its list, nor a URL in any field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        fc.constantFrom(...DANGEROUS),
        fc.string({ minLength: 8 }).map((s) => `CANARY${s}`),
        fc.webUrl({ withQueryParameters: true }),
        fc.constantFrom('itemId', 'reason', 'status', 'contactId', 'note', 'sha256'),
        (type, field, canary, url, urlField) => {
          const event = {
            type,
            ...base,
            itemId: 'c1',
            [field]: canary,
            nested: { [field]: canary },
            [urlField]: url,
          };
          const thin = JSON.stringify(thinEvent(event as never));
          expect(thin).not.toContain('CANARY');
          expect(thin).not.toContain(url);
        },
      ),
    );
  });
});
