import { describe, expect, it } from 'vitest';
import { makeRef, readRef } from './item-ref.js';

const record = {
  contactId: '702100000187',
  masterContactId: '702100000180',
  contactStartDate: '2026-10-02T09:00:00Z',
  lastUpdateTime: '2026-10-02T09:40:00Z',
  firstName: 'Ada',
  lastName: 'Lovelace',
  fromAddress: '+15550000000',
  toAddress: 'someone@example.com',
  dispositionNotes: 'called about her invoice',
};

describe('makeRef', () => {
  it('keeps ids and cursors, nothing of the record’s content', () => {
    const ref = makeRef(record, 'v29.0');
    expect(ref).toEqual({
      id: '702100000187',
      data: {
        contactId: '702100000187',
        masterContactId: '702100000180',
        lastUpdateTime: '2026-10-02T09:40:00Z',
        apiVersion: 'v29.0',
      },
    });
    const text = JSON.stringify(ref);
    for (const value of ['Ada', 'Lovelace', '+15550000000', 'someone@example.com', 'invoice']) {
      expect(text).not.toContain(value);
    }
  });
});

describe('readRef', () => {
  it('reads back what makeRef wrote, through JSON', () => {
    const ref = JSON.parse(JSON.stringify(makeRef(record, 'v29.0')));
    expect(readRef(ref)._unsafeUnwrap()).toEqual({
      contactId: '702100000187',
      masterContactId: '702100000180',
      lastUpdateTime: '2026-10-02T09:40:00Z',
      apiVersion: 'v29.0',
    });
  });

  it('reads a first-version ref ({ record }) by its id, ignoring the record inside', () => {
    expect(
      readRef({ id: '5', data: { record: { contactId: '5', firstName: 'x' } } })._unsafeUnwrap(),
    ).toEqual({
      contactId: '5',
    });
  });

  it('drops an API version that is not vNN.0 and refuses a ref without a contact id', () => {
    expect(readRef({ id: '5', data: { contactId: '5', apiVersion: '../x' } })._unsafeUnwrap()).toEqual({
      contactId: '5',
    });
    expect(readRef({ id: '5', data: {} })._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput' });
  });
});
