import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mp4File, wavOf } from '../test-support/media-bodies.js';
import { BodyCheck } from './media-integrity.js';

/** A real MP4 as the simulator serves it (ftyp, moov with its sample tables, mdat). */
let mp4: Buffer;
beforeAll(async () => {
  mp4 = await mp4File([20, 30]);
});

/** Feeds `bytes` in pieces cut at `cuts`; the verdict at the end (or the first one on the way). */
const verdict = (check: BodyCheck, bytes: Buffer, cuts: readonly number[] = []) => {
  let from = 0;
  for (const at of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (at <= from) continue;
    const v = check.push(bytes.subarray(from, at));
    if (v !== undefined) return v;
    from = at;
  }
  return check.end();
};

const cutsOf = (length: number) => fc.array(fc.integer({ min: 1, max: length - 1 }), { maxLength: 12 });

describe('BodyCheck on MP4 (box sizes)', () => {
  it('passes a whole MP4 however the bytes are split, with or without a Content-Length', () => {
    fc.assert(
      fc.property(cutsOf(mp4.length), fc.boolean(), (cuts, withLength) => {
        expect(verdict(new BodyCheck('mp4', withLength ? mp4.length : undefined), mp4, cuts)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('fails a body cut anywhere, Transient, with no Content-Length to tell', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: mp4.length - 1 }), cutsOf(mp4.length), (end, cuts) => {
        const v = verdict(
          new BodyCheck('mp4', undefined),
          mp4.subarray(0, end),
          cuts.filter((c) => c < end),
        );
        expect(v).toMatchObject({ transient: true });
      }),
      { numRuns: 200 },
    );
    expect(verdict(new BodyCheck(undefined, undefined), mp4.subarray(0, 100_000))?.problem).toBe(
      `it ends inside the mdat box: 100000 of ${mp4.length} bytes`,
    );
  });

  it('fails a box whose size runs past its parent, and a box header with a non-type', () => {
    const moovAt = mp4.readUInt32BE(0); // ftyp's size
    const grown = Buffer.from(mp4);
    const trakAt = moovAt + 8 + grown.readUInt32BE(moovAt + 8); // after mvhd
    grown.writeUInt32BE(grown.readUInt32BE(trakAt) + 1000, trakAt);
    expect(verdict(new BodyCheck('mp4', undefined), grown)?.problem).toMatch(
      /the trak box at byte \d+ runs past the end of moov/,
    );
    const garbled = Buffer.from(mp4);
    garbled.write('\u0000\u0001\u0002\u0003', moovAt + 4, 'latin1');
    expect(verdict(new BodyCheck('mp4', undefined), garbled)?.problem).toMatch(/does not start a box/);
  });

  it('fails a whole-looking MP4 without its moov, and one that does not start with ftyp', () => {
    const moovAt = mp4.readUInt32BE(0);
    const moovSize = mp4.readUInt32BE(moovAt);
    const noMoov = Buffer.concat([mp4.subarray(0, moovAt), mp4.subarray(moovAt + moovSize)]);
    expect(verdict(new BodyCheck('mp4', undefined), noMoov)?.problem).toBe('it has no moov box');
    const freeFirst = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('free'), mp4]);
    // Not recognised as MP4 and no length given: it cannot be checked…
    expect(verdict(new BodyCheck(undefined, undefined), freeFirst)).toMatchObject({ transient: false });
    expect(verdict(new BodyCheck('mp4', undefined), freeFirst)?.problem).toMatch(/promises MP4/); // …but promised
  });

  it('checks an mdat of size 0 ("to the end of the file") only against a Content-Length', () => {
    const moovAt = mp4.readUInt32BE(0);
    const mdatAt = moovAt + mp4.readUInt32BE(moovAt);
    const openEnded = Buffer.from(mp4);
    openEnded.writeUInt32BE(0, mdatAt);
    expect(verdict(new BodyCheck('mp4', openEnded.length), openEnded)).toBeUndefined();
    expect(
      verdict(new BodyCheck('mp4', openEnded.length), openEnded.subarray(0, mdatAt + 500)),
    ).toMatchObject({
      transient: true,
    });
    expect(verdict(new BodyCheck('mp4', undefined), openEnded)).toMatchObject({ transient: false });
  });

  it('fails a body longer or shorter than its Content-Length', () => {
    expect(verdict(new BodyCheck('mp4', mp4.length - 1), mp4)?.problem).toBe(
      `it is longer than the ${mp4.length - 1} bytes the server announced`,
    );
    expect(verdict(new BodyCheck('mp4', mp4.length + 5), mp4)?.problem).toBe(
      `it ended after ${mp4.length} of ${mp4.length + 5} bytes`,
    );
  });

  it('reads a 64-bit box size', () => {
    const ftypSize = mp4.readUInt32BE(0);
    const large = Buffer.alloc(16);
    large.writeUInt32BE(1, 0);
    large.write('free', 4, 'latin1');
    large.writeBigUInt64BE(24n, 8);
    const withLarge = Buffer.concat([
      mp4.subarray(0, ftypSize),
      large,
      Buffer.alloc(8),
      mp4.subarray(ftypSize),
    ]);
    expect(
      verdict(new BodyCheck('mp4', undefined), withLarge, [ftypSize + 3, ftypSize + 11]),
    ).toBeUndefined();
    expect(verdict(new BodyCheck('mp4', undefined), withLarge.subarray(0, ftypSize + 20))).toMatchObject({
      transient: true,
    });
  });
});

