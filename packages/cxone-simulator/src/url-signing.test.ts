import { describe, expect, it } from 'vitest';
import { checkMediaUrl, mediaSignature, signMediaUrl } from './url-signing.js';

const secret = Buffer.alloc(32, 1);
const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('media URL signing', () => {
  it('builds the documented URL shape, with or without an extension', () => {
    expect(new URL(signMediaUrl('http://127.0.0.1:1', id, 1, secret)).pathname).toBe(`/media/files/${id}`);
    const url = new URL(signMediaUrl('http://127.0.0.1:1', id, 1_800_000_000, secret, 'mp4'));
    expect(url.origin).toBe('http://127.0.0.1:1');
    expect(url.pathname).toBe(`/media/files/${id}.mp4`);
    expect(url.searchParams.get('expires')).toBe('1800000000');
    expect(url.searchParams.get('signature')).toBe(mediaSignature(id, 1_800_000_000, secret));
  });

  it('accepts until expiry, then reports expired', () => {
    const signature = mediaSignature(id, 100, secret);
    expect(checkMediaUrl(id, '100', signature, secret, 99_999)).toBe('valid');
    expect(checkMediaUrl(id, '100', signature, secret, 100_000)).toBe('expired');
  });

  it('treats a changed id, expiry, signature or secret as a bad signature', () => {
    const signature = mediaSignature(id, 100, secret);
    expect(checkMediaUrl(id.replace('0f', '1f'), '100', signature, secret, 0)).toBe('bad-signature');
    expect(checkMediaUrl(id, '101', signature, secret, 0)).toBe('bad-signature');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(checkMediaUrl(id, '100', flipped, secret, 0)).toBe('bad-signature');
    expect(checkMediaUrl(id, '100', signature, Buffer.alloc(32, 2), 0)).toBe('bad-signature');
    expect(checkMediaUrl(id, null, signature, secret, 0)).toBe('bad-signature');
    expect(checkMediaUrl(id, '100', 'zz', secret, 0)).toBe('bad-signature');
  });
});
