import { describe, expect, it } from 'vitest';
import { buildDataset, type Dataset, type SimContact } from './dataset.js';
import { indexDataset } from './dataset-index.js';

describe('indexDataset', () => {
  it('orders by lastUpdateTime, then numerically by contactId on ties', () => {
    const base = buildDataset({ seed: 1, contacts: 1 }).contacts[0] as SimContact;
    const contact = (contactId: string, lastUpdateTime: string): SimContact => ({
      ...base,
      contactId,
      masterContactId: contactId,
      lastUpdateTime,
    });
    const dataset: Dataset = {
      contacts: [
        contact('99', '2026-10-02T00:00:00.000Z'),
        contact('100', '2026-10-01T00:00:00.000Z'),
        contact('1000', '2026-10-01T00:00:00.000Z'),
        contact('101', '2026-10-01T00:00:00.000Z'),
      ],
      recordings: new Map(),
    };
    const index = indexDataset(dataset);
    expect(index.byLastUpdate.map((entry) => entry.contact.contactId)).toEqual(['100', '101', '1000', '99']);
    expect([...index.masterPosition.entries()]).toEqual([
      ['99', 0],
      ['100', 1],
      ['101', 2],
      ['1000', 3],
    ]);
  });

  it('lists the legs of each master', () => {
    const dataset = buildDataset({ seed: 3, contacts: 100 });
    const index = indexDataset(dataset);
    let legs = 0;
    for (const [master, list] of index.legsByMaster) {
      expect(list[0]?.contactId).toBe(master);
      for (const leg of list) expect(leg.masterContactId).toBe(master);
      legs += list.length;
    }
    expect(legs).toBe(100);
  });
});
