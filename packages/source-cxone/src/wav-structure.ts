/**
 * An incremental check of a RIFF/WAVE body as it streams: the RIFF header declares the file's
 * length, and every chunk (8-byte header, payload, a pad byte after an odd payload) must fit in it.
 * Payloads are skipped, never kept. A body that ends before the declared length, or a chunk that
 * runs past it, is cut or broken.
 */
export class WavStructure {
  #offset = 0;
  readonly #header = Buffer.alloc(12);
  #headerFill = 0;
  /** Declared end of the file (RIFF size + 8), once the RIFF header is read. */
  #total: number | undefined;
  #skipUntil = 0;
  #skipping: string | undefined;
  /** The last chunk's pad byte, which writers often leave out at the very end of a file. */
  #pad = 0;
  readonly #seen = new Set<string>();
  #problem: string | undefined;

  get offset(): number {
    return this.#offset;
  }

  /** RIFF headers always declare a length (a placeholder one is refused). */
  get selfDelimited(): boolean {
    return true;
  }

  push(chunk: Uint8Array): string | undefined {
    let i = 0;
    while (this.#problem === undefined && i < chunk.length) {
      if (this.#offset < this.#skipUntil) {
        const n = Math.min(chunk.length - i, this.#skipUntil - this.#offset);
        this.#offset += n;
        i += n;
        continue;
      }
      if (this.#total !== undefined && this.#offset >= this.#total) {
        // Bytes after the declared end belong to no chunk: tolerated, but not parsed.
        this.#offset += chunk.length - i;
        return undefined;
      }
      const need = this.#total === undefined ? 12 : 8;
      const n = Math.min(chunk.length - i, need - this.#headerFill);
      this.#header.set(chunk.subarray(i, i + n), this.#headerFill);
      this.#headerFill += n;
      this.#offset += n;
      i += n;
      if (this.#headerFill < need) continue;
      this.#headerFill = 0;
      if (this.#total === undefined) this.#riff();
      else this.#chunk();
    }
    return this.#problem;
  }

  end(): string | undefined {
    if (this.#problem !== undefined) return this.#problem;
    if (this.#offset === 0) return 'the body is empty';
    if (this.#total === undefined) return `it ends inside the RIFF header (${this.#offset} bytes)`;
    if (this.#headerFill > 0)
      return `it ends inside a chunk header at byte ${this.#offset - this.#headerFill}`;
    const total = this.#total;
    const padOnlyMissing = this.#pad === 1 && this.#skipUntil === total && this.#offset === total - 1;
    if (this.#offset < total && !padOnlyMissing) {
      return this.#offset < this.#skipUntil
        ? `it ends inside the ${JSON.stringify(this.#skipping)} chunk: ${this.#offset} of ${total} bytes`
        : `it ends after ${this.#offset} of ${total} bytes`;
    }
    for (const id of ['fmt ', 'data']) {
      if (!this.#seen.has(id)) return `it has no ${JSON.stringify(id)} chunk`;
    }
    return undefined;
  }

  #riff(): void {
    const id = this.#header.toString('latin1', 0, 4);
    const form = this.#header.toString('latin1', 8, 12);
    if (id !== 'RIFF' || form !== 'WAVE') {
      this.#problem = `it does not start with a RIFF/WAVE header (found ${JSON.stringify(id)}/${JSON.stringify(form)})`;
      return;
    }
    const size = this.#header.readUInt32LE(4);
    if (size === 0 || size === 0xffff_ffff) {
      this.#problem = 'its RIFF header declares no length (a placeholder size)';
      return;
    }
    if (size < 4) {
      this.#problem = `its RIFF header declares ${size} bytes, too few for a WAVE file`;
      return;
    }
    this.#total = size + 8;
  }

  #chunk(): void {
    const start = this.#offset - 8;
    const idBytes = this.#header.subarray(0, 4);
    if (!idBytes.every((c) => c >= 0x20 && c <= 0x7e)) {
      this.#problem = `byte ${start} does not start a chunk (id bytes ${idBytes.toString('hex')})`;
      return;
    }
    const id = idBytes.toString('latin1');
    const size = this.#header.readUInt32LE(4);
    this.#pad = size % 2;
    const end = this.#offset + size + this.#pad;
    const total = this.#total as number;
    // The pad byte of the last chunk may be missing from the declared length too.
    if (end > total && !(end === total + 1 && this.#pad === 1)) {
      this.#problem = `the ${JSON.stringify(id)} chunk at byte ${start} runs past the declared end (${total} bytes)`;
      return;
    }
    this.#seen.add(id);
    this.#skipUntil = Math.min(end, total);
    this.#skipping = id;
  }
}
