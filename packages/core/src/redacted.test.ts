import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Redacted, SecretScrubber, scrubThenTruncate } from './redacted.js';

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

  it('gives the same answer for a text seen before, also once a secret was added since', () => {
    const s = new SecretScrubber();
    const text = 'token=abcd-secret-1234 for tenant acme';
    expect(s.scrub(text)).toBe(text);
    expect(s.scrub(text)).toBe(text);
    s.add('abcd-secret-1234');
    // What was remembered before the secret was known is not given again.
    expect(s.scrub(text)).toBe('token=[redacted] for tenant acme');
    expect(s.scrub(text)).toBe('token=[redacted] for tenant acme');
    // Long texts are scrubbed every time (not remembered), with the same result.
    const long = `${'x'.repeat(300)} abcd-secret-1234`;
    expect(s.scrub(long)).toBe(`${'x'.repeat(300)} [redacted]`);
    // More distinct texts than it remembers: still right.
    for (let i = 0; i < 5000; i++) expect(s.scrub(`item ${i} abcd-secret-1234`)).toBe(`item ${i} [redacted]`);
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

describe('SecretScrubber: reflected secrets', () => {
  const SECRET = "Pa ss!w'o(r)d*~é/9";
  const scrubber = new SecretScrubber();
  scrubber.addBasicPair('client-7', SECRET);
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('finds the Basic pair as base64, and the secret in base64 with an id it does not know', () => {
    const pair = b64(`client-7:${SECRET}`);
    expect(scrubber.scrub(`{"echo":{"credentials":"${pair}"}}`)).toBe(
      '{"echo":{"credentials":"[redacted]"}}',
    );
    // RFC 6749 §2.3.1: id and secret form-encoded before base64.
    const formPair = b64(`client-7:${new URLSearchParams({ s: SECRET }).toString().slice(2)}`);
    expect(scrubber.scrub(`x ${formPair} y`)).toBe('x [redacted] y');
    for (const id of ['a', 'ab', 'abc', 'someone-else']) {
      const blob = b64(`${id}:${SECRET}`);
      const out = scrubber.scrub(blob);
      expect(out).toContain('[redacted]');
      // At most one character on either side of the secret's bits stays (partly the id's).
      expect(out.replace('[redacted]', '').length).toBeLessThanOrEqual(b64(`${id}:`).length + 2);
    }
    expect(scrubber.scrub(b64(SECRET))).toBe('[redacted]');
    expect(scrubber.scrub(b64(SECRET).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toBe(
      '[redacted]',
    );
  });

  it('finds form-encoded secrets, in upper- and lower-case hex', () => {
    const form = new URLSearchParams({ grant_type: 'password', password: SECRET }).toString();
    expect(form).toContain('Pa+ss%21w%27o%28r%29d*'); // what the assertion below is about
    expect(scrubber.scrub(`400 echo: ${form}`)).toBe('400 echo: grant_type=password&password=[redacted]');
    const strict = encodeURIComponent(SECRET).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
    const lower = strict.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
    expect(lower).toContain('%c3%a9');
    expect(scrubber.scrub(`password=${lower}&x=1`)).toBe('password=[redacted]&x=1');
    expect(scrubber.scrub(`password=${encodeURIComponent(SECRET)}`)).toBe('password=[redacted]');
  });

  it('finds JSON-escaped and HTML-escaped secrets', () => {
    const quoted = new SecretScrubber();
    const tricky = 'q"uo\\te/x<&>\'\u2028';
    quoted.add(tricky);
    const body = JSON.stringify({ error: 'invalid', password: tricky });
    expect(body).toContain('q\\"uo\\\\te');
    expect(quoted.scrub(body)).toBe('{"error":"invalid","password":"[redacted]"}');
    const slashes = body.replace(/\//g, '\\/').replace('\\"uo', '\\u0022uo').replace('x<', 'x\\u003C');
    expect(quoted.scrub(slashes)).toBe('{"error":"invalid","password":"[redacted]"}');
    const html = tricky
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
    expect(quoted.scrub(`<p>${html.replace("'", '&#39;')}</p>`)).toBe('<p>[redacted]</p>');
  });

  it('redacts anything shaped like a JWT or following Bearer/Basic, registered or not', () => {
    const jwt =
      'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyIiwidGVuYW50SWQiOiJ0MSJ9.c2lnbmF0dXJlLWJ5dGVz-_x';
    const empty = new SecretScrubber();
    expect(empty.scrub(`token=${jwt}&next=1`)).toBe('token=[redacted]&next=1');
    expect(empty.scrub(`{"access_token":"${jwt.slice(0, 60)}…`)).toBe('{"access_token":"[redacted]…');
    expect(empty.scrub(`cut: ${jwt.slice(0, 30)}`)).toBe('cut: [redacted]');
    expect(empty.scrub('Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123')).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(empty.scrub('authorization=Basic%20Y2xpZW50LTc6c2VjcmV0LXZhbHVl')).toBe(
      'authorization=Basic%20[redacted]',
    );
    // Ordinary words after the schemes stay.
    expect(empty.scrub('Basic authentication failed; Bearer token expired')).toBe(
      'Basic authentication failed; Bearer token expired',
    );
    expect(empty.scrub('eyJust a word. eyJ.x')).toBe('eyJust a word. eyJ.x');
  });

  it('redacts a registered secret cut short at the end of a text', () => {
    const long = new SecretScrubber();
    const token = 'tok_0123456789abcdefghijklmnopqrstuvwxyz';
    long.add(token);
    // Cut two characters short by a truncation that happened before scrubbing.
    expect(long.scrub(`401: bad token ${token.slice(0, -2)}…`)).toBe('401: bad token [redacted]…');
    expect(long.scrub(`401: {"t":"${token.slice(0, 8)}`)).toBe('401: {"t":"[redacted]');
    expect(long.scrub(`401: t=${encodeURIComponent(token).slice(0, 12)}%2`)).toBe('401: t=[redacted]');
    // Seven characters of a 40-character secret are not enough to matter, and only the end counts.
    expect(long.scrub(`x ${token.slice(0, 7)}`)).toBe(`x ${token.slice(0, 7)}`);
    expect(long.scrub(`${token.slice(0, 20)} and more`)).toBe(`${token.slice(0, 20)} and more`);
    const short = new SecretScrubber();
    short.add('abcdefghij');
    expect(short.scrub('password abcde')).toBe('password [redacted]');
    expect(short.scrub('password abcd')).toBe('password abcd');
  });

  it('redacts a long registered token cut by a 300-character truncation, in any encoding', () => {
    const s = new SecretScrubber();
    const token = Array.from({ length: 60 }, (_, i) => `${(i * 7919).toString(36)}/+=`).join('');
    s.add(token);
    const cut = (text: string) => `${text.slice(0, 300)}…`;
    expect(s.scrub(cut(`401 {"token":"${token}"}`))).toBe('401 {"token":"[redacted]…');
    const escaped = JSON.stringify({ token }).replace(/\//g, '\\/');
    expect(s.scrub(cut(`401 ${escaped}`))).toBe('401 {"token":"[redacted]…');
    const form = new URLSearchParams({ token }).toString();
    for (const length of [40, 41, 42]) {
      // Cut anywhere, even inside a %2F: the half escape goes too.
      expect(s.scrub(`${form.slice(0, length)}…`)).toBe('token=[redacted]…');
    }
  });

  it('redacts a cut-off secret whose characters can start several forms', () => {
    const s = new SecretScrubber();
    s.add('%25&amp;\\u0041-tail-xyz');
    // Literally, percent-encoded and JSON-escaped in turn; `%25` and `\\u0041` are also forms of `%` and `\`.
    expect(s.scrub('x %2525&amp;amp;\\\\u0041-ta')).toBe('x [redacted]');
    expect(s.scrub('x %25&amp;\\u0041-ta')).toBe('x [redacted]');
    expect(s.scrub('x %25&amp;\\u0041-tail-xyz!')).toBe('x [redacted]!');
  });

  it('scrubs every encoding before truncating', () => {
    const s = new SecretScrubber();
    s.add('0123456789-secret-value');
    const text = `error ${'x'.repeat(20)} ${encodeURIComponent('0123456789-secret-value')} tail`;
    const naive = text.slice(0, 40);
    expect(naive).toContain('0123456789-se');
    expect(scrubThenTruncate(s, text, 42)).toBe(`error ${'x'.repeat(20)} [redacted] tail`);
    expect(scrubThenTruncate(s, text, 40)).toBe(`error ${'x'.repeat(20)} [redacted] t…`);
    const tight = scrubThenTruncate(s, text, 30);
    expect(tight.length).toBeLessThanOrEqual(30);
    expect(tight).toBe(`error ${'x'.repeat(20)} …`); // a [redacted] mark is never cut in two
    expect(scrubThenTruncate(s, '😀😀😀', 2)).toBe('…');
    expect(scrubThenTruncate(s, 'short', 0)).toBe('');
  });

  it('replaces the longest secret first, in any encoding', () => {
    const s = new SecretScrubber();
    s.add('inner-secret');
    s.add('outer inner-secret!');
    expect(s.scrub(`a outer+inner-secret%21 b inner-secret`)).toBe('a [redacted] b [redacted]');
  });

  it('scrubs keys and values deep, leaving other types and Redacted alone', () => {
    const s = new SecretScrubber();
    s.add('deep-secret-1');
    const wrapped = Redacted.make('x');
    const date = new Date(0);
    expect(
      s.scrubValue({ 'deep-secret-1': 1, a: [{ b: [`%22deep-secret-1%22`] }], wrapped, date, n: null }),
    ).toEqual({ '[redacted]': 1, a: [{ b: ['%22[redacted]%22'] }], wrapped, date, n: null });
  });
});
