import { definePlugin, PLUGIN_API_VERSION } from '@cxarchive/core';
import { AUTH_BUDGET, DFO_BUDGET } from './budgets.js';
import { configSchema, type DfoSinkOptions } from './schema.js';
import { createDfoSink } from './sink.js';

export { AUTH_BUDGET, DFO_BUDGET } from './budgets.js';
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
  // The API families the sink calls: CXone's documented digital API limits (budgets.ts cites them)
  // and the auth server's conservative default. A pipeline's `budgets:` block overrides them.
  budgets: [DFO_BUDGET, AUTH_BUDGET],
  create: (config, context) => createDfoSink(config, context),
});
