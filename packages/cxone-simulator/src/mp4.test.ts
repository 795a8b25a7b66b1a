import { describe, expect, it } from 'vitest';
import { buildDataset } from './dataset.js';
import { mp4Header, mp4Recording } from './mp4.js';

interface Box {
  readonly type: string;
  readonly start: number;
  readonly size: number;
  readonly children: Box[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf']);

/** An independent reading of the box tree: every size must land exactly on its parent's end. */
function parse(bytes: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at < end) {
    const size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > end) throw new Error(`${type} at ${at}: size ${size} overruns ${end}`);
    const children = CONTAINERS.has(type) ? parse(bytes, at + 8, at + size) : [];
    boxes.push({ type, start: at, size, children });
    at += size;
  }
  if (at !== end) throw new Error(`boxes end at ${at}, not ${end}`);
  return boxes;
}

const find = (boxes: Box[], path: string[]): Box => {
  const [first, ...rest] = path;
  const box = boxes.find((b) => b.type === first);
  if (box === undefined) throw new Error(`no ${first}`);
  return rest.length === 0 ? box : find(box.children, rest);
};

describe('MP4 voice media', () => {
  it('is an ISO BMFF file whose every box size is right, moov before mdat', () => {
    const dataBytes = 3 * 8000 + 123;
    const header = mp4Header(dataBytes);
    const file = Buffer.concat([header, Buffer.alloc(dataBytes, 0x7f)]);
    const top = parse(file, 0, file.length);
    expect(top.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat']);
    expect(file.toString('latin1', 8, 12)).toBe('M4A ');
    const mdat = find(top, ['mdat']);
    expect(mdat.size).toBe(8 + dataBytes);
    const stbl = find(top, ['moov', 'trak', 'mdia', 'minf', 'stbl']);
    expect(stbl.children.map((b) => b.type)).toEqual(['stsd', 'stts', 'stsc', 'stsz', 'stco']);
    // stco points at the first sample byte, inside mdat.
    const stco = find(stbl.children, ['stco']);
    expect(file.readUInt32BE(stco.start + 16)).toBe(mdat.start + 8);
    // stsz: four samples, three of a second and the rest, adding up to mdat's payload.
    const stsz = find(stbl.children, ['stsz']);
    expect(file.readUInt32BE(stsz.start + 12)).toBe(0);
    const count = file.readUInt32BE(stsz.start + 16);
    expect(count).toBe(4);
    let total = 0;
    for (let i = 0; i < count; i++) total += file.readUInt32BE(stsz.start + 20 + 4 * i);
    expect(total).toBe(dataBytes);
    const hdlr = find(top, ['moov', 'trak', 'mdia', 'hdlr']);
    expect(file.toString('latin1', hdlr.start + 16, hdlr.start + 20)).toBe('soun');
    const mdhd = find(top, ['moov', 'trak', 'mdia', 'mdhd']);
    expect(file.readUInt32BE(mdhd.start + 20)).toBe(8000); // timescale
    expect(file.readUInt32BE(mdhd.start + 24)).toBe(dataBytes); // duration in ticks
  });

  it('uses one constant sample size for whole seconds', () => {
    const header = mp4Header(5 * 8000);
    const file = Buffer.concat([header, Buffer.alloc(5 * 8000)]);
    const stsz = find(parse(file, 0, file.length), ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsz']);
    expect(stsz.size).toBe(20);
    expect(file.readUInt32BE(stsz.start + 12)).toBe(8000);
    expect(file.readUInt32BE(stsz.start + 16)).toBe(5);
  });

  it('streams exactly its size, lazily, with the samples after the header', async () => {
    const dataset = buildDataset({ seed: 4, contacts: 10, recordingSeconds: [30, 40] });
    const [recording] = [...dataset.recordings.values()];
    if (recording === undefined) throw new Error('seed 4 should give a recording');
    const file = mp4Recording(recording);
    const stream = file.open();
    expect(stream.readableLength).toBe(0);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(file.size);
    expect(parse(bytes, 0, bytes.length).map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat']);
  });
});
