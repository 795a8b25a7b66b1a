import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';

/**
 * Reads the body of `POST /dfo/3.0/attachments/temporary` — a JSON object `{content: <base64>,
 * mimeType}` (GEN-ATT; SDK-DIG `CXoneFileUploadRequest`) — as a stream: the base64 is checked and
 * decoded as it arrives and the bytes go to `path`, so a large upload never sits in memory. The
 * object's other members must be short JSON primitives (a nested value is refused).
 */

export type UploadBodyResult =
  | { readonly ok: true; readonly mimeType: string; readonly size: number }
  | {
      readonly ok: false;
      readonly status: 400 | 413;
      readonly field?: string;
      readonly message: string;
      readonly errorCode: string;
    };

class UploadRefused extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
    readonly errorCode: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const MAX_OTHER_STRING = 4096;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** The standard base64 alphabet (RFC 4648 §4), without padding: what a strict decoder accepts. */
const B64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[c.charCodeAt(0)] = 1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** RFC 6838 `type/subtype` with optional parameters. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[^;]+)*$/i;

const invalid = (field: string, message: string) => new UploadRefused(400, message, 'InvalidValue', field);
const syntax = (message: string) =>
  new UploadRefused(400, `the body is not valid JSON: ${message}`, 'InvalidJson');

/** Decodes base64 text in blocks of four characters, checking each character and the padding. */
class Base64Sink {
  private pending = '';
  private padded = 0;
  size = 0;
  constructor(
    private readonly write: (bytes: Buffer) => Promise<void>,
    private readonly limit: number,
  ) {}

  async push(text: string): Promise<void> {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x3d) {
        this.padded++;
        if (this.padded > 2) throw invalid('content', 'content is not valid base64 (too much padding)');
      } else if (this.padded > 0 || code > 255 || B64[code] !== 1) {
        throw invalid('content', 'content is not valid base64');
      }
    }
    this.pending += text;
    const whole = this.pending.length - (this.pending.length % 4);
    if (whole >= 65536 || (whole > 0 && this.padded > 0)) await this.flush(whole);
  }

  private async flush(length: number): Promise<void> {
    const block = this.pending.slice(0, length);
    this.pending = this.pending.slice(length);
    const bytes = Buffer.from(block, 'base64');
    this.size += bytes.length;
    if (this.size > this.limit) {
      throw new UploadRefused(
        413,
        `the attachment is larger than the ${this.limit} bytes this tenant accepts`,
        'PayloadTooLarge',
        'content',
      );
    }
    await this.write(bytes);
  }

  async end(): Promise<void> {
    if (this.pending.length % 4 !== 0) {
      throw invalid('content', 'content is not valid base64 (its length is not a multiple of 4)');
    }
    if (this.pending.length > 0) await this.flush(this.pending.length);
  }
}

type State =
  | 'start'
  | 'member'
  | 'key'
  | 'colon'
  | 'value'
  | 'string'
  | 'content'
  | 'literal'
  | 'next'
  | 'done';

