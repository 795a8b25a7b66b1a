import {
  err,
  type JsonObject,
  type JsonValue,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import { type CxoneClient, getCustomData, getDisposition, getStateHistory } from '@cxarchive/cxone-api';

/**
 * Optional, read-only details of each contact leg, each one more ACD request per contact
 * (`cxone-acd` budget), from `…/contacts/{contactId}/state-history`, `/disposition` and
 * `/custom-data` (GEN-REP; reference/cxone-api.md §3). They are added to the archived record under
 * `stateHistory`, `disposition` (null when the contact has none) and `customData`, as the API sent
 * them (unknown fields kept).
 */
export type DetailKind = 'stateHistory' | 'disposition' | 'customData';
export const DETAIL_KINDS: readonly DetailKind[] = ['stateHistory', 'disposition', 'customData'];

export interface DetailsOptionsInput {
  readonly details?: readonly DetailKind[];
}

/** The JSON-schema property of the option above (for `configSchema.properties`). */
export const detailsOptionsSchema = {
  details: {
    description:
      'Read-only details added to each archived contact record, each one more ACD API request per ' +
      'contact leg (the cxone-acd budget): "stateHistory" (contactStateHistory: the states the contact ' +
      'went through, with agent, skill and durations), "disposition" (dispositionId, dispositionName, ' +
      'notes; null when none was set) and "customData" ([{name, value}], the data the Studio script set). ' +
      'Empty (the default): none.',
    type: 'array',
    items: { type: 'string', enum: [...DETAIL_KINDS] },
    uniqueItems: true,
    default: [],
  },
};

/** The kinds asked for; an unknown one names the option. */
export const resolveDetails = (
  options: DetailsOptionsInput,
): Result<ReadonlySet<DetailKind>, PluginError> => {
  const kinds = options.details ?? [];
  for (const kind of kinds) {
    if (!DETAIL_KINDS.includes(kind)) {
      return err(
        PluginErrors.invalidInput(
          `unknown detail "${String(kind)}" (known: ${DETAIL_KINDS.map((k) => `"${k}"`).join(', ')})`,
          'details',
        ),
      );
    }
  }
  return ok(new Set(kinds));
};

const asJson = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value ?? null)) as JsonValue;

/** The details asked for of one contact leg, as record fields. */
export const fetchDetails = async (
  kinds: ReadonlySet<DetailKind>,
  ctx: { readonly client: CxoneClient; readonly apiBase: string; readonly version: string },
  contactId: string,
  signal: AbortSignal,
): Promise<Result<JsonObject, PluginError>> => {
  const out: JsonObject = {};
  const c = { ...ctx, signal };
  if (kinds.has('stateHistory')) {
    const states = await getStateHistory(c, contactId);
    if (states.isErr()) return err(states.error);
    out.stateHistory = asJson(states.value);
  }
  if (kinds.has('disposition')) {
    const disposition = await getDisposition(c, contactId);
    if (disposition.isErr()) return err(disposition.error);
    out.disposition = asJson(disposition.value ?? null);
  }
  if (kinds.has('customData')) {
    const data = await getCustomData(c, contactId);
    if (data.isErr()) return err(data.error);
    out.customData = asJson(data.value);
  }
  return ok(out);
};
