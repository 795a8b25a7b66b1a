import { escapeControl, SecretScrubber } from '@cxarchive/core/host';
import { describe, expect, it } from 'vitest';
import { createCliLogger } from './logger.js';

const capture = () => {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => lines.push(chunk) > 0 } };
};

describe('createCliLogger', () => {
  it('prints one line per entry however hostile the message and fields', () => {
    const { lines, stream } = capture();
    const logger = createCliLogger(new SecretScrubber(), false, stream);
    const id = 'c-1\n\u001b[32minfo all items archived\u001b[0m\r\u202e';
    logger.warn(`item ${id} failed`, { itemId: id, nested: { reasons: [`\u0085\u2028${id}`] } });
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line.endsWith('\n')).toBe(true);
    // No raw control character is left but the line's own end.
    expect(escapeControl(line.slice(0, -1))).toBe(line.slice(0, -1));
    expect(line).toContain('warn item c-1\\n\\x1b[32minfo all items archived\\x1b[0m\\r\\u202e failed');
    expect(line).toContain('"itemId":"c-1\\n\\u001b[32minfo');
    expect(line).toContain('"reasons":["\\x85\\u2028c-1');
  });

  it('scrubs secrets before escaping, in messages and fields', () => {
    const { lines, stream } = capture();
    const scrubber = new SecretScrubber();
    scrubber.add('tab\tsecret-value');
    const logger = createCliLogger(scrubber, true, stream);
    logger.debug('token tab\tsecret-value', { body: 'password=tab%09secret-value' });
    expect(lines).toEqual(['debug token [redacted] {"body":"password=[redacted]"}\n']);
  });

  it('prints debug entries only when verbose, and plain text unchanged', () => {
    const { lines, stream } = capture();
    const logger = createCliLogger(new SecretScrubber(), false, stream);
    logger.debug('hidden');
    logger.info('C:\\archive ok', { n: 3 });
    expect(lines).toEqual(['info C:\\archive ok {"n":3}\n']);
  });
});
