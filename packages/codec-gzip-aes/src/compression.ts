import type { Compression } from './options.js';

/** JSON (application/json, application/x-ndjson, *+json) and text/* compress well; recordings do not. */
export const isCompressibleType = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type === 'application/json' ||
    type === 'application/x-ndjson' ||
    type.endsWith('+json') ||
    type.startsWith('text/')
  );
};

/** Whether to gzip inside the encryption. */
export const shouldGzip = (compression: Compression, contentType: string | undefined): boolean =>
  compression === 'gzip' || (compression === 'auto' && isCompressibleType(contentType));