describe('BodyCheck on WAV (RIFF chunk sizes)', () => {
  const whole = wavOf(50_001, Buffer.from([0])); // an odd data chunk and its pad byte

  it('passes a whole WAV however split, and one whose last pad byte is missing', () => {
    fc.assert(
      fc.property(cutsOf(whole.length), (cuts) => {
        expect(verdict(new BodyCheck('wav', undefined), whole, cuts)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
    expect(verdict(new BodyCheck('wav', undefined), whole.subarray(0, whole.length - 1))).toBeUndefined();
  });

  it('fails a WAV cut short (once its RIFF header is in), Transient', () => {
    fc.assert(
      fc.property(fc.integer({ min: 12, max: whole.length - 2 }), (end) => {
        expect(verdict(new BodyCheck(undefined, undefined), whole.subarray(0, end))).toMatchObject({
          transient: true,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('fails a chunk running past the RIFF length, a placeholder RIFF size, and a WAV without its data chunk', () => {
    const overrun = Buffer.from(whole);
    overrun.writeUInt32LE(60_000, 40);
    expect(verdict(new BodyCheck('wav', undefined), overrun)?.problem).toMatch(/runs past the declared end/);
    const placeholder = Buffer.from(whole);
    placeholder.writeUInt32LE(0xffff_ffff, 4);
    expect(verdict(new BodyCheck('wav', undefined), placeholder)?.problem).toMatch(/declares no length/);
    const noData = Buffer.from(whole.subarray(0, 36));
    noData.writeUInt32LE(28, 4);
    expect(verdict(new BodyCheck('wav', undefined), noData)?.problem).toBe('it has no "data" chunk');
  });

  it('fails a body promised as WAV that is not one', () => {
    expect(verdict(new BodyCheck('wav', undefined), mp4)?.problem).toMatch(
      /promises WAV but the body is not one/,
    );
    expect(verdict(new BodyCheck('wav', undefined), Buffer.from('RIFF'))?.problem).toMatch(/promises WAV/);
  });
});

describe('BodyCheck on other formats', () => {
  it('passes one whose length matches the Content-Length, refuses for good one without any length', () => {
    const mp3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(3000, 1)]);
    expect(verdict(new BodyCheck(undefined, mp3.length), mp3)).toBeUndefined();
    expect(verdict(new BodyCheck(undefined, mp3.length), mp3.subarray(0, 2000))).toMatchObject({
      transient: true,
    });
    expect(verdict(new BodyCheck(undefined, undefined), mp3)).toMatchObject({ transient: false });
    expect(verdict(new BodyCheck(undefined, undefined), Buffer.alloc(0))).toMatchObject({ transient: false });
  });
});
