import { describe, expect, it } from 'vitest';
import { parseContext } from './context.js';

const parse = (text: string) => parseContext(Buffer.from(text, 'utf8'));
const VALID = '{"v":1,"tenant":"acme","objectKey":"acme/k.cxar","itemId":"c-1","artifact":"a.wav"}';

describe('context JSON schema', () => {
  it('accepts exactly the v1 members, in any order and spacing, contentType optional', () => {
    expect(parse(VALID)._unsafeUnwrap()).toEqual(JSON.parse(VALID));
    expect(
      parse(
        '{ "artifact":"a.wav", "itemId":"c-1","objectKey":"k","tenant":"t","v":1,"contentType":"x/y" }',
      ).isOk(),
    ).toBe(true);
  });

  it('refuses unknown and duplicate members, missing or empty required ones, and wrong types', () => {
    const cases: [string, string][] = [
      [VALID.replace('}', ',"keyId":"kek:1"}'), 'header context has an unknown member "keyId"'],
      [VALID.replace('}', ',"tenant":"other"}'), 'header context has the member "tenant" twice'],
      [
        VALID.replace('"itemId":"c-1",', '"itemId":"c-1","itemId":"c-1",'),
        'header context has the member "itemId" twice',
      ],
      [VALID.replace('"artifact":"a.wav"', '"artifact":""'), 'header context lacks a string "artifact"'],
      [VALID.replace(',"itemId":"c-1"', ''), 'header context lacks a string "itemId"'],
      [VALID.replace('"v":1', '"v":2'), 'header context has unsupported version 2'],
      [VALID.replace('"v":1', '"v":"1"'), 'header context has unsupported version 1'],
      [VALID.replace('}', ',"contentType":5}'), 'header context has a non-string "contentType"'],
      ['[1]', 'header context is not a JSON object'],
      ['', 'header context is not UTF-8 JSON'],
    ];
    for (const [text, message] of cases) expect(parse(text)._unsafeUnwrapErr().message, text).toBe(message);
  });

  it('a duplicate inside a string value or nested value is not a duplicate member', () => {
    expect(parse(VALID.replace('"c-1"', '"\\"tenant\\":"')).isOk()).toBe(true);
  });
});
