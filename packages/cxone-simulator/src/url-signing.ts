import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Builds the signed, expiring download URL of a recording on the media origin, as a pre-signed
 * storage URL: `{mediaBase}/media/files/{recordingId}[.mp4]?expires=…&signature=…`. Real
 * `fileToPlayUrl`s are "a temporary URL to the media file" (reference §4) and need not end in an
 * extension, so `extension` may be left out.
 */
export function signMediaUrl(
  mediaBaseUrl: string,
  recordingId: string,
  expiresEpochSeconds: number,
  secret: Buffer,
  extension?: string,
): string {
  const signature = mediaSignature(recordingId, expiresEpochSeconds, secret);
  const file = extension === undefined ? recordingId : `${recordingId}.${extension}`;
  return `${mediaBaseUrl}/media/files/${file}?expires=${expiresEpochSeconds}&signature=${signature}`;
}

export function mediaSignature(recordingId: string, expiresEpochSeconds: number, secret: Buffer): string {
  return createHmac('sha256', secret).update(`media:${recordingId}:${expiresEpochSeconds}`).digest('hex');
}

export type MediaUrlCheck = 'valid' | 'bad-signature' | 'expired';

/** Checks a download request: the signature first (so a tampered expiry is a bad signature), then the expiry. */
export function checkMediaUrl(
  recordingId: string,
  expires: string | null,
  signature: string | null,
  secret: Buffer,
  nowMs: number,
): MediaUrlCheck {
  if (
    expires === null ||
    signature === null ||
    !/^\d{1,12}$/.test(expires) ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    return 'bad-signature';
  }
  const expected = Buffer.from(mediaSignature(recordingId, Number(expires), secret), 'hex');
  if (!timingSafeEqual(Buffer.from(signature, 'hex'), expected)) return 'bad-signature';
  return nowMs >= Number(expires) * 1000 ? 'expired' : 'valid';
}
