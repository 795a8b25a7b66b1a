import { createHmac } from 'node:crypto';
import type { JsonObject } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { HASH_PREFIX, maskText } from './actions.js';
import { compileRedactor } from './redactor.js';
import type { RedactRule } from './schema.js';

const KEY = `${'k'.repeat(16)}0123456789abcdef`;

/** A contacts/completed record as source-cxone archives it (v33.0 names; values from the simulator's catalog). */
const contact = (): JsonObject => ({
  contactId: 500_000_101,
  masterContactId: 500_000_101,
  contactStartDate: '2026-11-02T09:14:03.000Z',
  agentId: 3_100_104,
  firstName: 'Radia',
  lastName: 'Perlman',
  skillName: 'Inbound Support',
  campaignName: 'Support',
  mediaTypeName: 'Call',
  fromAddress: '+15550192834',
  toAddress: '8005550101',
  isOutbound: false,
  totalDurationSeconds: 312,
  dispositionNotes: '',
  refuseTime: null,
  tags: [
    { contactId: 500_000_101, tagId: 6_001, tagName: 'vip' },
    { contactId: 500_000_101, tagId: 6_002, tagName: 'complaint' },
  ],
});

const redactor = (rules: RedactRule[], key: string | undefined = KEY) =>
  compileRedactor(rules, key)._unsafeUnwrap();

const hmac = (text: string) => `${HASH_PREFIX}${createHmac('sha256', KEY).update(text).digest('hex')}`;

describe('mask', () => {
  it('replaces a value with the fixed mask, keeping the last characters asked for', () => {
    const out = redactor([{ action: 'mask', paths: ['fromAddress', 'toAddress'], keepLast: 4 }])(contact());
    expect(out._unsafeUnwrap()).toMatchObject({ fromAddress: '****2834', toAddress: '****0101' });
  });

  it('uses its own mask text, and keeps nothing by default', () => {
    const out = redactor([{ action: 'mask', paths: ['firstName', 'lastName'], mask: '[name]' }])(contact());
    expect(out._unsafeUnwrap()).toMatchObject({ firstName: '[name]', lastName: '[name]' });
  });

  it('never keeps more than half of a value, and hides its length', () => {
    expect(maskText('1234', '*', 4)).toBe('*34');
    expect(maskText('1', '*', 4)).toBe('*');
    expect(maskText('+15550192834', '#', 0)).toBe('#');
    expect(maskText('😀😀😀😀', '*', 1)).toBe('*😀');
  });

  it('masks numbers and booleans by their text, and leaves null alone', () => {
    const out = redactor([{ action: 'mask', paths: ['agentId', 'isOutbound', 'refuseTime'], keepLast: 2 }])(
      contact(),
    )._unsafeUnwrap();
    expect(out).toMatchObject({ agentId: '****04', isOutbound: '****se', refuseTime: null });
  });
});

describe('remove', () => {
  it('removes keys, and the elements of an array', () => {
    const out = redactor([{ action: 'remove', paths: ['firstName', 'lastName', 'tags[*]'] }])(
      contact(),
    )._unsafeUnwrap();
    expect(out).not.toHaveProperty('firstName');
    expect(out).not.toHaveProperty('lastName');
    expect(out.tags).toEqual([]);
    expect(out.skillName).toBe('Inbound Support');
  });

  it('removes a member of every array element', () => {
    const out = redactor([{ action: 'remove', paths: ['tags[*].tagName'] }])(contact())._unsafeUnwrap();
    expect(out.tags).toEqual([
      { contactId: 500_000_101, tagId: 6_001 },
      { contactId: 500_000_101, tagId: 6_002 },
    ]);
  });
});

