import type { SimContext } from './context.js';

/**
 * Business Data written through the simulator's Business Data API (D-BD; GEN-BD), kept per running
 * simulator and shown back in Media Playback's `interactions[].dynamicBusinessData[{id,value}]`
 * (GEN-MP). Only fields an administrator defined can be written ("you cannot add new business
 * data fields using this API", D-BD): the defined fields and their types are configuration.
 */
export type BusinessDataType = 'string' | 'number' | 'boolean';

export interface BusinessDataOptions {
  /** The defined fields by name; default `DEFAULT_BUSINESS_DATA_FIELDS`. */
  readonly fields?: Readonly<Record<string, BusinessDataType>>;
  /**
   * Whether the API user holds "Search & Playback > APIs > Update Business Data" (D-BD); default
   * true, false answers 403.
   */
  readonly permitted?: boolean;
}

export const DEFAULT_BUSINESS_DATA_FIELDS: Readonly<Record<string, BusinessDataType>> = Object.freeze({
  archival_status: 'string',
  archive_ref: 'string',
  archive_bytes: 'number',
  archived: 'boolean',
});

export interface ResolvedBusinessDataOptions {
  readonly fields: Readonly<Record<string, BusinessDataType>>;
  readonly permitted: boolean;
}

const DEFAULTS: ResolvedBusinessDataOptions = Object.freeze({
  fields: DEFAULT_BUSINESS_DATA_FIELDS,
  permitted: true,
});

const configured = new Map<string, ResolvedBusinessDataOptions>();

/** Sets the Business Data options of the simulator at `simulatorUrl`; returns a reset function. */
export function configureBusinessData(simulatorUrl: string, options: BusinessDataOptions): () => void {
  for (const [name, type] of Object.entries(options.fields ?? {})) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name) || !['string', 'number', 'boolean'].includes(type)) {
      throw new RangeError(
        `businessData.fields: '${name}' must be a field name with type string, number or boolean`,
      );
    }
  }
  configured.set(simulatorUrl, {
    fields: Object.freeze({ ...(options.fields ?? DEFAULT_BUSINESS_DATA_FIELDS) }),
    permitted: options.permitted ?? true,
  });
  return () => configured.delete(simulatorUrl);
}

export const businessDataOptions = (ctx: SimContext): ResolvedBusinessDataOptions =>
  configured.get(ctx.url) ?? DEFAULTS;

export type BusinessDataValue = string | number | boolean;

/** Written values by master contact id, then field name (insertion order kept). */
const stores = new WeakMap<SimContext, Map<string, Map<string, BusinessDataValue>>>();

const storeOf = (ctx: SimContext) => {
  let store = stores.get(ctx);
  if (store === undefined) {
    store = new Map();
    stores.set(ctx, store);
  }
  return store;
};

/** Writes values onto a master contact's recorded interaction (a later write of a field replaces it). */
export function writeBusinessData(
  ctx: SimContext,
  masterContactId: string,
  values: ReadonlyArray<readonly [string, BusinessDataValue]>,
): void {
  const store = storeOf(ctx);
  let fields = store.get(masterContactId);
  if (fields === undefined) {
    fields = new Map();
    store.set(masterContactId, fields);
  }
  for (const [name, value] of values) fields.set(name, value);
}

/** Media Playback's `dynamicBusinessData` of a master contact: `[{id, value}]`, the field name as id [U]. */
export function dynamicBusinessData(
  ctx: SimContext,
  masterContactId: string,
): { id: string; value: BusinessDataValue }[] {
  const fields = stores.get(ctx)?.get(masterContactId);
  return fields === undefined ? [] : [...fields].map(([id, value]) => ({ id, value }));
}
