import { describe, expect, it } from 'vitest';
import { chooseCompression, isCompressibleType } from './compression.js';

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
    expect(chooseCompression('gzip', 'audio/wav')).toBe('gzip');
    expect(chooseCompression('zstd', 'application/json')).toBe('zstd');
    expect(chooseCompression('none', 'application/json')).toBe('none');
    expect(chooseCompression('auto', 'application/json')).toBe('gzip');
    expect(chooseCompression('auto', 'audio/wav')).toBe('none');
  });
});
