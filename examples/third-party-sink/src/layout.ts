import { randomUUID } from 'node:crypto';
import path from 'node:path';

/**
 * Where things live under the root. Keys reach these functions only after core's
 * `objectKeyProblem` found them safe (`[A-Za-z0-9._-]` segments, no `..`), so a key can never
 * name a path outside `index/`.
 *
 *     objects/sha256/ab/ab12…ef   the bytes, named by their SHA-256 (one file per distinct content)
 *     index/<key>                 one small JSON entry per key: { sha256, size, contentType, metadata }
 *     tmp/<uuid>.tmp              files being written; never read, removed when the put ends
 */
export const OBJECTS_DIR = 'objects';
export const INDEX_DIR = 'index';
export const TEMP_DIR = 'tmp';

export const blobPath = (root: string, sha256: string): string =>
  path.join(root, OBJECTS_DIR, 'sha256', sha256.slice(0, 2), sha256);

export const entryPath = (root: string, key: string): string => path.join(root, INDEX_DIR, ...key.split('/'));

export const tempPath = (root: string): string => path.join(root, TEMP_DIR, `${randomUUID()}.tmp`);
