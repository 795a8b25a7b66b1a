import { definePlugin, PLUGIN_API_VERSION } from '@cxarchive/core';
import { type CxoneSourceOptions, configSchema } from './schema.js';
import { createCxoneSource } from './source.js';

export { CONTACT_FIELDS } from './record.js';
export type { ClientAuth, CxoneSourceOptions, CxoneSourceOptionsInput, MediaKind } from './schema.js';
export { configSchema, DEFAULTS } from './schema.js';
export { createCxoneSource } from './source.js';

export default definePlugin<'source', CxoneSourceOptions>({
  kind: 'source',
  name: 'cxone',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create: (config, context) => createCxoneSource(config, context),
});
