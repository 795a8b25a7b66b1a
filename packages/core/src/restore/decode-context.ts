import type { ItemObject } from '../ledger/ledger.js';
import type { CodecContext } from '../plugin/types.js';

/**
 * The full context an object was encoded under, as the ledger records it: the tenant, its logical
 * key (a copy at another key fails), the item, the artifact and the artifact's own content type.
 */
export const decodeContextOf = (tenant: string, object: ItemObject): CodecContext => ({
  tenant,
  objectKey: object.key,
  itemId: object.itemId,
  artifact: object.artifact,
  ...(object.artifactContentType === undefined ? {} : { contentType: object.artifactContentType }),
});
