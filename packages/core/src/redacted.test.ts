import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Redacted, SecretScrubber } from './redacted.js';

describe('Redacted', () => {
  const secret = Redacted.make('s3cr3t-canary');

  it('prints as [redacted] however it is printed', () => {
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ nested: { secret } }, { depth: 10 })).not.toContain('canary');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('reveals the value only through Redacted.value', () => {
    expect(Redacted.value(secret)).toBe('s3cr3t-canary');
    expect(Redacted.is(secret)).toBe(true);
    expect(Redacted.is({})).toBe(false);
    expect(() => Redacted.value({} as Redacted<string>)).toThrow(/not a Redacted/);
  });
});

describe('SecretScrubber', () => {
  it('replaces known secrets, also URL-encoded, longest first', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('pa ss/word');
    scrubber.add(Redacted.make('pa ss/word-longer'));
    expect(scrubber.scrub('a pa ss/word-longer b pa ss/word c pa%20ss%2Fword')).toBe(
      'a [redacted] b [redacted] c [redacted]',
    );
  });

  it('scrubs deep values and ignores short values that would shred text', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('abc');
    scrubber.add('token-123456');
    expect(scrubber.scrubValue({ a: ['x token-123456 y'], b: { c: 'abc' }, n: 3 })).toEqual({
      a: ['x [redacted] y'],
      b: { c: 'abc' },
      n: 3,
    });
  });
});
