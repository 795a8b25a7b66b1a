/**
 * What a recording is, from what the media server says about it: the response `Content-Type`
 * first, then the file name of a `Content-Disposition`, and the URL's extension only when neither
 * names a format. Real signed media URLs may have no extension at all, and real voice media is
 * MP4 (reference/cxone-fidelity.md §2.7, finding 6), so the URL alone cannot be trusted.
 */

/** Media types by the extension the artifact gets; the first type is the one archived. */
const FORMATS: ReadonlyArray<{ readonly extension: string; readonly types: readonly string[] }> = [
  { extension: 'mp4', types: ['audio/mp4', 'video/mp4', 'audio/x-m4a', 'audio/m4a', 'audio/mp4a-latm'] },
  { extension: 'wav', types: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] },
  { extension: 'mp3', types: ['audio/mpeg', 'audio/mp3'] },
  { extension: 'ogg', types: ['audio/ogg'] },
  { extension: 'webm', types: ['audio/webm', 'video/webm'] },
];

const EXTENSION_ALIASES: Readonly<Record<string, string>> = { m4a: 'mp4', wave: 'wav' };

export interface RecordingFormat {
  /** `[a-z0-9]{1,10}`; `bin` when nothing names a format. */
  readonly extension: string;
  readonly contentType?: string;
}

/** `audio/MP4; codecs=…` → `audio/mp4`; undefined for a missing or malformed value. */
export const mediaTypeOf = (header: string | null | undefined): string | undefined => {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : undefined;
};

const formatOfType = (type: string | undefined): RecordingFormat | undefined => {
  if (type === undefined) return undefined;
  const found = FORMATS.find((f) => f.types.includes(type));
  return found === undefined
    ? undefined
    : { extension: found.extension, contentType: found.types[0] as string };
};

const formatOfExtension = (raw: string | undefined): RecordingFormat | undefined => {
  if (raw === undefined) return undefined;
  const ext = EXTENSION_ALIASES[raw] ?? raw;
  const found = FORMATS.find((f) => f.extension === ext);
  return found === undefined ? undefined : { extension: ext, contentType: found.types[0] as string };
};

const extensionOfName = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,10}$/.test(ext) ? ext : undefined;
};

/** The file name a `Content-Disposition` gives (`filename*=UTF-8''…` preferred, RFC 6266). */
export const dispositionFileName = (header: string | null | undefined): string | undefined => {
  if (header === null || header === undefined) return undefined;
  const extended = /filename\*\s*=\s*(?:[\w!#$%&+^`{}~-]+)?'[^']*'([^;\s]+)/i.exec(header)?.[1];
  if (extended !== undefined) {
    try {
      return decodeURIComponent(extended);
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  const value = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  return value === undefined || value === '' ? undefined : value;
};

/** Extension of a URL's last path segment, when it has one. */
export const urlExtension = (url: string): string | undefined => {
  try {
    return extensionOfName(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return undefined;
  }
};

/** The format the first bytes show: an MP4 `ftyp` box, a RIFF/WAVE header, an MP3 (ID3 or frame sync). */
export const magicExtension = (first: Uint8Array): string | undefined => {
  const b = Buffer.from(first.buffer, first.byteOffset, first.byteLength);
  if (b.length >= 8 && b.toString('latin1', 4, 8) === 'ftyp') return 'mp4';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE')
    return 'wav';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  if (b.length >= 2 && b[0] === 0xff && ((b[1] as number) & 0xe0) === 0xe0) return 'mp3';
  return undefined;
};

/**
 * The format of a recording: a known `Content-Type`; else the `Content-Disposition` file name's
 * extension; else what the first bytes show; else the URL's extension; else `bin`, keeping the
 * server's own type when it gave a specific one.
 */
export const recordingFormat = (
  headers: Headers,
  url: string,
  firstBytes: Uint8Array = new Uint8Array(),
): RecordingFormat => {
  const type = mediaTypeOf(headers.get('content-type'));
  const byType = formatOfType(type);
  if (byType !== undefined) return byType;
  const fileName = dispositionFileName(headers.get('content-disposition'));
  const byName = formatOfExtension(fileName === undefined ? undefined : extensionOfName(fileName));
  if (byName !== undefined) return byName;
  const byMagic = formatOfExtension(magicExtension(firstBytes));
  if (byMagic !== undefined) return byMagic;
  const byUrl = formatOfExtension(urlExtension(url));
  if (byUrl !== undefined) return byUrl;
  const generic = type === undefined || type === 'application/octet-stream' || type === 'binary/octet-stream';
  return generic ? { extension: 'bin' } : { extension: 'bin', contentType: type };
};

/** Which container's structure a content type promises (and the body must then have). */
export const containerOf = (contentType: string | undefined): 'mp4' | 'wav' | undefined => {
  const ext = formatOfType(contentType)?.extension;
  return ext === 'mp4' || ext === 'wav' ? ext : undefined;
};

/** `recording.mp4`, then `recording-2.mp4`, `recording-3.wav`, … */
export const recordingName = (index: number, extension: string): string =>
  index === 0 ? `recording.${extension}` : `recording-${index + 1}.${extension}`;
