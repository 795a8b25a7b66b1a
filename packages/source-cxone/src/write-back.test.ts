import type { StoredObject } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { resolveDetails } from './details.js';
import { businessDataValues, resolveWriteBack } from './write-back.js';

const object = (artifact: string, sha: string): StoredObject => ({
  artifact,
  sink: 'sinks[0]',
  key: `t/2026/10/01/7001/${artifact}.cxar`,
  physicalKey: `p/t/2026/10/01/7001/${artifact}.cxar`,
  size: 10,
  sha256: sha.repeat(64),
  checksum: { algorithm: 'sha256', value: sha.repeat(64) },
});

describe('write-back values', () => {
  it('fills {contactId}, {objectKey}, {sha256} and {objects} from the archived objects, and keeps numbers and booleans', () => {
    const objects = [
      object('contact.json', 'a'),
      object('recording.mp4', 'b'),
      { ...object('contact.json', 'a'), sink: 'sinks[1]' },
    ];
    expect(
      businessDataValues(
        {
          status: 'ARCHIVED',
          ref: '{objectKey}#{sha256}',
          what: '{contactId}: {objects} objects',
          n: 3,
          ok: true,
        },
        '7001',
        objects,
      ),
    ).toEqual({
      status: 'ARCHIVED',
      ref: `t/2026/10/01/7001/contact.json.cxar#${'a'.repeat(64)}`,
      what: '7001: 2 objects',
      n: 3,
      ok: true,
    });
  });

  it('refuses an unknown template variable, no fields, and a number that is not finite, naming the option', () => {
    expect(
      resolveWriteBack({ writeBack: { businessData: { fields: { a: '{bucket}' } } } })._unsafeUnwrapErr(),
    ).toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringMatching(/writeBack\.businessData\.fields\.a: unknown variable \{bucket\}/),
    });
    expect(
      resolveWriteBack({ writeBack: { businessData: { fields: {} } } })._unsafeUnwrapErr().message,
    ).toMatch(/lists no field/);
    expect(
      resolveWriteBack({
        writeBack: { businessData: { fields: { a: Number.POSITIVE_INFINITY } } },
      })._unsafeUnwrapErr().message,
    ).toMatch(/not a finite number/);
    expect(resolveWriteBack({})._unsafeUnwrap()).toEqual({});
  });

  it('refuses an unknown detail kind', () => {
    expect(resolveDetails({ details: ['tags' as never] })._unsafeUnwrapErr().message).toMatch(
      /unknown detail "tags"/,
    );
    expect([...resolveDetails({ details: ['disposition'] })._unsafeUnwrap()]).toEqual(['disposition']);
  });
});
