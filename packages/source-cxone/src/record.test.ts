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

const apiRecord = {
  contactId: 702100000123,
  masterContactId: '702100000123',
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
  tags: ['vip', 'billing'],
  someFieldFromAFutureVersion: 'x',
  contactStart: 'v21 spelling',
};

describe('mapContactRecord', () => {
  it('keeps the pinned fields, with ids as strings', () => {
    const record = mapContactRecord(apiRecord);
    expect(record.contactId).toBe('702100000123');
    expect(record.masterContactId).toBe('702100000123');
    expect(record.agentId).toBe(1234);
    expect(record.totalDurationSeconds).toBe(312.5);
    expect(record.tags).toEqual(['vip', 'billing']);
    expect(record.isOutbound).toBe(false);
    expect(record.primaryDispositionId).toBeNull();
  });

  it('drops fields outside the field map (other API versions, unknown additions)', () => {
    const record = mapContactRecord(apiRecord);
    expect(record).not.toHaveProperty('someFieldFromAFutureVersion');
    expect(record).not.toHaveProperty('contactStart');
    for (const key of Object.keys(record)) expect(CONTACT_FIELDS).toHaveProperty(key);
  });

  it('omits missing optional fields instead of inventing values', () => {
    const record = mapContactRecord({ contactId: '1', lastUpdateTime: '2026-10-01T00:00:00Z' });
    expect(record).toEqual({ contactId: '1', lastUpdateTime: '2026-10-01T00:00:00Z' });
  });

  it('converts numeric master ids and drops ids that are not ids', () => {
    expect(mapContactRecord({ contactId: 5, masterContactId: 7 })).toEqual({
      contactId: '5',
      masterContactId: '7',
    });
    expect(mapContactRecord({ contactId: { nested: 1 }, masterContactId: '' })).toEqual({});
    expect(mapContactRecord({ contactId: 1.5 })).toEqual({});
  });

  it('drops values that are not plain JSON', () => {
    const record = mapContactRecord({ contactId: '1', holdSeconds: Number.NaN, skillName: undefined });
    expect(record).toEqual({ contactId: '1' });
  });

  it('is idempotent (a stored ref re-mapped at fetch gives the same record)', () => {
    const once = mapContactRecord(apiRecord);
    expect(mapContactRecord(once)).toEqual(once);
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
