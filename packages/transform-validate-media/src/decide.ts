import type { FileTypeResult } from 'file-type';
import { claimedType, type MediaType } from './catalog.js';

/** What the bytes are, once accepted. */
export interface Accepted {
  readonly ok: true;
  readonly mimeType: string;
  /** The type's extension as file-type names it (`jpg`, `docx`), or the catalog's for CFB and text. */
  readonly extension: string;
}

export interface Refused {
  readonly ok: false;
  readonly reason: string;
}

export interface Sniffed {
  /** The file's name (its extension is what it claims to be). */
  readonly fileName: string;
  readonly detected: FileTypeResult | undefined;
  /** Whether every byte is UTF-8 without NUL; undefined when not checked. */
  readonly text: boolean | undefined;
}

/**
 * The extension of a file name, lowercase, without the dot; '' when it has none (or what follows
 * the last dot is no extension: `Invoice Nov. 2026`).
 */
export const extensionOf = (fileName: string): string => {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const extension = dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,10}$/.test(extension) ? extension : '';
};

const describeName = (fileName: string, extension: string, claimed: MediaType | undefined): string => {
  if (extension === '') return `"${fileName}" has no extension`;
  return `"${fileName}" is named .${extension}${claimed?.mimeType === undefined ? '' : ` (${claimed.mimeType})`}`;
};

const describeBytes = (detected: FileTypeResult): string => `${detected.mime} (${detected.ext})`;

const allowedList = (allowed: ReadonlyMap<string, MediaType>): string => [...allowed.keys()].join(', ');

/**
 * The verdict on sniffed bytes: their type must be the one the extension claims (else `MIME
 * mismatch`, naming both) and be allowed (else `type not allowed`). Text has no signature: a name
 * that claims text is taken at its word only when file-type recognises nothing and every byte is
 * UTF-8 without NUL.
 */
export const decide = (
  sniffed: Sniffed,
  allowed: ReadonlyMap<string, MediaType>,
  fileTypeKnows: (ext: string) => boolean,
): Accepted | Refused => {
  const { fileName, detected } = sniffed;
  const extension = extensionOf(fileName);
  const claimed = extension === '' ? undefined : claimedType(extension, fileTypeKnows);
  const named = describeName(fileName, extension, claimed);

  if (detected === undefined) {
    if (claimed?.text === true) {
      if (sniffed.text !== true)
        return { ok: false, reason: `MIME mismatch: ${named} but its bytes are not UTF-8 text` };
      if (!allowed.has(claimed.name))
        return {
          ok: false,
          reason: `type not allowed: ${claimed.mimeType} (.${extension}); allowed: ${allowedList(allowed)}`,
        };
      return { ok: true, mimeType: claimed.mimeType ?? 'text/plain', extension };
    }
    if (claimed !== undefined)
      return {
        ok: false,
        reason: `MIME mismatch: ${named} but its bytes are of no type file-type recognises`,
      };
    return {
      ok: false,
      reason: `type not allowed: ${named} and its bytes are of no type file-type recognises (plain text needs txt or csv in allow); allowed: ${allowedList(allowed)}`,
    };
  }

  if (claimed === undefined || !claimed.detected.includes(detected.ext))
    return { ok: false, reason: `MIME mismatch: ${named} but its bytes are ${describeBytes(detected)}` };
  if (!allowed.has(claimed.name))
    return {
      ok: false,
      reason: `type not allowed: ${claimed.mimeType ?? detected.mime} (.${extension}); allowed: ${allowedList(allowed)}`,
    };
  // CFB says only "Office 97–2003 container": the extension says which (doc, xls, ppt).
  const reported = detected.ext === 'cfb' ? extension : detected.ext;
  return { ok: true, mimeType: claimed.mimeType ?? detected.mime, extension: reported };
};
