import { definePlugin, PLUGIN_API_VERSION } from '@cxarchive/core';
import { CXONE_BUDGETS } from '@cxarchive/cxone-api';
import { configSchema, type DfoSinkOptions } from './schema.js';
import { createDfoSink } from './sink.js';

export { confirmAttachment } from './confirm.js';
export { expiredUpload, isExpiredUpload, isRefusedAttachmentUrl } from './errors.js';
export { configSchema, DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULTS, type DfoSinkOptions } from './schema.js';
export { type DfoSentAttachment, externalMessageId, sendAttachment } from './send.js';
export { type DfoSinkSettings, resolveSettings } from './settings.js';
export { createDfoSink, type DfoSink, type DfoSinkDependencies } from './sink.js';
export { uploadAttachment } from './upload.js';

export default definePlugin<'sink', DfoSinkOptions>({
  kind: 'sink',
  name: 'cxone-dfo',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  // The API families the sink calls, with CXone's defaults (see CXONE_BUDGETS for the sources). NICE
  // publishes no rate limit for the digital (DFO 3.0) API nor for the auth server (reference/cxone-api.md
  // §7: the documented limits are Media Playback's and Data Extraction's only), so both are this
  // project's conservative choices. A pipeline's `budgets:` block overrides them.
  budgets: [CXONE_BUDGETS.dfo, CXONE_BUDGETS['cxone-auth']],
  create: (config, context) => createDfoSink(config, context),
});