/** Parses the upload body from `chunks`, writing the decoded content to `path`. */
export async function readUploadBody(
  chunks: AsyncIterable<Buffer>,
  path: string,
  limit: number,
): Promise<UploadBodyResult> {
  const file = createWriteStream(path, { flags: 'wx' });
  const fileError = new Promise<never>((_, reject) => file.once('error', reject));
  fileError.catch(() => {});
  const write = async (bytes: Buffer): Promise<void> => {
    if (!file.write(bytes)) await Promise.race([once(file, 'drain'), fileError]);
  };
  const sink = new Base64Sink(write, limit);
  let state: State = 'start';
  let key = '';
  let raw: number[] = [];
  let escaped = false;
  let unicode = '';
  let contentSeen = false;
  let members = 0;
  let mimeType: string | undefined;
  const seen = new Set<string>();

  const endString = (): State => {
    const text = JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`) as string;
    raw = [];
    if (state === 'key') {
      if (seen.has(text)) throw syntax(`duplicate member "${text.slice(0, 40)}"`);
      seen.add(text);
      key = text;
      return 'colon';
    }
    if (key === 'mimeType') mimeType = text;
    return 'next';
  };
  const endLiteral = (): State => {
    const text = Buffer.from(raw).toString('latin1');
    raw = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw syntax(`unexpected "${text.slice(0, 20)}"`);
    }
    if (key === 'content' || key === 'mimeType')
      throw invalid(key, `${key} must be a string, got ${String(value)}`);
    return 'next';
  };

  try {
    for await (const chunk of chunks) {
      let i = 0;
      while (i < chunk.length) {
        const byte = chunk[i] as number;
        switch (state) {
          case 'content': {
            if (escaped) {
              escaped = false;
              if (byte === 0x2f) await sink.push('/');
              else if (byte === 0x75) unicode = 'u';
              else throw invalid('content', 'content is not valid base64');
              i++;
              break;
            }
            if (unicode !== '') {
              unicode += String.fromCharCode(byte);
              if (unicode.length === 5) {
                const code = Number.parseInt(unicode.slice(1), 16);
                unicode = '';
                if (Number.isNaN(code)) throw syntax('bad \\u escaped');
                await sink.push(String.fromCharCode(code));
              }
              i++;
              break;
            }
            let end = i;
            while (end < chunk.length && chunk[end] !== QUOTE && chunk[end] !== BACKSLASH) end++;
            if (end > i) await sink.push(chunk.toString('latin1', i, end));
            i = end;
            if (i < chunk.length) {
              if (chunk[i] === BACKSLASH) escaped = true;
              else {
                await sink.end();
                contentSeen = true;
                state = 'next';
              }
              i++;
            }
            break;
          }
          case 'key':
          case 'string': {
            if (escaped) escaped = false;
            else if (byte === BACKSLASH) escaped = true;
            else if (byte === QUOTE) {
              state = endString();
              i++;
              break;
            }
            if (raw.length >= MAX_OTHER_STRING) throw invalid(key, `${key} is too long`);
            raw.push(byte);
            i++;
            break;
          }
          case 'literal': {
            if (WS.has(byte) || byte === 0x2c || byte === 0x7d) {
              state = endLiteral();
              break; // the delimiter is read in state 'next'
            }
            if (raw.length >= 64) throw syntax('a value is too long');
            raw.push(byte);
            i++;
            break;
          }
          default: {
            i++;
            if (WS.has(byte)) break;
            if (state === 'start' && byte === 0x7b) state = 'member';
            else if (state === 'member' && byte === QUOTE) state = 'key';
            else if (state === 'member' && byte === 0x7d && members === 0) state = 'done';
            else if (state === 'colon' && byte === 0x3a) state = 'value';
            else if (state === 'value') {
              members++;
              if (byte === QUOTE) state = key === 'content' ? 'content' : 'string';
              else if (byte === 0x7b || byte === 0x5b) {
                throw invalid(key, `${key} must be a string, not an object or array`);
              } else {
                raw = [byte];
                state = 'literal';
              }
            } else if (state === 'next' && byte === 0x2c) state = 'member';
            else if (state === 'next' && byte === 0x7d) state = 'done';
            else if (state === 'start') throw syntax('expected a JSON object');
            else throw syntax(`unexpected "${String.fromCharCode(byte)}"`);
          }
        }
      }
    }
    if (state === 'literal') state = endLiteral();
    if (state !== 'done') throw syntax('the body ends early');
    if (!contentSeen) throw invalid('content', 'content is required (the file as base64)');
    if (sink.size === 0) throw invalid('content', 'content must not be empty');
    if (mimeType === undefined || mimeType.trim() === '') throw invalid('mimeType', 'mimeType is required');
    if (!MIME.test(mimeType))
      throw invalid('mimeType', `mimeType "${mimeType.slice(0, 80)}" is not a MIME type`);
    file.end();
    await Promise.race([once(file, 'finish'), fileError]);
    return { ok: true, mimeType, size: sink.size };
  } catch (error) {
    file.destroy();
    await unlink(path).catch(() => {});
    if (error instanceof UploadRefused) {
      return {
        ok: false,
        status: error.status,
        message: error.message,
        errorCode: error.errorCode,
        ...(error.field === undefined ? {} : { field: error.field }),
      };
    }
    if (error instanceof SyntaxError) {
      return {
        ok: false,
        status: 400,
        message: `the body is not valid JSON: ${error.message}`,
        errorCode: 'InvalidJson',
      };
    }
    throw error;
  }
}
