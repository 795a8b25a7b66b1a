import type { SimContext } from './context.js';
import { mediaBaseOf } from './routes/media-files.js';
import { checkMediaUrl, mediaSignature } from './url-signing.js';

/**
 * Signed, expiring URLs of the simulator's export files: Data Extraction result CSVs (`dx`) and
 * media-download archives (`md`), `{base}/media/exports/{kind}/{id}.{csv|zip}?expires=…&signature=…`.
 * Like recordings' `fileToPlayUrl`s they are pre-signed storage URLs, fetched without a bearer
 * (D-DX: "a URL … accessible for 30 seconds"; GEN-MD `downloadLocation`, whose form is [U]).
 * They are on the media origin, with the recordings (`media-origin.ts`); the API origin refuses them.
 */
export const EXPORT_FILE_PATH = /^\/media\/exports\/(dx|md)\/([0-9a-f-]{36})\.(csv|zip)$/;

export type ExportKind = 'dx' | 'md';

const EXTENSION: Readonly<Record<ExportKind, 'csv' | 'zip'>> = { dx: 'csv', md: 'zip' };

export const exportBaseOf = (ctx: SimContext): string => mediaBaseOf(ctx);

const subject = (kind: ExportKind, id: string) => `export:${kind}:${id}`;

export function signExportUrl(ctx: SimContext, kind: ExportKind, id: string, ttlSeconds: number): string {
  const expires = Math.floor(ctx.nowMs() / 1000) + ttlSeconds;
  const signature = mediaSignature(subject(kind, id), expires, ctx.secret);
  return `${exportBaseOf(ctx)}/media/exports/${kind}/${id}.${EXTENSION[kind]}?expires=${expires}&signature=${signature}`;
}

export type ExportUrlCheck =
  | { readonly ok: true; readonly kind: ExportKind; readonly id: string }
  | { readonly ok: false; readonly status: 403 | 404; readonly text: string };

/** Checks a request for an export file: its path, then the signature, then the expiry. */
export function checkExportUrl(ctx: SimContext, url: URL): ExportUrlCheck {
  const match = EXPORT_FILE_PATH.exec(url.pathname);
  if (match === null) return { ok: false, status: 404, text: 'Not Found' };
  const kind = match[1] as ExportKind;
  const id = match[2] as string;
  if (match[3] !== EXTENSION[kind]) return { ok: false, status: 404, text: 'Not Found' };
  const check = checkMediaUrl(
    subject(kind, id),
    url.searchParams.get('expires'),
    url.searchParams.get('signature'),
    ctx.secret,
    ctx.nowMs(),
  );
  if (check === 'bad-signature') return { ok: false, status: 403, text: 'Signature does not match' };
  if (check === 'expired') return { ok: false, status: 403, text: 'Request has expired' };
  return { ok: true, kind, id };
}
