import {
  err,
  type Outcome,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  type StoredObject,
} from '@cxarchive/core';
import { type BusinessDataValue, type CxoneClient, putBusinessData } from '@cxarchive/cxone-api';

/**
 * Write-back (opt-in): once an item is committed archived, the runtime acknowledges it, and the
 * source writes the archive's reference back to CXone, as a mirror of the ledger (never its
 * replacement). For a recorded contact (one archived with a recording) that is the Business Data API,
 * `PUT {api}/business-data-manager/v1/business-data/contact/{acdContactId}` (D-BD; GEN-BD;
 * reference/cxone-fidelity.md §4(c)): only fields an administrator defined can be written, the
 * interaction must be closed, and the API user needs "Search & Playback > APIs > Update Business Data".
 * The values come back in Media Playback's `dynamicBusinessData`.
 *
 * Digital contacts are not written back: DFO custom fields (`PUT /dfo/3.0/contacts/{n}/custom-fields`)
 * are keyed by the DFO case number, and no public API maps a completed ACD contact to its case.
 */

/** A template value: text with `{contactId}`, `{objectKey}`, `{sha256}`, `{objects}`; or a number or boolean. */
export type WriteBackValue = string | number | boolean;

export interface WriteBackOptionsInput {
  readonly writeBack?: {
    readonly businessData?: { readonly fields: Readonly<Record<string, WriteBackValue>> };
  };
}

export interface WriteBackSettings {
  readonly businessData?: { readonly fields: Readonly<Record<string, WriteBackValue>> };
}

const VARIABLES = ['contactId', 'objectKey', 'sha256', 'objects'] as const;
type Variable = (typeof VARIABLES)[number];

/** The JSON-schema property of the option above (for `configSchema.properties`). */
export const writeBackOptionsSchema = {
  writeBack: {
    description:
      'Write the archive reference back to CXone once a contact is archived (best effort, after the ' +
      'ledger commit, retried by later runs, rate-limited by the business-data budget: by default 1 ' +
      'call per 30 s). Absent: nothing is written.',
    type: 'object',
    additionalProperties: false,
    properties: {
      businessData: {
        description:
          'Business Data API fields written on each contact archived with a recording (PUT ' +
          'business-data-manager/v1/business-data/contact/{contactId}). The fields must already exist ' +
          '(an administrator defines them; the API cannot add fields), and the API user needs the ' +
          'permission "Search & Playback > APIs > Update Business Data".',
        type: 'object',
        additionalProperties: false,
        required: ['fields'],
        properties: {
          fields: {
            description:
              'Field name → value. A text value may use {contactId}, {objectKey} (the key of contact.json ' +
              'in the archive), {sha256} (of that stored object) and {objects} (how many objects the ' +
              'contact has in the archive), e.g. { archival_status: ARCHIVED, archive_ref: "{objectKey}" }.',
            type: 'object',
            minProperties: 1,
            additionalProperties: { type: ['string', 'number', 'boolean'] },
          },
        },
      },
    },
  },
};

const TEMPLATE = /\{([^{}]*)\}/g;

/** Checks the templates: every `{name}` is a known variable. */
export const resolveWriteBack = (options: WriteBackOptionsInput): Result<WriteBackSettings, PluginError> => {
  const fields = options.writeBack?.businessData?.fields;
  if (fields === undefined) return ok({});
  const entries = Object.entries(fields);
  if (entries.length === 0)
    return err(PluginErrors.invalidInput('writeBack.businessData.fields lists no field', 'writeBack'));
  for (const [name, value] of entries) {
    if (typeof value === 'number' && !Number.isFinite(value))
      return err(PluginErrors.invalidInput(`writeBack.businessData.fields.${name} is not a finite number`));
    if (typeof value !== 'string') continue;
    for (const [, variable] of value.matchAll(TEMPLATE)) {
      if (!(VARIABLES as readonly string[]).includes(variable ?? ''))
        return err(
          PluginErrors.invalidInput(
            `writeBack.businessData.fields.${name}: unknown variable {${variable}} (known: ${VARIABLES.map((v) => `{${v}}`).join(', ')})`,
            'writeBack',
          ),
        );
    }
  }
  return ok({ businessData: { fields } });
};

const RECORD_ARTIFACT = 'contact.json';

/** The values to write for an archived contact, its templates filled in from the outcome. */
export const businessDataValues = (
  fields: Readonly<Record<string, WriteBackValue>>,
  contactId: string,
  objects: readonly StoredObject[],
): Record<string, BusinessDataValue> => {
  const record = objects.find((o) => o.artifact === RECORD_ARTIFACT);
  const vars: Record<Variable, string> = {
    contactId,
    objectKey: record?.key ?? '',
    sha256: record?.sha256 ?? '',
    objects: String(new Set(objects.map((o) => o.artifact)).size),
  };
  const out: Record<string, BusinessDataValue> = {};
  for (const [name, value] of Object.entries(fields))
    out[name] =
      typeof value === 'string'
        ? value.replace(TEMPLATE, (_, variable: string) => vars[variable as Variable] ?? '')
        : value;
  return out;
};

/** A contact archived with a recording: its objects include one. */
const hasRecording = (objects: readonly StoredObject[]): boolean =>
  objects.some((o) => /^recording(-\d+)?\./.test(o.artifact));

/**
 * The source's `acknowledge`: writes the Business Data fields of a contact archived with a
 * recording; anything else has nothing to write. Errors are the API's, classified (a field that is
 * not defined is a 400: refused for good; throttling and 5xx: a later run writes it).
 */
export const writeBackAcknowledge =
  (settings: WriteBackSettings, client: CxoneClient) =>
  async (contactId: string, outcome: Outcome, signal: AbortSignal): Promise<Result<void, PluginError>> => {
    const fields = settings.businessData?.fields;
    if (fields === undefined || outcome.status !== 'archived' || !hasRecording(outcome.objects))
      return ok(undefined);
    const base = await client.apiBase(signal);
    if (base.isErr()) return err(base.error);
    return putBusinessData(
      client,
      base.value,
      { contactId },
      businessDataValues(fields, contactId, outcome.objects),
      signal,
    );
  };
