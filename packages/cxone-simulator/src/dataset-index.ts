import type { DatasetIndex } from './context.js';
import type { Dataset, SimContact, SimRecording } from './dataset.js';
import { LazyMap, lazyList } from './lazy.js';

/** Positions of the data set in (lastUpdateTime, contactId) order, sorted once on first use. */
function byLastUpdateOrder(dataset: Dataset): Uint32Array {
  const times = new Float64Array(dataset.size);
  for (let position = 0; position < dataset.size; position++) {
    times[position] = Date.parse(dataset.contactAt(position).lastUpdateTime);
  }
  const order = new Uint32Array(dataset.size);
  for (let position = 0; position < order.length; position++) order[position] = position;
  // Positions are in contactId order, so ties on time fall back to the position.
  return order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
}

/**
 * Lookups over the data set without materialising it: each answer is computed from the data set's
 * random access. Only `byLastUpdate` keeps something (a 4-byte position per contact), built the
 * first time it is read.
 */
export function indexDataset(dataset: Dataset): DatasetIndex {
  let order: Uint32Array | undefined;
  const positionAt = (rank: number): number => {
    order ??= byLastUpdateOrder(dataset);
    return order[rank] as number;
  };
  function* masterIds(): Generator<string> {
    for (const contact of dataset.contacts)
      if (contact.contactId === contact.masterContactId) yield contact.contactId;
  }
  return {
    byLastUpdate: lazyList(dataset.size, (rank) => {
      const contact = dataset.contactAt(positionAt(rank));
      return { ms: Date.parse(contact.lastUpdateTime), contact };
    }),
    byId: new LazyMap<string, SimContact>({
      get: (contactId) => {
        const position = dataset.indexOf(contactId);
        return position === undefined ? undefined : dataset.contactAt(position);
      },
      keys: () => dataset.contacts.map((contact) => contact.contactId),
      size: () => dataset.size,
    }),
    legsByMaster: new LazyMap<string, readonly SimContact[]>({
      get: (masterContactId) => dataset.legsOf(masterContactId),
      keys: masterIds,
    }),
    masterPosition: new LazyMap<string, number>({
      get: (masterContactId) => dataset.masterPositionOf(masterContactId),
      keys: masterIds,
    }),
    recordingsById: new LazyMap<string, SimRecording>({
      get: (recordingId) => dataset.recordingById(recordingId),
      keys: function* () {
        for (const recording of dataset.recordings.values()) yield recording.id;
      },
    }),
  };
}
