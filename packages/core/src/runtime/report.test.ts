import { describe, expect, it } from 'vitest';
import { percentSucceeded } from './report.js';

describe('the summary’s success rate', () => {
  it('never reads 100.0% when an item failed, and is exact otherwise', () => {
    expect(percentSucceeded(1999 / 2000)).toBe('99.9');
    expect(percentSucceeded(199_999 / 200_000)).toBe('99.9');
    expect(percentSucceeded(1)).toBe('100.0');
    expect(percentSucceeded(0)).toBe('0.0');
    expect(percentSucceeded(1 / 3)).toBe('33.3');
    expect(percentSucceeded(0.5)).toBe('50.0');
  });
});
