import {
  definePlugin,
  err,
  type Notifier,
  ok,
  PLUGIN_API_VERSION,
  type PluginError,
  type Result,
} from '@cxarchive/core';
import { createWebhookNotifier } from './notifier.js';
import { resolveOptions } from './options.js';
import { configSchema, type WebhookNotifierOptions } from './schema.js';

export {
  type AddressCategory,
  categoryOf,
  createAddressPolicy,
  embeddedIpv4,
  parseCidr,
} from './address-policy.js';
export { guardedLookup, RefusedAddressError, type Resolver, systemResolver } from './guarded-lookup.js';
export { createWebhookListener, type ReceivedWebhook, type WebhookListenerOptions } from './listener.js';
export { createWebhookNotifier, type WebhookNotifierDeps } from './notifier.js';
export { type ResolvedWebhookOptions, resolveOptions, type WebhookOptionsInput } from './options.js';
export { thinEvent } from './payload.js';
export { configSchema, DEFAULTS, type WebhookNotifierOptions } from './schema.js';
export { createReplayGuard, type ReplayGuard, type VerifiedWebhook, verifyWebhook } from './verify.js';

export default definePlugin<'notifier', WebhookNotifierOptions>({
  kind: 'notifier',
  name: 'webhook',
  apiVersion: PLUGIN_API_VERSION,
  configSchema,
  create(config, context): Result<Notifier, PluginError> {
    const resolved = resolveOptions(config, context.baseDir);
    if (resolved.isErr()) return err(resolved.error);
    return ok(
      createWebhookNotifier(resolved.value, {
        label: context.label,
        logger: context.logger,
        now: () => context.now(),
      }),
    );
  },
});
