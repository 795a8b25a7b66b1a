import { describe, expect, it } from 'vitest';
import {
  CONTACT_FIELDS,
  contactIdOf,
  dateMs,
  isMasterLeg,
  isVoiceContact,
  mapContactRecord,
  masterContactIdOf,
} from './record.js';
import { fieldMapFor } from './versions.js';

const v33 = fieldMapFor('v33.0');
const v21 = fieldMapFor('v21.0');

const apiRecord = {
  contactId: 702100000123,
  masterContactId: 702100000123,
  contactStartDate: '2026-10-02T09:15:00.000Z',
  lastUpdateTime: '2026-10-02T09:45:12.000Z',
  agentId: 1234,
  firstName: 'Ada',
  mediaTypeId: 4,
  mediaTypeName: 'Call',
  fromAddress: '+15551230000',
  isOutbound: false,
  abandoned: false,
  totalDurationSeconds: 312.5,
  primaryDispositionId: null,
  tags: [{ contactId: 702100000123, tagId: 6001, tagName: 'vip' }],
  someFieldFromAFutureVersion: { nested: [1, 'x'] },
};

describe('mapContactRecord', () => {
  it('archives every field with its JSON type (tags stay objects), the record ids as the numbers sent', () => {
    const record = mapContactRecord(apiRecord, v33);
    expect(record).toEqual(apiRecord);
    expect(record.contactId).toBe(702100000123);
    expect(record.masterContactId).toBe(702100000123);
    expect(contactIdOf(record)).toBe('702100000123');
    expect(Object.keys(record)).toEqual(Object.keys(apiRecord));
    expect(record.agentId).toBe(1234);
    expect(record.tags).toEqual([{ contactId: 702100000123, tagId: 6001, tagName: 'vip' }]);
    expect(record.primaryDispositionId).toBeNull();
  });

  it('carries unknown fields through unchanged, whatever the version', () => {
    for (const map of [v33, v21, fieldMapFor('v29.0')]) {
      const record = mapContactRecord({ contactId: 1, divisionNo: 7, brandNew: [true] }, map);
      expect(record).toEqual({ contactId: 1, divisionNo: 7, brandNew: [true] });
    }
  });

  it('archives record ids as sent, number or string, and reads either as the decimal id', () => {
    const record = mapContactRecord({ contactId: '5', masterContactId: 7 }, v33);
    expect(record).toEqual({ contactId: '5', masterContactId: 7 });
    expect(contactIdOf(record)).toBe('5');
    expect(masterContactIdOf(record)).toBe('7');
    const odd = mapContactRecord({ contactId: { nested: 1 }, masterContactId: 1.5 }, v33);
    expect(odd).toEqual({ contactId: { nested: 1 }, masterContactId: 1.5 });
    expect(contactIdOf(odd)).toBeUndefined();
  });

  it('drops values that are not plain JSON', () => {
    const record = mapContactRecord({ contactId: '1', holdSeconds: Number.NaN, skillName: undefined }, v33);
    expect(record).toEqual({ contactId: '1' });
  });

  it('renames the pre-v33 names of v21.0 to the archive names, tags included', () => {
    const record = mapContactRecord(
      {
        contactId: 11,
        contactStart: '2026-10-02T09:15:00.000Z',
        fromAddr: '+15551230000',
        toAddr: '8005550100',
        mediaType: 4,
        confSeconds: 0,
        ACWSeconds: 12,
        mediaTypeName: 'Call',
        tags: [{ Contact_Id: 11, TagId: 6001, TagName: 'vip' }],
      },
      v21,
    );
    expect(record).toEqual({
      contactId: 11,
      contactStartDate: '2026-10-02T09:15:00.000Z',
      fromAddress: '+15551230000',
      toAddress: '8005550100',
      mediaTypeId: 4,
      conferenceSeconds: 0,
      acwSeconds: 12,
      mediaTypeName: 'Call',
      tags: [{ contactId: 11, tagId: 6001, tagName: 'vip' }],
    });
    expect(isVoiceContact(record)).toBe(true);
    expect(dateMs(record, 'contactStartDate')).toBe(Date.parse('2026-10-02T09:15:00.000Z'));
  });

  it('never overwrites: a record carrying both spellings keeps both values', () => {
    const record = mapContactRecord({ contactStart: 'old', contactStartDate: 'new', tags: ['vip'] }, v21);
    expect(record).toEqual({ contactStart: 'old', contactStartDate: 'new', tags: ['vip'] });
  });

  it('does not rename under v33.0: a pre-v33 name there is an unknown field, kept as it is', () => {
    const record = mapContactRecord({ contactId: 1, contactStart: 'x', tags: [{ TagId: 1 }] }, v33);
    expect(record).toEqual({ contactId: 1, contactStart: 'x', tags: [{ TagId: 1 }] });
  });

  it('is idempotent (a record mapped again at fetch gives the same record)', () => {
    const once = mapContactRecord(apiRecord, v21);
    expect(mapContactRecord(once, v21)).toEqual(once);
    expect(Object.keys(CONTACT_FIELDS)).toContain('contactStartDate');
  });
});

describe('leg and media classification', () => {
  it('identifies the master leg and transfer legs', () => {
    expect(isMasterLeg({ contactId: '10', masterContactId: '10' })).toBe(true);
    expect(isMasterLeg({ contactId: 10, masterContactId: '10' })).toBe(true);
    expect(isMasterLeg({ contactId: '11', masterContactId: '10' })).toBe(false);
    expect(isMasterLeg({ contactId: '12' })).toBe(true);
    expect(isMasterLeg({})).toBe(false);
    expect(masterContactIdOf({ contactId: '12' })).toBe('12');
    expect(contactIdOf({ contactId: 99 })).toBe('99');
  });

  it('treats mediaTypeName Call or mediaTypeId 4 as voice', () => {
    expect(isVoiceContact({ mediaTypeName: 'Call' })).toBe(true);
    expect(isVoiceContact({ mediaTypeId: 4 })).toBe(true);
    expect(isVoiceContact({ mediaTypeId: '4' })).toBe(true);
    expect(isVoiceContact({ mediaTypeId: 3, mediaTypeName: 'Chat' })).toBe(false);
    expect(isVoiceContact({ mediaTypeName: 'Email' })).toBe(false);
  });

  it('reads date fields', () => {
    expect(dateMs({ contactStartDate: '2026-10-01T00:00:01Z' }, 'contactStartDate')).toBe(
      Date.UTC(2026, 9, 1, 0, 0, 1),
    );
    expect(dateMs({ contactStartDate: 'yesterday' }, 'contactStartDate')).toBeUndefined();
    expect(dateMs({}, 'contactStartDate')).toBeUndefined();
  });
});
