import { describe, expect, it } from 'vitest';
import { ContactJsonCache } from './contact-json-cache.js';
import { buildDataset, type SimContact } from './dataset.js';
import { type NameSet, PRE_V33_NAMES, renderContact } from './versions.js';

/** The record as a version sends it, built the plain way: field by field from Object.entries. */
function reference(contact: SimContact, names: NameSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const contactId = Number(contact.contactId);
  for (const [field, value] of Object.entries(contact)) {
    const name = names === 'pre-v33' ? (PRE_V33_NAMES[field] ?? field) : field;
    if (field === 'contactId' || field === 'masterContactId') out[name] = Number(value);
    else if (field === 'tags')
      out[name] = contact.tags.map((tag) =>
        names === 'v33'
          ? { contactId, tagId: tag.tagId, tagName: tag.tagName }
          : { Contact_Id: contactId, TagId: tag.tagId, TagName: tag.tagName },
      );
    else out[name] = value;
  }
  return out;
}

const dataset = buildDataset({ seed: 11, contacts: 3_000 });

describe('renderContact', () => {
  it('renders every record as the field-by-field reference does, in both name sets, keys in order', () => {
    let tagged = 0;
    for (let position = 0; position < dataset.size; position++) {
      const contact = dataset.contactAt(position);
      if (contact.tags.length > 0) tagged++;
      for (const names of ['v33', 'pre-v33'] as const) {
        expect(JSON.stringify(renderContact(contact, names))).toBe(JSON.stringify(reference(contact, names)));
      }
    }
    expect(tagged).toBeGreaterThan(100);
  });
});

describe('ContactJsonCache', () => {
  it('serves the JSON of renderContact, per name set, and serves a repeat from the cache', () => {
    const cache = new ContactJsonCache(dataset);
    for (const position of [0, 1, 2, 999, 2_999]) {
      for (const names of ['v33', 'pre-v33'] as const) {
        const expected = JSON.stringify(renderContact(dataset.contactAt(position), names));
        expect(cache.json(position, names).toString('utf8')).toBe(expected);
      }
    }
    expect(cache.stats).toMatchObject({ entries: 10, hits: 0, misses: 10 });
    const again = cache.json(999, 'pre-v33');
    expect(again.toString('utf8')).toContain('"contactStart":');
    expect(cache.stats).toMatchObject({ hits: 1, misses: 10 });
  });

  it('stays within its bound over the whole data set and keeps the most recent contacts', () => {
    const record = cache1().json(0, 'v33').length;
    const bound = record * 100;
    const cache = new ContactJsonCache(dataset, bound);
    for (let position = 0; position < dataset.size; position++) {
      cache.json(position, 'v33');
      expect(cache.stats.bytes).toBeLessThanOrEqual(bound);
    }
    const { entries, misses } = cache.stats;
    expect(entries).toBeGreaterThan(40);
    expect(entries).toBeLessThan(130);
    // The last contacts read are still there; the first ones are gone.
    cache.json(dataset.size - 1, 'v33');
    cache.json(dataset.size - 20, 'v33');
    expect(cache.stats.misses).toBe(misses);
    cache.json(0, 'v33');
    expect(cache.stats.misses).toBe(misses + 1);
  });

  it('moves a contact read again from the old generation to the young one', () => {
    const record = cache1().json(0, 'v33').length;
    const cache = new ContactJsonCache(dataset, record * 2 * 10); // generations of about 10
    for (let position = 0; position < 15; position++) cache.json(position, 'v33'); // 0..9 old
    cache.json(3, 'v33'); // a hit in the old generation, moved to the young one
    // Ten more: the young generation (10–14 and 3) fills and becomes the old one; 0–9 are dropped.
    for (let position = 15; position < 25; position++) cache.json(position, 'v33');
    const { misses } = cache.stats;
    cache.json(3, 'v33');
    expect(cache.stats.misses).toBe(misses);
    cache.json(4, 'v33');
    expect(cache.stats.misses).toBe(misses + 1);
  });
});

function cache1(): ContactJsonCache {
  return new ContactJsonCache(dataset);
}
