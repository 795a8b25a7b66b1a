import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PATH_PATTERN, parsePath } from './json-path.js';

const segmentsOf = (text: string) => parsePath(text)._unsafeUnwrap().segments;

describe('parsePath', () => {
  it('reads dotted keys, *, [*] and **', () => {
    expect(segmentsOf('fromAddress')).toEqual([{ kind: 'key', name: 'fromAddress' }]);
    expect(segmentsOf('customer.email')).toEqual([
      { kind: 'key', name: 'customer' },
      { kind: 'key', name: 'email' },
    ]);
    expect(segmentsOf('tags[*].tagName')).toEqual([
      { kind: 'key', name: 'tags' },
      { kind: 'anyIndex' },
      { kind: 'key', name: 'tagName' },
    ]);
    expect(segmentsOf('customFields.*')).toEqual([{ kind: 'key', name: 'customFields' }, { kind: 'anyKey' }]);
    expect(segmentsOf('**.email')).toEqual([{ kind: 'deep' }, { kind: 'key', name: 'email' }]);
    expect(segmentsOf('grid[*][*]')).toEqual([
      { kind: 'key', name: 'grid' },
      { kind: 'anyIndex' },
      { kind: 'anyIndex' },
    ]);
    expect(segmentsOf('*[*].a-b_c$@1')).toEqual([
      { kind: 'anyKey' },
      { kind: 'anyIndex' },
      { kind: 'key', name: 'a-b_c$@1' },
    ]);
  });

  it.each([
    ['', /empty/],
    ['a..b', /segment 2 is empty/],
    ['.a', /segment 1 is empty/],
    ['a.', /segment 2 is empty/],
    ['**', /must be followed by a key/],
    ['a.**', /must be followed by a key/],
    ['**.**.x', /cannot follow \*\*/],
    ['**[*].x', /without \[\*\]/],
    ['tags[0]', /only index is \[\*\]/],
    ['tags[*]x', /only index is \[\*\]/],
    ['[*].a', /must follow a key/],
    ['first name', /a key is letters/],
    ['a.*x', /a key is letters/],
    ['***.a', /a key is letters/],
    ['a."b"', /no other wildcard or quoting/],
  ])('refuses %j, saying why', (text, message) => {
    const parsed = parsePath(text);
    expect(parsed.isErr()).toBe(true);
    expect(parsed._unsafeUnwrapErr()).toMatch(message);
  });

  it('accepts exactly the strings the schema pattern accepts', () => {
    const pattern = new RegExp(PATH_PATTERN, 'u');
    const token = fc.constantFrom('a', 'b', '.', '*', '**', '[*]', '[', ']', '0', ' ', '-', '$');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), (tokens) => {
        const text = tokens.join('');
        expect(pattern.test(text), text).toBe(parsePath(text).isOk());
      }),
      { numRuns: 5000 },
    );
    for (const text of ['a', 'a.b', '**.a', 'a.**.b[*]', '*.*']) expect(pattern.test(text), text).toBe(true);
    for (const text of ['**', 'a.**', '**.**.a', '**[*].a', 'a[0]'])
      expect(pattern.test(text), text).toBe(false);
  });
});
