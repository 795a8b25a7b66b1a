import type { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { type PluginError, PluginErrors } from '@cxarchive/core';
import { Coalesce } from './coalesce.js';
import { zlibFailure } from './errors.js';
import type { StoredCompression } from './header.js';
import type { Compression } from './options.js';
import type { Stage } from './stream-chain.js';

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

/** The compression an object gets: `auto` gzips JSON and text and leaves everything else as is. */
export const chooseCompression = (
  compression: Compression,
  contentType: string | undefined,
): StoredCompression => {
  if (compression === 'auto') return isCompressibleType(contentType) ? 'gzip' : 'none';
  return compression;
};

interface ZstdApi {
  createZstdCompress?: (options?: object) => Duplex;
  createZstdDecompress?: (options?: object) => Duplex;
}

/** Node's own zstd (22.15+), or undefined on an older Node. */
const zstd = zlib as unknown as ZstdApi;

/** Whether this Node has zstd in its zlib (Node 22.15 or later). */
export const zstdAvailable = (): boolean =>
  typeof zstd.createZstdCompress === 'function' && typeof zstd.createZstdDecompress === 'function';

export const zstdMissing = (operation: 'compress' | 'decompress'): PluginError => {
  const text = `zstd needs Node 22.15 or later (this is Node ${process.versions.node})`;
  return operation === 'compress'
    ? PluginErrors.invalidInput(`option "compression" is zstd, but ${text}`, 'compression')
    : PluginErrors.permanent(`the object is zstd-compressed, but ${text}: decode it with a newer Node`);
};

/** zlib's output buffer: one callback to the main thread per 64 KiB compressed, not per 16 KiB. */
const ZLIB_CHUNK_SIZE = 64 * 1024;

/**
 * The stages that compress before encryption; none for `none`. Node's async zlib streams deflate
 * on the libuv threadpool, so objects encoded at once compress on as many cores; the input is
 * coalesced into writes of at least 64 KiB first (`Coalesce`), as each write is a threadpool job.
 * Throws only if zstd is missing.
 */
export const compressStages = (compression: StoredCompression): Stage[] => {
  if (compression === 'none') return [];
  const format = compression;
  const mapError = (cause: unknown): PluginError => zlibFailure('compress', cause, format);
  if (format === 'gzip')
    return [
      { stream: new Coalesce(), mapError },
      { stream: zlib.createGzip({ chunkSize: ZLIB_CHUNK_SIZE }), mapError },
    ];
  if (zstd.createZstdCompress === undefined) throw zstdMissing('compress');
  const stream = zstd.createZstdCompress({
    chunkSize: ZLIB_CHUNK_SIZE,
    params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 },
  });
  return [
    { stream: new Coalesce(), mapError },
    { stream, mapError },
  ];
};

/** The stage that decompresses after decryption, or the error when this Node cannot. */
export const decompressStages = (compression: StoredCompression): Stage[] | PluginError => {
  if (compression === 'none') return [];
  if (compression === 'gzip')
    return [{ stream: zlib.createGunzip(), mapError: (cause) => zlibFailure('decompress', cause, 'gzip') }];
  if (zstd.createZstdDecompress === undefined) return zstdMissing('decompress');
  return [
    { stream: zstd.createZstdDecompress(), mapError: (cause) => zlibFailure('decompress', cause, 'zstd') },
  ];
};
