import { describe, expect, it } from 'vitest';
import {
  DEFAULT_API_VERSION,
  fieldMapFor,
  PRE_V33_FIELDS,
  PRE_V33_TAG_FIELDS,
  VERIFIED_API_VERSIONS,
} from './versions.js';

describe('field maps per API version', () => {
  it('names v33.0 as the default, a verified version', () => {
    expect(DEFAULT_API_VERSION).toBe('v33.0');
    expect(VERIFIED_API_VERSIONS).toContain(DEFAULT_API_VERSION);
  });

  it('maps v33.0 as it comes', () => {
    const map = fieldMapFor('v33.0');
    expect(map.kind).toBe('v33');
    expect(map.fields.size).toBe(0);
    expect(map.tagFields.size).toBe(0);
  });

  it('maps v21.0 and v23.0 from the pre-v33 names the public sources show', () => {
    for (const version of ['v21.0', 'v23.0']) {
      const map = fieldMapFor(version);
      expect(map.kind).toBe('pre-v33');
      expect(Object.fromEntries(map.fields)).toEqual({
        contactStart: 'contactStartDate',
        fromAddr: 'fromAddress',
        toAddr: 'toAddress',
        mediaType: 'mediaTypeId',
        confSeconds: 'conferenceSeconds',
        ACWSeconds: 'acwSeconds',
      });
      expect(Object.fromEntries(map.tagFields)).toEqual({
        Contact_Id: 'contactId',
        TagId: 'tagId',
        TagName: 'tagName',
      });
    }
  });

  it('reads both spellings for a version no public source describes', () => {
    for (const version of ['v29.0', 'v26.0', 'v34.0']) {
      const map = fieldMapFor(version);
      expect(map.kind).toBe('unverified');
      expect(map.fields).toBe(PRE_V33_FIELDS);
    }
  });

  it('is one-to-one: no two API names share an archive name, none renames onto another API name', () => {
    for (const names of [PRE_V33_FIELDS, PRE_V33_TAG_FIELDS]) {
      const targets = [...names.values()];
      expect(new Set(targets).size).toBe(targets.length);
      for (const target of targets) expect(names.has(target)).toBe(false);
    }
  });
});
