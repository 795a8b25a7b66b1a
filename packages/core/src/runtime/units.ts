import { Readable } from 'node:stream';
import type { Result } from 'neverthrow';
import { err, ok, okAsync } from 'neverthrow';
import { buildObjectKey } from '../keys.js';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Artifact, CodecContext, Item, JsonObject } from '../plugin/types.js';

/** What becomes one object: one artifact of one item today; a batch of records, or a manifest, later. */
export interface Unit {
  /** Stable id, for the ledger: `<itemId>/<artifact>`. */
  readonly id: string;
  /** The logical object key (without any sink prefix). */
  readonly key: string;
  readonly members: readonly { readonly itemId: string; readonly artifact: string }[];
  readonly artifact: Artifact;
  /** What the codec binds into the object, and what decoding it again must match. */
  readonly context: CodecContext;
}

/** The metadata record as an artifact: JSON, serialised the same way every time. */
export const recordArtifact = (name: string, record: JsonObject): Artifact => ({
  name,
  contentType: 'application/json',
  open: () => okAsync(Readable.from([Buffer.from(`${JSON.stringify(record)}\n`, 'utf8')])),
});

/**
 * The unit of one artifact. A key that cannot be built (an empty or overlong id or name, a date
 * out of range) fails this item alone, as bad data, with the reason.
 */
export const artifactUnit = (
  tenant: string,
  extension: string,
  item: Item,
  artifact: Artifact,
): Result<Unit, PluginError> => {
  let key: string;
  try {
    key = buildObjectKey(
      { tenant, occurredAt: item.occurredAt, itemId: item.id, artifact: artifact.name },
      extension,
    );
  } catch (error) {
    return err(
      PluginErrors.invalidInput(
        `item ${item.id}: no object key can be made for ${artifact.name}: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }
  return ok({
    id: `${item.id}/${artifact.name}`,
    key,
    members: [{ itemId: item.id, artifact: artifact.name }],
    artifact,
    context: {
      tenant,
      objectKey: key,
      itemId: item.id,
      artifact: artifact.name,
      ...(artifact.contentType ? { contentType: artifact.contentType } : {}),
    },
  });
};

/** Artifact names must be unique within an item, and the item must have a valid date. */
export const artifactsProblem = (item: Item, all: readonly Artifact[]): PluginError | undefined => {
  const names = new Set<string>();
  for (const a of all) {
    if (typeof a?.name !== 'string')
      return PluginErrors.invalidInput(`item ${item.id} has an artifact without a name`);
    if (names.has(a.name))
      return PluginErrors.invalidInput(`item ${item.id} has two artifacts named ${a.name}`);
    names.add(a.name);
  }
  if (!(item.occurredAt instanceof Date) || Number.isNaN(item.occurredAt.getTime()))
    return PluginErrors.invalidInput(`item ${item.id} has no valid date`);
  return undefined;
};
