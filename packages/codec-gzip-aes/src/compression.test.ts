import { describe, expect, it } from 'vitest';
import { isCompressibleType, shouldGzip } from './compression.js';

describe('compression choice', () => {
  it('auto gzips JSON and text only', () => {
    for (const type of [
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/x-ndjson',
      'application/vnd.api+json',
      'text/csv',
    ])
      expect(isCompressibleType(type), type).toBe(true);
    for (const type of [
      'audio/wav',
      'audio/mpeg',
      'video/mp4',
      'application/octet-stream',
      'application/jsonp',
      undefined,
    ])
      expect(isCompressibleType(type), String(type)).toBe(false);
  });

  it('gzip and none override the content type', () => {
    expect(shouldGzip('gzip', 'audio/wav')).toBe(true);
    expect(shouldGzip('none', 'application/json')).toBe(false);
    expect(shouldGzip('auto', 'application/json')).toBe(true);
    expect(shouldGzip('auto', 'audio/wav')).toBe(false);
  });
});
