import { objectKeyProblem } from '@cxarchive/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentId, encodeSegment, MAX_ITEM_ID_LENGTH, refusedRowId, unmatchedFileId } from './item-id.js';

describe('item ids', () => {
  it('reads as channel, contact or thread, and path', () => {
    expect(attachmentId({ channelId: 'chat_1', contactNumber: '1234', file: 'docs/form.pdf' })).toBe(
      'chat_1/contact-1234/docs/form.pdf',
    );
    expect(attachmentId({ channelId: 'chat_1', threadId: 'th 9/x', file: 'Формa 1.pdf' })).toBe(
      'chat_1/thread-th%209%2Fx/%D0%A4%D0%BE%D1%80%D0%BCa%201.pdf',
    );
    expect(unmatchedFileId('stray.pdf')).toBe('refused/file/stray.pdf');
    expect(refusedRowId(Buffer.from('a,b'))).toMatch(/^refused\/row\/[0-9a-f]{32}$/);
  });

  it('hashes an id that would be too long, and stays stable', () => {
    const long = { channelId: 'c', contactNumber: '1', file: `${'dir/'.repeat(60)}f.pdf` };
    const id = attachmentId(long);
    expect(id).toMatch(/^h\/[0-9a-f]{64}$/);
    expect(attachmentId({ ...long })).toBe(id);
    expect(attachmentId({ ...long, contactNumber: '2' })).not.toBe(id);
    expect(unmatchedFileId(long.file)).toMatch(/^refused\/file\/h-[0-9a-f]{64}$/);
  });

  it('is safe as an object key and never the same for two different attachments', () => {
    const text = fc.string({
      minLength: 1,
      maxLength: 12,
      unit: fc.constantFrom('a', '.', '%', '_', '-', 'é', ' ', '/', 'Z', '9'),
    });
    const key = fc.record({
      channelId: text,
      contact: fc.oneof(
        fc.record({ contactNumber: fc.stringMatching(/^[0-9]{1,6}$/) }),
        fc.record({ threadId: text }),
      ),
      file: fc
        .array(
          text.filter((s) => !s.includes('/') && s !== '.' && s !== '..'),
          { minLength: 1, maxLength: 3 },
        )
        .map((s) => s.join('/')),
    });
    fc.assert(
      fc.property(key, key, (a, b) => {
        const idA = attachmentId({ channelId: a.channelId, file: a.file, ...a.contact });
        const idB = attachmentId({ channelId: b.channelId, file: b.file, ...b.contact });
        expect(objectKeyProblem(idA.replaceAll('%', '_'))).toBeUndefined();
        expect(idA.length).toBeLessThanOrEqual(MAX_ITEM_ID_LENGTH);
        expect(idA).toMatch(/^[A-Za-z0-9._%/-]+$/);
        const same =
          a.channelId === b.channelId &&
          a.file === b.file &&
          JSON.stringify(a.contact) === JSON.stringify(b.contact);
        expect(idA === idB).toBe(same);
      }),
      { numRuns: 500 },
    );
    expect(encodeSegment('..')).toBe('%2E.');
    expect(encodeSegment('%')).toBe('%25');
  });
});
