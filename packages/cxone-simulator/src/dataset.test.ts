import { describe, expect, it } from 'vitest';
import {
  BYTES_PER_SECOND,
  buildDataset,
  compareContactIds,
  type SimContact,
  WAV_HEADER_BYTES,
} from './dataset.js';

const WINDOW_START = Date.UTC(2026, 9, 1);
const WINDOW_END = Date.UTC(2026, 9, 15);

describe('buildDataset', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = buildDataset({ seed: 5, contacts: 50 });
    const b = buildDataset({ seed: 5, contacts: 50 });
    const c = buildDataset({ seed: 6, contacts: 50 });
    expect([...a.contacts]).toEqual([...b.contacts]);
    expect([...a.recordings]).toEqual([...b.recordings]);
    expect(JSON.stringify(a.contacts)).toBe(JSON.stringify(b.contacts));
    expect(a.contacts).not.toEqual(c.contacts);
    expect([...a.recordings.values()].map((r) => r.id)).not.toEqual(
      [...c.recordings.values()].map((r) => r.id),
    );
  });

  it('generates exactly the requested number of legs, ordered by numeric contactId', () => {
    for (const contacts of [0, 1, 2, 37]) {
      const dataset = buildDataset({ seed: 9, contacts });
      expect(dataset.contacts).toHaveLength(contacts);
      const ids = dataset.contacts.map((contact) => contact.contactId);
      expect(new Set(ids).size).toBe(contacts);
      expect([...ids].sort(compareContactIds)).toEqual(ids);
      for (const id of ids) expect(id).toMatch(/^\d{12}$/);
    }
  });

  it('keeps the documented time rules', () => {
    const { contacts } = buildDataset({ seed: 3, contacts: 500 });
    for (const contact of contacts) {
      const start = Date.parse(contact.contactStartDate);
      expect(start).toBeGreaterThanOrEqual(WINDOW_START);
      expect(start).toBeLessThan(WINDOW_END);
      const lag = Date.parse(contact.lastUpdateTime) - start - contact.totalDurationSeconds * 1000;
      expect(lag).toBeGreaterThanOrEqual(15 * 60_000);
      expect(lag).toBeLessThanOrEqual(40 * 60_000);
      expect(contact.holdSeconds).toBeLessThanOrEqual(contact.agentSeconds);
    }
  });

  it('groups transfer legs under the first leg, which starts first', () => {
    const { contacts } = buildDataset({ seed: 3, contacts: 500 });
    const byId = new Map(contacts.map((contact) => [contact.contactId, contact]));
    const secondLegs = contacts.filter((contact) => contact.contactId !== contact.masterContactId);
    expect(secondLegs.length).toBeGreaterThan(0);
    for (const leg of secondLegs) {
      const master = byId.get(leg.masterContactId);
      expect(master?.masterContactId).toBe(master?.contactId);
      expect(Date.parse(leg.contactStartDate)).toBeGreaterThan(Date.parse(master?.contactStartDate ?? ''));
      expect(leg.mediaTypeId).toBe(master?.mediaTypeId);
      expect(master?.endReason).toBe('Transferred');
    }
  });

  it('produces roughly the documented shares of media, transfers and missing recordings', () => {
    const { contacts, recordings } = buildDataset({ seed: 11, contacts: 6000 });
    const masters = contacts.filter((contact) => contact.contactId === contact.masterContactId);
    const voiceMasters = masters.filter((contact) => contact.mediaTypeId === 4);
    const transferred = contacts.length - masters.length; // a transferred master has exactly two legs
    expect(voiceMasters.length / masters.length).toBeGreaterThan(0.75);
    expect(voiceMasters.length / masters.length).toBeLessThan(0.85);
    expect(transferred / masters.length).toBeGreaterThan(0.15);
    expect(transferred / masters.length).toBeLessThan(0.25);
    const withoutRecording = voiceMasters.filter((master) => !recordings.has(master.contactId)).length;
    expect(withoutRecording / voiceMasters.length).toBeGreaterThan(0.06);
    expect(withoutRecording / voiceMasters.length).toBeLessThan(0.14);
    expect(new Set(masters.filter((m) => m.mediaTypeId !== 4).map((m) => m.mediaTypeName))).toEqual(
      new Set(['Chat', 'Email']),
    );
    for (const master of masters.filter((m) => m.mediaTypeId !== 4))
      expect(recordings.has(master.contactId)).toBe(false);
  });

  it('sizes recordings as seconds × 8000 + 44 within the bounds', () => {
    const { recordings } = buildDataset({ seed: 2, contacts: 200, recordingSeconds: [10, 20] });
    expect(recordings.size).toBeGreaterThan(0);
    for (const [masterContactId, recording] of recordings) {
      expect(recording.masterContactId).toBe(masterContactId);
      expect(recording.contentType).toBe('audio/wav');
      const seconds = (recording.size - WAV_HEADER_BYTES) / BYTES_PER_SECOND;
      expect(Number.isInteger(seconds)).toBe(true);
      expect(seconds).toBeGreaterThanOrEqual(10);
      expect(seconds).toBeLessThanOrEqual(20);
      expect(Date.parse(recording.endTime) - Date.parse(recording.startTime)).toBe(seconds * 1000);
    }
  });

  it('rejects bad options', () => {
    expect(() => buildDataset({ seed: -1, contacts: 1 })).toThrow(/seed/);
    expect(() => buildDataset({ seed: 1, contacts: 1.5 })).toThrow(/contacts/);
    expect(() => buildDataset({ seed: 1, contacts: 1, recordingSeconds: [20, 10] })).toThrow(
      /recordingSeconds/,
    );
  });

  it('starts every data set with a recorded call', () => {
    for (const seed of [1, 2, 3, 23, 99]) {
      const dataset = buildDataset({ seed, contacts: 1 });
      const first = dataset.contacts[0] as SimContact;
      expect(first.mediaTypeId).toBe(4);
      expect(dataset.recordings.get(first.contactId)?.masterContactId).toBe(first.contactId);
    }
  });

  it('gives tags as objects and transfer indicators from the published enum', () => {
    const { contacts } = buildDataset({ seed: 3, contacts: 500 });
    const tagged = contacts.filter((contact) => contact.tags.length > 0);
    expect(tagged.length).toBeGreaterThan(0);
    for (const contact of tagged) {
      for (const tag of contact.tags)
        expect(tag).toEqual({ tagId: expect.any(Number), tagName: expect.any(String) });
    }
    const names = new Set(contacts.map((contact) => contact.transferIndicatorName));
    expect(names).toEqual(new Set(['None', 'ReAgent']));
    for (const contact of contacts) {
      expect(contact.transferIndicatorName === 'ReAgent').toBe(contact.endReason === 'Transferred');
    }
  });
});

