import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect, encodeBuffer, KEK_A, settings } from '../test-support/helpers.js';
import { unwrapDek } from './dek-wrap.js';
import { readCxarHeader } from './header.js';

describe('nonce and key uniqueness (T22)', () => {
  it('1,000 encodings of the same plaintext have distinct message ids, nonce prefixes and DEKs', async () => {
    const plaintext = Buffer.from('the same plaintext every time');
    const messageIds = new Set<string>();
    const prefixes = new Set<string>();
    const deks = new Set<string>();
    const objects = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const object = await encodeBuffer(plaintext, { settings: settings() });
      const { header } = (await readCxarHeader(Readable.from([object])))._unsafeUnwrap();
      messageIds.add(header.messageId.toString('hex'));
      prefixes.add(header.noncePrefix.toString('hex'));
      deks.add(
        unwrapDek(KEK_A.key, header.keySlot.wrappedDek, {
          messageId: header.messageId,
          wrapAlg: 1,
          keyId: KEK_A.keyId,
          contextBytes: header.contextBytes,
        })
          ._unsafeUnwrap()
          .toString('hex'),
      );
      objects.add(object.toString('hex'));
    }
    expect(messageIds.size).toBe(1000);
    expect(prefixes.size).toBe(1000);
    expect(deks.size).toBe(1000);
    expect(objects.size).toBe(1000);
  });

  it('no source file uses Math.random', () => {
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(10);
    for (const name of sources)
      expect(readFileSync(new URL(name, dir), 'utf8'), name).not.toMatch(/Math\.random/);
  });

  it('collect helper sanity: an encoded object is longer than its plaintext by header and tag', async () => {
    const object = await collect(Readable.from([await encodeBuffer(Buffer.from('x'))]));
    expect(object.length).toBeGreaterThan(81 + 60 + 2 + 16 + 1);
  });
});
