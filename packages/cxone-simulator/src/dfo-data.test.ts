import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildDataset } from './dataset.js';
import {
  acdContactIdOf,
  dfoContactAt,
  dfoContactByNumber,
  dfoContactByThread,
  dfoContactNumberOf,
  listDfoContacts,
} from './dfo-data.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const live = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe('the digital data set', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = listDfoContacts(buildDataset({ seed: 7, contacts: 300 }), 50);
    const b = listDfoContacts(buildDataset({ seed: 7, contacts: 300 }), 50);
    const c = listDfoContacts(buildDataset({ seed: 8, contacts: 300 }), 50);
    expect(a.map((x) => [x.contactNumber, x.status, x.channel.id, x.thread.idOnExternalPlatform])).toEqual(
      b.map((x) => [x.contactNumber, x.status, x.channel.id, x.thread.idOnExternalPlatform]),
    );
    expect(a.map((x) => x.acd.contactId)).not.toEqual(c.map((x) => x.acd.contactId));
  });

  it('maps each way between case, thread and ACD master, and finds nothing for guesses', () => {
    const dataset = buildDataset({ seed: 7, contacts: 300 });
    for (const contact of listDfoContacts(dataset, 100)) {
      expect(dfoContactByNumber(dataset, contact.contactNumber)?.acd.contactId).toBe(contact.acd.contactId);
      expect(dfoContactByThread(dataset, contact.thread.idOnExternalPlatform)?.contactNumber).toBe(
        contact.contactNumber,
      );
      expect(acdContactIdOf(dataset, contact.contactNumber)).toBe(contact.acd.contactId);
      const forged = contact.thread.idOnExternalPlatform.replace(/[0-9a-f]$/, (d) => (d === '0' ? '1' : '0'));
      expect(dfoContactByThread(dataset, forged)).toBeUndefined();
    }
    expect(dfoContactByNumber(dataset, '12')).toBeUndefined();
    expect(dfoContactByNumber(dataset, 'x4100000')).toBeUndefined();
  });

  it('stays flat in memory over 100k contacts: nothing is kept per case', () => {
    const dataset = buildDataset({ seed: 11, contacts: 100_000 });
    const before = live();
    let digital = 0;
    let closed = 0;
    let lastNumber = '';
    let lastAcd = '';
    for (let position = 0; position < dataset.size; position++) {
      const contact = dfoContactAt(dataset, position);
      if (contact === undefined) continue;
      digital++;
      if (contact.status === 'closed') closed++;
      lastNumber = contact.contactNumber;
      lastAcd = contact.acd.contactId;
    }
    expect(digital).toBeGreaterThan(10_000);
    expect(closed / digital).toBeGreaterThan(0.5);
    expect(dfoContactNumberOf(dataset, lastAcd)).toBe(lastNumber);
    expect(live() - before).toBeLessThan(8 * 1024 * 1024);
  });
});