describe('random access', () => {
  const dataset = buildDataset({ seed: 8, contacts: 401, recordingSeconds: [1, 900] });
  const all = [...dataset.contacts];

  it('looks every contact, master, leg list and recording up by id, as a full scan finds them', () => {
    const masters = all.filter((contact) => contact.contactId === contact.masterContactId);
    all.forEach((contact, position) => {
      expect(dataset.contactAt(position)).toEqual(contact);
      expect(dataset.indexOf(contact.contactId)).toBe(position);
      const legs = all.filter((leg) => leg.masterContactId === contact.masterContactId);
      if (contact.contactId === contact.masterContactId)
        expect(dataset.legsOf(contact.contactId)).toEqual(legs);
      else expect(dataset.legsOf(contact.contactId)).toBeUndefined();
    });
    masters.forEach((master, position) => {
      expect(dataset.masterPositionOf(master.contactId)).toBe(position);
    });
    for (const recording of dataset.recordings.values()) {
      expect(dataset.recordingById(recording.id)).toEqual(recording);
    }
    expect(dataset.recordings.size).toBe([...dataset.recordings.keys()].length);
  });

  it('finds nothing for ids that are not in the data set', () => {
    const first = all[0] as SimContact;
    expect(dataset.indexOf(String(Number(first.contactId) - 1))).toBeUndefined();
    expect(dataset.indexOf(`0${first.contactId}`)).toBeUndefined();
    expect(dataset.indexOf('abc')).toBeUndefined();
    expect(dataset.indexOf(String(Number((all.at(-1) as SimContact).contactId) + 8))).toBeUndefined();
    const [recording] = dataset.recordings.values();
    const id = recording?.id as string;
    const tampered = `${id.slice(0, 2)}${id[2] === '0' ? '1' : '0'}${id.slice(3)}`;
    expect(dataset.recordingById(tampered)).toBeUndefined();
    expect(dataset.recordingById(`${id.slice(0, 24)}ffffffffffff`)).toBeUndefined();
    expect(() => dataset.contactAt(401)).toThrow(RangeError);
  });

  it('bounds the positions of a start time: no leg outside the bounds matches', () => {
    for (const contact of all.filter((_, position) => position % 7 === 0)) {
      const startMs = Date.parse(contact.contactStartDate);
      const from = dataset.firstIndexStartingFrom(startMs);
      const to = dataset.endIndexStartingBefore(startMs + 1);
      all.forEach((other, position) => {
        const otherStart = Date.parse(other.contactStartDate);
        if (position < from) expect(otherStart).toBeLessThan(startMs);
        if (position >= to) expect(otherStart).toBeGreaterThan(startMs);
      });
      const lag = Date.parse(contact.lastUpdateTime) - startMs;
      expect(lag).toBeLessThanOrEqual(dataset.maxUpdateLagMs);
    }
  });

  it('is a read-only view', () => {
    expect(() => {
      (dataset.contacts as SimContact[])[0] = all[1] as SimContact;
    }).toThrow(TypeError);
    expect(Object.keys(dataset.contacts)).toHaveLength(401);
  });

  it('builds a million contacts without generating them, reading any one on demand', () => {
    const before = process.memoryUsage().heapUsed;
    const big = buildDataset({ seed: 1, contacts: 1_000_000 });
    const last = big.contactAt(999_999);
    expect(big.contacts).toHaveLength(1_000_000);
    expect(big.indexOf(last.contactId)).toBe(999_999);
    expect(Date.parse(last.contactStartDate)).toBeLessThan(WINDOW_END);
    // Far below what a million materialised records would take (well over a gigabyte).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});
