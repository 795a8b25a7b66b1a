import type { ConfigIssue } from './config-error.js';

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the range the second byte must fall in
    // (which rules out overlong forms, surrogates and code points past U+10FFFF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
};

/** 1-based line and column (in characters) of a byte offset of well-formed text before it. */
const positionOfByte = (bytes: Uint8Array, offset: number): { line: number; column: number } => {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, offset - lineStart).toString('utf8');
  return { line, column: [...before].length + 1 };
};

/**
 * A pipeline file's bytes as text: UTF-8 only (a UTF-8 byte order mark is dropped). A UTF-16 or
 * UTF-32 file, or a byte that is not UTF-8 (a Latin-1 `é`), is an issue located at its first
 * byte, never text with U+FFFD in place of what was meant (which would end up in a path).
 */
export const decodePipelineText = (
  file: string,
  bytes: Buffer,
): { text: string; issue?: undefined } | { text?: undefined; issue: ConfigIssue } => {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  const utf32 = bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff;
  if (utf16 || utf32) {
    return {
      issue: {
        file,
        line: 1,
        column: 1,
        path: '',
        code: 'file.encoding',
        message: `is ${utf32 ? 'UTF-32' : 'UTF-16'} encoded (it starts with a ${utf32 ? 'UTF-32' : 'UTF-16'} byte order mark); pipeline files are UTF-8`,
        hint: 'save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 file > file.new`, or "UTF-8" in the editor\'s encoding menu)',
      },
    };
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const bad = firstInvalidUtf8(body);
  if (bad >= 0) {
    const pos = positionOfByte(body, bad);
    const shown = [...body.subarray(bad, Math.min(bad + 4, body.length))]
      .map((b) => `0x${b.toString(16).padStart(2, '0')}`)
      .join(' ');
    return {
      issue: {
        file,
        ...pos,
        path: '',
        code: 'file.encoding',
        message: `is not valid UTF-8: byte ${shown.split(' ')[0]} at this place (${shown}) is not a UTF-8 character`,
        hint: 'pipeline files are UTF-8: save the file as UTF-8 (a Latin-1 "é" is the single byte 0xe9; in UTF-8 it is 0xc3 0xa9)',
      },
    };
  }
  return { text: body.toString('utf8') };
};
