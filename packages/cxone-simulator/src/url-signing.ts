import { createHmac, timingSafeEqual } from 'node:crypto';

/** Builds the signed, expiring download URL of a recording. */
export function signMediaUrl(
  baseUrl: string,
  recordingId: string,
  expiresEpochSeconds: number,
  secret: Buffer,
): string {
  const signature = mediaSignature(recordingId, expiresEpochSeconds, secret);
  return `${baseUrl}/media/files/${recordingId}.wav?expires=${expiresEpochSeconds}&signature=${signature}`;
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
