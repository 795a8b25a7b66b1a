import { escapeControl, PluginErrors, PluginFailure } from '@cxarchive/core';
import type { Place } from '../place.js';
import { objectArtifact } from './artifact.js';
import { bucketLabel, type ResolvedBucket } from './options.js';
import type { ObjectStore } from './store.js';

/** A "folder" object some tools write (`outbox/`): nothing to attach, never listed. */
const isFolderMarker = (key: string): boolean => key === '' || key.endsWith('/');

/**
 * A bucket prefix as the place of the files to attach: the keys under the prefix (relative to it)
 * are the files; `resolve` HEADs the object (its size, time and version), `has` likewise. At
 * start, one listing request (`probe`) checks the bucket and the credentials, within
 * `probeTimeoutMs`.
 */
export const bucketPlace = async (
  bucket: ResolvedBucket,
  store: ObjectStore,
  probeTimeoutMs: number,
): Promise<Place> => {
  const where = bucketLabel(bucket);
  const probe = AbortSignal.timeout(probeTimeoutMs);
  try {
    await store.probe(probe);
  } catch (error) {
    if (!probe.aborted) throw error;
    throw new PluginFailure(
      PluginErrors.transient(
        `files source: ${where} did not answer a listing within ${probeTimeoutMs / 1000} s: check the endpoint and the network`,
      ),
    );
  }
  return {
    where,
    async *files(listing) {
      for await (const key of store.keys(listing)) if (!isFolderMarker(key)) yield key;
    },
    async resolve(file, label, fetching) {
      const seen = await store.head(file, fetching);
      if (seen === undefined) return PluginErrors.notFound(`${label} is not in ${where}`);
      return {
        size: seen.size,
        modified: seen.modified,
        artifact: objectArtifact(store, file, seen, `file "${escapeControl(file)}"`, where),
      };
    },
    async has(file, fetching) {
      return (await store.head(file, fetching)) !== undefined;
    },
  };
};