describe('hash', () => {
  it('replaces a value with its HMAC-SHA256 under the key, prefixed', () => {
    const out = redactor([{ action: 'hash', paths: ['fromAddress'] }])(contact())._unsafeUnwrap();
    expect(out.fromAddress).toBe(hmac('+15550192834'));
    expect(out.fromAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('gives one token for one value in any field and any record, so joins still work', () => {
    const redact = redactor([{ action: 'hash', paths: ['fromAddress', 'toAddress', 'agentId'] }]);
    const inbound = redact(contact())._unsafeUnwrap();
    const outbound = redact({
      ...contact(),
      fromAddress: '8005550101',
      toAddress: '+15550192834',
    })._unsafeUnwrap();
    expect(outbound.toAddress).toBe(inbound.fromAddress);
    expect(outbound.fromAddress).toBe(inbound.toAddress);
    // A number hashes as its decimal text: the agent of a numeric and a string id joins.
    expect(redact({ ...contact(), agentId: '3100104' })._unsafeUnwrap().agentId).toBe(inbound.agentId);
  });

  it('gives other tokens under another key', () => {
    const a = redactor([{ action: 'hash', paths: ['fromAddress'] }])(contact())._unsafeUnwrap();
    const b = redactor([{ action: 'hash', paths: ['fromAddress'] }], `${KEY}x`)(contact())._unsafeUnwrap();
    expect(a.fromAddress).not.toBe(b.fromAddress);
  });

  it('refuses to start without a key long enough', () => {
    for (const key of [undefined, 'short']) {
      const compiled = compileRedactor([{ action: 'hash', paths: ['fromAddress'] }], key);
      expect(compiled._unsafeUnwrapErr()).toMatchObject({
        path: 'key',
        message: expect.stringMatching(/at least 32/),
      });
    }
    // Without a hash rule, no key is needed.
    expect(compileRedactor([{ action: 'remove', paths: ['fromAddress'] }], undefined).isOk()).toBe(true);
  });
});

describe('paths', () => {
  const nested = (): JsonObject => ({
    email: 'top@example.net',
    customer: { email: 'c@example.net', phones: ['+15550000001', '+15550000002'] },
    participants: [{ email: 'p1@example.net', name: 'Ada' }, { name: 'Grace' }],
    customFields: { account: 'A-1', plan: 'gold' },
  });

  it('* matches every key of an object, and only of an object', () => {
    const out = redactor([{ action: 'mask', paths: ['customFields.*', 'participants.*'] }])(
      nested(),
    )._unsafeUnwrap();
    expect(out.customFields).toEqual({ account: '****', plan: '****' });
    expect(out.participants).toEqual(nested().participants);
  });

  it('[*] matches every element of an array', () => {
    const out = redactor([
      { action: 'mask', paths: ['customer.phones[*]', 'participants[*].name'], keepLast: 2 },
    ])(nested())._unsafeUnwrap();
    expect(out.customer).toEqual({ email: 'c@example.net', phones: ['****01', '****02'] });
    expect(out.participants).toEqual([{ email: 'p1@example.net', name: '****a' }, { name: '****ce' }]);
  });

  it('** matches at any depth, the top level included, each place once', () => {
    const out = redactor([{ action: 'hash', paths: ['**.email'] }])(nested())._unsafeUnwrap();
    expect(out.email).toBe(hmac('top@example.net'));
    expect((out.customer as JsonObject).email).toBe(hmac('c@example.net'));
    expect((out.participants as JsonObject[])[0]?.email).toBe(hmac('p1@example.net'));
    // A place two routes of ** reach is hashed once, not hashed again.
    const twice = redactor([{ action: 'hash', paths: ['**.a.**.b'] }])({
      a: { a: { b: 'x' } },
    })._unsafeUnwrap();
    expect(twice).toEqual({ a: { a: { b: hmac('x') } } });
  });

  it('changes nothing where a path matches nothing', () => {
    const out = redactor([
      { action: 'remove', paths: ['customer.fax', 'nope[*].x', 'email.inner', '**.missing'] },
    ])(nested())._unsafeUnwrap();
    expect(out).toEqual(nested());
  });

  it('never changes the record it was given', () => {
    const input = contact();
    const before = structuredClone(input);
    redactor([
      { action: 'hash', paths: ['fromAddress'] },
      { action: 'remove', paths: ['tags[*]'] },
      { action: 'mask', paths: ['firstName'] },
    ])(input)._unsafeUnwrap();
    expect(input).toEqual(before);
  });

  it('applies rules in order, each to what the one before left', () => {
    const out = redactor([
      { action: 'hash', paths: ['fromAddress'] },
      { action: 'mask', paths: ['fromAddress'], keepLast: 4 },
    ])(contact())._unsafeUnwrap();
    expect(out.fromAddress).toBe(`****${hmac('+15550192834').slice(-4)}`);
  });

  it('fails a record where mask or hash meets an object or array, naming the place and not the value', () => {
    const result = redactor([{ action: 'mask', paths: ['**.phones'] }])(nested());
    expect(result._unsafeUnwrapErr()).toMatch(
      /rules\[0\] \(mask, path \*\*\.phones\) matched an array at customer\.phones/,
    );
    expect(result._unsafeUnwrapErr()).not.toMatch(/5550000001/);
    const tags = redactor([{ action: 'hash', paths: ['tags[*]'] }])(contact());
    expect(tags._unsafeUnwrapErr()).toMatch(/matched an object at tags\[0\]; .* use remove/);
  });

  it('refuses an invalid path when compiled, naming the rule and the path', () => {
    const compiled = compileRedactor(
      [
        { action: 'remove', paths: ['firstName'] },
        { action: 'mask', paths: ['ok', 'tags[0]'] },
      ],
      undefined,
    );
    expect(compiled._unsafeUnwrapErr()).toEqual({
      path: 'rules[1].paths[1]',
      message: expect.stringMatching(
        /^rules\[1\]\.paths\[1\] "tags\[0\]" is not a valid path: .*only index is \[\*\]/,
      ),
    });
  });
});
