import { statSync } from 'node:fs';
import path from 'node:path';
import { escapeControl } from '@cxarchive/core/host';
import { CLI_PACKAGE_DIR } from './pipeline-setup.js';
import type { PluginPlace } from './plugins-discover.js';

/**
 * Where plugins resolve from for a tenant directory (or a pipeline file in it), as a run resolves
 * them: the directory first, then the CLI's installation. A path that does not exist is a problem.
 */
export const pluginPlaces = (
  given: string | undefined,
): { readonly places: PluginPlace[] } | { readonly problem: string } => {
  const target = path.resolve(given ?? '.');
  let dir: string;
  try {
    dir = statSync(target).isDirectory() ? target : path.dirname(target);
  } catch {
    return {
      problem: `${escapeControl(target)} does not exist: give a tenant directory or its pipeline file`,
    };
  }
  return {
    places: [
      { dir, origin: 'tenant' },
      { dir: CLI_PACKAGE_DIR, origin: 'cli' },
    ],
  };
};
