import type { Reply } from '../reply.js';
import { API_VERSIONS, type NameSet } from '../versions.js';
import { acdError } from './acd-error.js';

/**
 * The name set of the version in an ACD path, or undefined after answering 404 for a version the
 * simulator does not serve (message in `icStatusDescription`, no body, as every ACD error).
 */
export function acdVersion(reply: Reply, version: string | undefined): NameSet | undefined {
  const names = API_VERSIONS.get(Number(version));
  if (names === undefined) {
    const served = [...API_VERSIONS.keys()].map((v) => `v${v}.0`);
    acdError(reply, 404, `API version v${String(version)}.0 not found; served: ${served.join(', ')}`);
  }
  return names;
}
