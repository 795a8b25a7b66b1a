/**
 * An incremental check of an MP4 (ISO BMFF, ISO/IEC 14496-12) body as it streams: every box header
 * is read and every box must end inside its parent, and the body must end exactly where its last
 * top-level box does. Container boxes (moov, trak, …) are walked into; other boxes' payloads are
 * skipped, never kept, so memory stays at one 16-byte header however large the file. Real CXone
 * voice media is MP4 (reference/cxone-fidelity.md §2.7: NP decodes it as mp4, DX stores `.mp4`).
 */

/** Boxes whose payload is nothing but child boxes (no version/flags prefix). */
const CONTAINERS: ReadonlySet<string> = new Set([
  'moov',
  'trak',
  'mdia',
  'minf',
  'stbl',
  'dinf',
  'edts',
  'udta',
  'mvex',
  'moof',
  'traf',
  'mfra',
]);

interface Open {
  readonly type: string;
  readonly end: number;
}

const isBoxType = (b: Uint8Array): boolean => b.every((c) => (c >= 0x20 && c <= 0x7e) || c === 0xa9);

export class Mp4Structure {
  #offset = 0;
  /** Bytes of the current box header read so far (8, or 16 with a 64-bit size). */
  readonly #header = Buffer.alloc(16);
  #headerFill = 0;
  /** End of the leaf box whose payload is being skipped. */
  #skipUntil = 0;
  #skipping: string | undefined;
  readonly #open: Open[] = [];
  readonly #topLevel = new Set<string>();
  #openEnded = false;
  #problem: string | undefined;

  /**
   * False when the last top-level box declared size 0 ("to the end of the file"): then the
   * structure cannot tell a cut body from a whole one, and only a length given by the server can.
   */
  get selfDelimited(): boolean {
    return !this.#openEnded;
  }

  /** Bytes seen so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Feeds the next bytes; returns what is wrong as soon as something is (then keeps returning it). */
  push(chunk: Uint8Array): string | undefined {
    let i = 0;
    while (this.#problem === undefined && i < chunk.length) {
      if (this.#openEnded) {
        this.#offset += chunk.length - i;
        return undefined;
      }
      if (this.#offset < this.#skipUntil) {
        const n = Math.min(chunk.length - i, this.#skipUntil - this.#offset);
        this.#offset += n;
        i += n;
        continue;
      }
      this.#skipping = undefined;
      if (this.#headerFill === 0) {
        this.#closeFinished();
        if (this.#problem !== undefined) break;
      }
      const need = this.#headerFill >= 8 && this.#header.readUInt32BE(0) === 1 ? 16 : 8;
      const n = Math.min(chunk.length - i, need - this.#headerFill);
      this.#header.set(chunk.subarray(i, i + n), this.#headerFill);
      this.#headerFill += n;
      this.#offset += n;
      i += n;
      if (this.#headerFill === 8 && this.#header.readUInt32BE(0) === 1) continue;
      if (this.#headerFill === need) this.#beginBox(need);
    }
    return this.#problem;
  }

  /** The body ended: undefined when it is a whole MP4, else what is missing or wrong. */
  end(): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    if (this.#offset === 0) return 'the body is empty';
    if (this.#openEnded) return this.#missing();
    if (this.#headerFill > 0) {
      return `it ends inside a box header at byte ${this.#offset - this.#headerFill}`;
    }
    if (this.#offset < this.#skipUntil) {
      return `it ends inside the ${this.#skipping ?? ''} box: ${this.#offset} of ${this.#skipUntil} bytes`;
    }
    this.#closeFinished();
    if (this.#problem !== undefined) return this.#problem;
    const inside = this.#open.at(-1);
    if (inside !== undefined) {
      return `it ends inside the ${inside.type} box: ${this.#offset} of ${inside.end} bytes`;
    }
    return this.#missing();
  }

  #missing(): string | undefined {
    for (const box of ['ftyp', 'moov', 'mdat']) {
      if (!this.#topLevel.has(box)) return `it has no ${box} box`;
    }
    return undefined;
  }

  /** Pops the containers that end where we are; a child that ran past its parent is a problem. */
  #closeFinished(): void {
    for (let top = this.#open.at(-1); top !== undefined; top = this.#open.at(-1)) {
      if (top.end > this.#offset) return;
      if (top.end < this.#offset) {
        this.#problem = `a box inside ${top.type} runs past its end (byte ${top.end})`;
        return;
      }
      this.#open.pop();
    }
  }

  #beginBox(headerBytes: number): void {
    const start = this.#offset - headerBytes;
    const size32 = this.#header.readUInt32BE(0);
    const typeBytes = this.#header.subarray(4, 8);
    this.#headerFill = 0;
    if (!isBoxType(typeBytes)) {
      this.#problem = `byte ${start} does not start a box (type bytes ${typeBytes.toString('hex')})`;
      return;
    }
    const type = typeBytes.toString('latin1');
    if (start === 0 && type !== 'ftyp') {
      this.#problem = `it does not start with an ftyp box (found ${JSON.stringify(type)})`;
      return;
    }
    const parent = this.#open.at(-1);
    if (parent === undefined) this.#topLevel.add(type);
    let size: number;
    if (size32 === 0) {
      // "box extends to the end of the file": only the last top-level box may say so.
      if (parent !== undefined) {
        this.#problem = `the ${type} box inside ${parent.type} has no size`;
        return;
      }
      this.#openEnded = true;
      return;
    }
    if (size32 === 1) {
      const large = this.#header.readBigUInt64BE(8);
      if (large > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.#problem = `the ${type} box at byte ${start} declares an impossible size`;
        return;
      }
      size = Number(large);
    } else {
      size = size32;
    }
    if (size < headerBytes) {
      this.#problem = `the ${type} box at byte ${start} declares ${size} bytes, less than its header`;
      return;
    }
    const end = start + size;
    if (parent !== undefined && end > parent.end) {
      this.#problem = `the ${type} box at byte ${start} runs past the end of ${parent.type}`;
      return;
    }
    if (CONTAINERS.has(type)) {
      this.#open.push({ type, end });
      return;
    }
    this.#skipUntil = end;
    this.#skipping = type;
  }
}
