import { describe, expect, it } from 'vitest';
import { escapeControl } from './text.js';

describe('escapeControl', () => {
  it('leaves plain text alone, backslashes and non-ASCII included', () => {
    for (const plain of ['', 'contact-123', 'C:\\archive\\acme', 'Zoë – 日本語 😀', 'a\\nb']) {
      expect(escapeControl(plain)).toBe(plain);
    }
  });

  it('turns a forged summary line into one visible line', () => {
    const id = 'x\n\u001b[32mfailed 0: \u001b[0mall good\r';
    const out = escapeControl(id);
    expect(out).toBe('x\\n\\x1b[32mfailed 0: \\x1b[0mall good\\r');
    for (const raw of ['\n', '\r', '\u001b']) expect(out).not.toContain(raw);
  });

  it('escapes every C0 and C1 control, DEL, TAB, NEL and the line separators', () => {
    expect(escapeControl('\u0000\u0007\t\u007f\u0080\u0085\u009b\u009f')).toBe(
      '\\x00\\x07\\t\\x7f\\x80\\x85\\x9b\\x9f',
    );
    expect(escapeControl('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
    for (let code = 0; code < 0x20; code++) {
      expect(escapeControl(String.fromCharCode(code))).toMatch(/^\\/);
    }
  });

  it('escapes bidi overrides, embeddings, isolates and marks', () => {
    expect(escapeControl('invoice\u202egpj.exe')).toBe('invoice\\u202egpj.exe');
    for (const code of [
      0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x2066, 0x2067, 0x2068, 0x2069,
    ]) {
      expect(escapeControl(String.fromCharCode(code))).toBe(`\\u${code.toString(16).padStart(4, '0')}`);
    }
  });

  it('is idempotent', () => {
    const hostile = 'a\u001b]8;;http://evil\u0007b\u202ec\n';
    expect(escapeControl(escapeControl(hostile))).toBe(escapeControl(hostile));
  });
});
