import { Mp4Structure } from './mp4-structure.js';
import { WavStructure } from './wav-structure.js';

/**
 * Whether a recording body that stopped is the whole recording. A body may end early without any
 * transport error (a proxy or the media server closing a response that has no `Content-Length`), so
 * the end of the stream proves nothing. Two checks, both as the bytes flow:
 * - the length the server gave (`Content-Length`, or the total of a `Content-Range`), when it gave one;
 * - always, the container's own structure: the RIFF/WAVE chunk sizes or the MP4 box sizes
 *   (recognised by the body's first bytes, and required when the content type promises one).
 * A body of another format with no length from the server cannot be checked: that is refused too.
 */
export interface Verdict {
  readonly problem: string;
  /** True for a cut or damaged body (another download may succeed); false when it can never be checked. */
  readonly transient: boolean;
}

interface Structure {
  push(chunk: Uint8Array): string | undefined;
  end(): string | undefined;
  readonly selfDelimited: boolean;
}

const SNIFF_BYTES = 12;

const sniff = (head: Buffer): 'mp4' | 'wav' | undefined => {
  if (head.toString('latin1', 4, 8) === 'ftyp') return 'mp4';
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  return undefined;
};

export class BodyCheck {
  #received = 0;
  readonly #head = Buffer.alloc(SNIFF_BYTES);
  #structure: Structure | undefined;
  #sniffed = false;
  #verdict: Verdict | undefined;

  /**
   * @param promised the container the content type promises (`mp4`, `wav`), if any
   * @param expectedBytes the length the server gave for the whole body, if it gave one
   */
  constructor(
    private readonly promised: 'mp4' | 'wav' | undefined,
    private readonly expectedBytes: number | undefined,
  ) {}

  get received(): number {
    return this.#received;
  }

  /** Feeds the next bytes; returns a verdict as soon as the body is known to be wrong. */
  push(chunk: Uint8Array): Verdict | undefined {
    if (this.#verdict !== undefined) return this.#verdict;
    const before = this.#received;
    this.#received += chunk.byteLength;
    if (this.expectedBytes !== undefined && this.#received > this.expectedBytes) {
      return this.#fail(`it is longer than the ${this.expectedBytes} bytes the server announced`);
    }
    if (!this.#sniffed) {
      const take = Math.min(chunk.byteLength, SNIFF_BYTES - before);
      this.#head.set(chunk.subarray(0, take), before);
      if (this.#received < SNIFF_BYTES) return undefined;
      const sniffedAt = this.#startStructure();
      if (sniffedAt !== undefined) return sniffedAt;
      return this.#feed(this.#head) ?? this.#feed(chunk.subarray(take));
    }
    return this.#feed(chunk);
  }

  /** The body ended: undefined when it is whole. */
  end(): Verdict | undefined {
    if (this.#verdict !== undefined) return this.#verdict;
    if (!this.#sniffed) {
      const early = this.#startStructure();
      if (early !== undefined) return early;
      const fed = this.#feed(this.#head.subarray(0, this.#received));
      if (fed !== undefined) return fed;
    }
    if (this.expectedBytes !== undefined && this.#received !== this.expectedBytes) {
      return this.#fail(`it ended after ${this.#received} of ${this.expectedBytes} bytes`);
    }
    if (this.#structure !== undefined) {
      const problem = this.#structure.end();
      if (problem !== undefined) return this.#fail(problem);
      if (this.#structure.selfDelimited || this.expectedBytes !== undefined) return undefined;
    } else if (this.expectedBytes !== undefined) {
      return undefined;
    }
    this.#verdict = {
      problem:
        'its length cannot be checked (no Content-Length from the server and no container length in the body)',
      transient: false,
    };
    return this.#verdict;
  }

  #startStructure(): Verdict | undefined {
    this.#sniffed = true;
    const found = this.#received >= SNIFF_BYTES ? sniff(this.#head) : undefined;
    if (this.promised !== undefined && found !== this.promised) {
      return this.#fail(`its content type promises ${this.promised.toUpperCase()} but the body is not one`);
    }
    if (found === 'mp4') this.#structure = new Mp4Structure();
    else if (found === 'wav') this.#structure = new WavStructure();
    return undefined;
  }

  #feed(bytes: Uint8Array): Verdict | undefined {
    const problem = this.#structure?.push(bytes);
    return problem === undefined ? undefined : this.#fail(problem);
  }

  #fail(problem: string): Verdict {
    this.#verdict = { problem, transient: true };
    return this.#verdict;
  }
}
