import type { ItemObject } from '../ledger/ledger.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import type { ArchiveAccess } from './archive-access.js';
import type { ReadFailure } from './read-object.js';

/** Why reading an object from a sink failed, in words. */
export const describeFailure = (failure: ReadFailure, sink: SinkTarget, key: string): string => {
  switch (failure.stage) {
    case 'missing':
      return `${sink.label} has no object at ${key} (${failure.error.message})`;
    case 'get':
      return `${sink.label} could not be read: [${failure.error._tag}] ${failure.error.message}`;
    case 'transfer':
      return `the transfer from ${sink.label} broke off: ${failure.error.message}`;
    case 'decode':
      return `the object at ${key} on ${sink.label} does not decode under the expected context: ${failure.error.message}`;
    case 'output':
      return failure.error.message;
  }
};

/** The sinks to read one object from, in the pipeline's order; why none when there are none. */
export const holdersOf = (
  access: ArchiveAccess,
  copies: readonly ItemObject[],
  only: SinkTarget | undefined,
): { holders: { sink: SinkTarget; object: ItemObject }[]; none?: string } => {
  const holders = access.sinks.flatMap((sink) => {
    const object = copies.find((c) => c.sink === sink.label);
    return object && (!only || only.label === sink.label) ? [{ sink, object }] : [];
  });
  if (holders.length > 0) return { holders };
  const recorded = copies.map((c) => c.sink).join(', ');
  return {
    holders,
    none: only
      ? `${only.label} holds no copy according to the ledger (it is recorded on ${recorded})`
      : `no sink of this pipeline holds it according to the ledger (it is recorded on ${recorded})`,
  };
};
