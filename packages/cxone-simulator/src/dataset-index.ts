import type { DatasetIndex } from './context.js';
import { compareContactIds, type Dataset, type SimContact, type SimRecording } from './dataset.js';

export function indexDataset(dataset: Dataset): DatasetIndex {
  const byLastUpdate = dataset.contacts
    .map((contact) => ({ ms: Date.parse(contact.lastUpdateTime), contact }))
    .sort((a, b) => a.ms - b.ms || compareContactIds(a.contact.contactId, b.contact.contactId));
  const legsByMaster = new Map<string, SimContact[]>();
  for (const contact of dataset.contacts) {
    const legs = legsByMaster.get(contact.masterContactId);
    if (legs === undefined) legsByMaster.set(contact.masterContactId, [contact]);
    else legs.push(contact);
  }
  for (const legs of legsByMaster.values()) legs.sort((a, b) => compareContactIds(a.contactId, b.contactId));
  const masters = [...legsByMaster.keys()].sort(compareContactIds);
  const masterPosition = new Map(masters.map((id, position) => [id, position]));
  const recordingsById = new Map<string, SimRecording>();
  for (const recording of dataset.recordings.values()) recordingsById.set(recording.id, recording);
  const byId = new Map(dataset.contacts.map((contact) => [contact.contactId, contact]));
  return { byLastUpdate, byId, legsByMaster, masterPosition, recordingsById };
}
