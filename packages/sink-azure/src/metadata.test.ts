import { describe, expect, it } from 'vitest';
import { fromAzureMetadata, toAzureMetadata } from './metadata.js';

describe('metadata names', () => {
  it('maps "-" to "_" (C# identifiers) and back', () => {
    const stored = toAzureMetadata({ 'cxarchive-key-id': 'kek-1', cxitem: 'c-1' }, 'k')._unsafeUnwrap();
    expect(stored).toEqual({ cxarchive_key_id: 'kek-1', cxitem: 'c-1' });
    expect(fromAzureMetadata(stored)).toEqual({ 'cxarchive-key-id': 'kek-1', cxitem: 'c-1' });
  });

  it('refuses names that would not come back the same, naming the key', () => {
    for (const name of ['has_underscore', 'Upper', '1digit', 'dot.ted', '']) {
      const error = toAzureMetadata({ [name]: 'v' }, 't/a.cxar')._unsafeUnwrapErr();
      expect(error._tag).toBe('InvalidInput');
      expect(error.message).toContain('t/a.cxar');
    }
  });

  it('refuses values an HTTP header would not carry unchanged', () => {
    for (const value of ['caf\u00e9', 'line\nbreak', ' padded'])
      expect(toAzureMetadata({ name: value }, 'k')._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('reads names in any case (HTTP headers lose case)', () => {
    expect(fromAzureMetadata({ CXARCHIVE_KEY_ID: 'x' })).toEqual({ 'cxarchive-key-id': 'x' });
    expect(fromAzureMetadata(undefined)).toEqual({});
  });
});
