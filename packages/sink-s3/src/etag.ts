import { createHash } from 'node:crypto';
import type { Checksum } from '@cxarchive/core';

/**
 * The checksum an S3 ETag states, when it is an MD5: `"<md5>"` for an object stored with one
 * PutObject, `"<md5 of the part MD5s>-<parts>"` for a multipart object. Undefined for anything else
 * (SSE-KMS and SSE-C objects have ETags that are not MD5s).
 */
export const checksumFromEtag = (etag: string | undefined): Checksum | undefined => {
  const match = /^"?([0-9a-fA-F]{32})(?:-([1-9][0-9]{0,4}))?"?$/.exec(etag ?? '');
  if (match === null) return undefined;
  const value = match[1]!.toLowerCase();
  return match[2] === undefined
    ? { algorithm: 'md5', value }
    : { algorithm: 'md5', value, parts: Number(match[2]) };
};

/** The Content-MD5 header value of a body part (base64 of the binary MD5). */
export const contentMd5 = (body: Uint8Array): string => createHash('md5').update(body).digest('base64');
