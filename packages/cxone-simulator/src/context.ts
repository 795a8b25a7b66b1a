import type { Dataset, SimContact, SimRecording } from './dataset.js';
import type { ResolvedSimulatorOptions } from './options.js';

/** Everything a route needs, fixed for the lifetime of one running simulator. */
export interface SimContext {
  readonly options: ResolvedSimulatorOptions;
  /** Base URL, e.g. 'http://127.0.0.1:43123': issuer and API endpoint at once. */
  readonly url: string;
  /** Base URL of the media origin (signed media file URLs), another port than `url`. */
  readonly mediaUrl?: string;
  readonly dataset: Dataset;
  /** Private key of the simulator: signs tokens and media URLs. */
  readonly secret: Buffer;
  readonly index: DatasetIndex;
  /** Current simulator time in milliseconds. */
  nowMs(): number;
}

/** Lookup structures over the data set, built once at start. */
export interface DatasetIndex {
  /** Contacts ordered by lastUpdateTime, then contactId, with the parsed time beside each. */
  readonly byLastUpdate: readonly { readonly ms: number; readonly contact: SimContact }[];
  /** Every contact leg by its contactId. */
  readonly byId: ReadonlyMap<string, SimContact>;
  /** Legs of each master contact, in contactId order. */
  readonly legsByMaster: ReadonlyMap<string, readonly SimContact[]>;
  /** Position of each master contact in contactId order (0-based). */
  readonly masterPosition: ReadonlyMap<string, number>;
  readonly recordingsById: ReadonlyMap<string, SimRecording>;
}
