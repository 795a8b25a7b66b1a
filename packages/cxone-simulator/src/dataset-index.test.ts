import { describe, expect, it } from 'vitest';
import { buildDataset, compareContactIds, type SimContact } from './dataset.js';
import { indexDataset } from './dataset-index.js';

describe('indexDataset', () => {
  const dataset = buildDataset({ seed: 3, contacts: 100 });
  const all = [...dataset.contacts];
  const index = indexDataset(dataset);

  it('orders by lastUpdateTime, then numerically by contactId on ties', () => {
    const expected = [...all].sort(
      (a, b) =>
        Date.parse(a.lastUpdateTime) - Date.parse(b.lastUpdateTime) ||
        compareContactIds(a.contactId, b.contactId),
    );
    expect(index.byLastUpdate.map((entry) => entry.contact)).toEqual(expected);
    for (const entry of index.byLastUpdate) expect(entry.ms).toBe(Date.parse(entry.contact.lastUpdateTime));
  });

  it("lists the legs of each master, and each master's position in contactId order", () => {
    let legs = 0;
    const masters = all.filter((contact) => contact.contactId === contact.masterContactId);
    expect([...index.masterPosition.entries()]).toEqual(
      masters.map((master, position) => [master.contactId, position]),
    );
    for (const [master, list] of index.legsByMaster) {
      expect(list[0]?.contactId).toBe(master);
      for (const leg of list) expect(leg.masterContactId).toBe(master);
      legs += list.length;
    }
    expect(legs).toBe(100);
    expect(index.legsByMaster.size).toBe(masters.length);
  });

  it('looks contacts up by id and recordings by recording id', () => {
    for (const contact of all) expect(index.byId.get(contact.contactId)).toEqual(contact);
    expect(index.byId.size).toBe(100);
    expect(index.byId.get('1')).toBeUndefined();
    const recordings = [...dataset.recordings.values()];
    expect(recordings.length).toBeGreaterThan(0);
    for (const recording of recordings) expect(index.recordingsById.get(recording.id)).toEqual(recording);
    expect([...index.recordingsById.keys()]).toEqual(recordings.map((recording) => recording.id));
    expect(index.byId.has((all[0] as SimContact).contactId)).toBe(true);
  });
});
