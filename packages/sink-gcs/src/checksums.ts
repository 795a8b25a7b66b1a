import type { Checksum } from '@cxarchive/core';

/** GCS reports hashes in base64 (CRC32C big-endian): the runtime wants lowercase hex. */
export const base64ToHex = (value: string): string => Buffer.from(value, 'base64').toString('hex');

/** The CRC32C GCS computed over what it stores, from an object's metadata. */
export const crc32cOf = (metadata: { crc32c?: string }): Checksum | undefined =>
  typeof metadata.crc32c === 'string' && metadata.crc32c.length > 0
    ? { algorithm: 'crc32c', value: base64ToHex(metadata.crc32c) }
    : undefined;
