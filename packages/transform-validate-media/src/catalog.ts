/**
 * The media types validate-media knows by name: what `file-type` reports for their bytes
 * (`detected`, its `ext` values), the file name extensions that claim them, and the MIME type sent on
 * (CXone's `mimeType`). No magic numbers here: recognising bytes is `file-type`'s job.
 */
export interface MediaType {
  /** The name used in `allow`. */
  readonly name: string;
  /** `file-type`'s `ext` values for these bytes; empty for text, which `file-type` cannot identify. */
  readonly detected: readonly string[];
  /** File name extensions (lowercase, no dot) that claim this type. */
  readonly extensions: readonly string[];
  /** The MIME type recorded and sent on; absent for a type taken as `file-type` reports it. */
  readonly mimeType?: string;
  /** Plain text (no magic number): accepted on its extension when every byte is UTF-8 without NUL. */
  readonly text?: boolean;
}

const OOXML = 'application/vnd.openxmlformats-officedocument';

export const CATALOG: readonly MediaType[] = [
  { name: 'wav', detected: ['wav'], extensions: ['wav'], mimeType: 'audio/wav' },
  { name: 'mp3', detected: ['mp3'], extensions: ['mp3'], mimeType: 'audio/mpeg' },
  // file-type names Ogg by its codec: Vorbis `ogg`, Opus `opus`, FLAC `oga`, Speex `spx`.
  {
    name: 'ogg',
    detected: ['ogg', 'opus', 'oga', 'spx'],
    extensions: ['ogg', 'oga', 'opus', 'spx'],
    mimeType: 'audio/ogg',
  },
  { name: 'm4a', detected: ['m4a'], extensions: ['m4a'], mimeType: 'audio/mp4' },
  { name: 'flac', detected: ['flac'], extensions: ['flac'], mimeType: 'audio/flac' },
  { name: 'png', detected: ['png', 'apng'], extensions: ['png'], mimeType: 'image/png' },
  { name: 'jpeg', detected: ['jpg'], extensions: ['jpg', 'jpeg', 'jpe'], mimeType: 'image/jpeg' },
  { name: 'gif', detected: ['gif'], extensions: ['gif'], mimeType: 'image/gif' },
  { name: 'webp', detected: ['webp'], extensions: ['webp'], mimeType: 'image/webp' },
  { name: 'tiff', detected: ['tif'], extensions: ['tif', 'tiff'], mimeType: 'image/tiff' },
  { name: 'bmp', detected: ['bmp'], extensions: ['bmp'], mimeType: 'image/bmp' },
  { name: 'mp4', detected: ['mp4'], extensions: ['mp4'], mimeType: 'video/mp4' },
  { name: 'pdf', detected: ['pdf'], extensions: ['pdf'], mimeType: 'application/pdf' },
  // Office 97–2003 files are Compound File Binary containers: file-type 22 reports every one of them
  // as `cfb` (application/x-cfb) and cannot tell a .doc from a .xls, a .ppt or an .msi. The extension
  // says which; the bytes only say "CFB".
  { name: 'doc', detected: ['cfb'], extensions: ['doc'], mimeType: 'application/msword' },
  { name: 'xls', detected: ['cfb'], extensions: ['xls'], mimeType: 'application/vnd.ms-excel' },
  { name: 'ppt', detected: ['cfb'], extensions: ['ppt'], mimeType: 'application/vnd.ms-powerpoint' },
  // OOXML files are zips; file-type 22 reads [Content_Types].xml (or the word/, xl/, ppt/ entries).
  {
    name: 'docx',
    detected: ['docx'],
    extensions: ['docx'],
    mimeType: `${OOXML}.wordprocessingml.document`,
  },
  { name: 'xlsx', detected: ['xlsx'], extensions: ['xlsx'], mimeType: `${OOXML}.spreadsheetml.sheet` },
  {
    name: 'pptx',
    detected: ['pptx'],
    extensions: ['pptx'],
    mimeType: `${OOXML}.presentationml.presentation`,
  },
  { name: 'txt', detected: [], extensions: ['txt'], mimeType: 'text/plain', text: true },
  { name: 'csv', detected: [], extensions: ['csv'], mimeType: 'text/csv', text: true },
];

/** What `allow` holds by default: the audio, images and documents contact centers send. */
export const DEFAULT_ALLOW: readonly string[] = [
  'wav',
  'mp3',
  'ogg',
  'png',
  'jpeg',
  'gif',
  'pdf',
  'doc',
  'docx',
];

const BY_NAME = new Map(CATALOG.map((type) => [type.name, type]));
const BY_EXTENSION = new Map(CATALOG.flatMap((type) => type.extensions.map((ext) => [ext, type] as const)));

export const catalogType = (name: string): MediaType | undefined => BY_NAME.get(name);

/** The catalog type a file name extension claims (`jpg` → jpeg). */
export const catalogTypeOfExtension = (extension: string): MediaType | undefined =>
  BY_EXTENSION.get(extension);

/**
 * The type a file name extension claims: a catalog type, else a type `file-type` knows by that
 * extension (taken as `file-type` reports it), else none.
 */
export const claimedType = (
  extension: string,
  fileTypeKnows: (ext: string) => boolean,
): MediaType | undefined =>
  BY_EXTENSION.get(extension) ??
  (fileTypeKnows(extension)
    ? { name: extension, detected: [extension], extensions: [extension] }
    : undefined);
