import { definePlugin, PLUGIN_API_VERSION } from '@cxarchive/core';
import { CXONE_BUDGETS } from '@cxarchive/cxone-api';
import { cxoneCheck } from './check.js';
import { type CxoneSourceOptions, configSchema } from './schema.js';
import { createCxoneSource } from './source.js';

export { CONTACT_FIELDS } from './record.js';
export type {
  ClientAuth,
  CxoneSourceOptions,
  CxoneSourceOptionsInput,
  MediaKind,
  RecordingCheck,
  RecordingsMode,
} from './schema.js';
export { configSchema, DEFAULTS } from './schema.js';
export { createCxoneSource } from './source.js';

export default definePlugin<'source', CxoneSourceOptions>({
  kind: 'source',
  name: 'cxone',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  // The API families the source calls, with CXone's defaults (see CXONE_BUDGETS for the sources):
  // Media Playback 150 requests / 5 min is documented by NICE; the ACD reporting API and the auth
  // server have no documented limit, so their budgets are this project's conservative choices.
  // Business Data (write-back) follows a staging copy of NICE's page: 1 call per 30 s. Data
  // Extraction (recordingCheck: dataExtraction) is documented at 1 call per 30 s; media-download
  // (recordings: bulk) has no published limit: 60 a minute is this project's choice.
  // A pipeline's `budgets:` block overrides any of them.
  budgets: [
    CXONE_BUDGETS['media-playback'],
    CXONE_BUDGETS['cxone-acd'],
    CXONE_BUDGETS['cxone-auth'],
    CXONE_BUDGETS['business-data'],
    CXONE_BUDGETS['data-extraction'],
    CXONE_BUDGETS['media-download'],
  ],
  create: (config, context) =>
    createCxoneSource(config, context).map((source) => ({ ...source, check: cxoneCheck(config, context) })),
});
