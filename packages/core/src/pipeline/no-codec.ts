import { errAsync } from 'neverthrow';
import { definePlugin, PLUGIN_API_VERSION } from '../plugin/define-plugin.js';
import { PluginErrors } from '../plugin/errors.js';
import type { PreparedPlugin } from './prepare-pipeline.js';

/**
 * The codec of a pipeline that has none (`flow: attach`: files are sent, nothing is stored): it
 * refuses to encode or decode, so no code path can store or read an object through it unnoticed.
 */
export const NO_CODEC: PreparedPlugin<'codec'> = {
  kind: 'codec',
  label: 'codec',
  use: 'none',
  packageName: '@cxarchive/core',
  version: '0.0.0',
  config: {},
  definition: definePlugin({
    kind: 'codec',
    name: 'none',
    apiVersion: PLUGIN_API_VERSION,
    configSchema: { type: 'object', additionalProperties: false },
    create: () => {
      const refuse = () =>
        errAsync(PluginErrors.permanent('this pipeline has no codec (flow: attach stores no objects)'));
      return {
        isOk: () => true,
        isErr: () => false,
        value: { extension: '', encode: refuse, decode: refuse },
      } as never;
    },
  }),
};
