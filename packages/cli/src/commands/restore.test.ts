import { describe, expect, it } from 'vitest';
import { recordNameFor } from './restore.js';

describe('recordNameFor', () => {
  it('takes the shipped source’s record name, the one asked for, or record', () => {
    expect(recordNameFor('cxone', undefined)).toBe('contact');
    expect(recordNameFor('@cxarchive/source-cxone', undefined)).toBe('contact');
    expect(recordNameFor('./my-source.js', undefined)).toBe('record');
    expect(recordNameFor('cxone', 'call')).toBe('call');
  });

  it('refuses a name that is not a plain file name', () => {
    for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(101)])
      expect(() => recordNameFor('cxone', bad)).toThrow('--record-name');
  });
});
