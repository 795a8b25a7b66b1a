import { describe, expect, it } from 'vitest';
import { acceptsJson } from './accept.js';

describe('acceptsJson', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['*/*', true],
    ['application/*', true],
    ['text/html, application/json;q=0.5', true],
    ['application/hal+json', true],
    ['text/html', false],
    ['text/plain, image/png', false],
    ['application/json;q=0', false],
  ])('%s → %s', (accept, expected) => {
    expect(acceptsJson(accept)).toBe(expected);
  });
});
