import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDataset } from './dataset.js';

describe('buildDataset memos', () => {
  it('reads the same contacts and recordings in any order of access as in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        (seed, contacts, picks) => {
          const inOrder = buildDataset({ seed, contacts });
          const expected = Array.from({ length: contacts }, (_, position) =>
            JSON.stringify(inOrder.contactAt(position)),
          );
          const shuffled = buildDataset({ seed, contacts });
          for (const pick of picks) {
            const position = pick % contacts;
            const contact = shuffled.contactAt(position);
            expect(JSON.stringify(contact)).toBe(expected[position]);
            expect(shuffled.indexOf(contact.contactId)).toBe(position);
            expect(JSON.stringify(shuffled.legsOf(contact.masterContactId))).toBe(
              JSON.stringify(inOrder.legsOf(contact.masterContactId)),
            );
            expect(JSON.stringify(shuffled.recordings.get(contact.masterContactId))).toBe(
              JSON.stringify(inOrder.recordings.get(contact.masterContactId)),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
