import { describe, expect, it } from 'vitest';
import { contactUrl, recordOfDetails } from './contact-details.js';

describe('contacts/{contactId}', () => {
  it('builds the URL of the pinned version', () => {
    expect(contactUrl('https://api-na1.niceincontact.com', 'v29.0', '702100000187')).toBe(
      'https://api-na1.niceincontact.com/incontactapi/services/v29.0/contacts/702100000187',
    );
  });

  it('reads the record nested under a key named contactId (the published spec)', () => {
    const record = { contactId: 7, contactStartDate: '2026-10-02T09:00:00Z' };
    expect(recordOfDetails({ businessUnitId: 1, lastPollTime: 'x', contactId: record })).toBe(record);
  });

  it('accepts a flat record, and finds none in a body without one', () => {
    const flat = { contactId: 7, contactStartDate: '2026-10-02T09:00:00Z' };
    expect(recordOfDetails(flat)).toBe(flat);
    expect(recordOfDetails({ businessUnitId: 1 })).toBeUndefined();
  });
});
