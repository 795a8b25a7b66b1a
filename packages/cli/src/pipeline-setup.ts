import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipeline, openPipeline, type PreparedPipeline, SecretScrubber } from '@cxarchive/core/host';
import { registerScrubber } from './errors-render.js';

/** The CLI's own installation: first-party plugins resolve from here when the pipeline's directory has none. */
export const CLI_PACKAGE_DIR = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface Setup {
  readonly prepared: PreparedPipeline;
  readonly scrubber: SecretScrubber;
}

/** Load, interpolate, validate and resolve: everything short of running. Throws ConfigError. */
export const setUpPipeline = async (file: string | undefined): Promise<Setup> => {
  const scrubber = new SecretScrubber();
  // A failure that reaches the top level is scrubbed of the secrets this pipeline holds.
  registerScrubber(scrubber);
  const prepared = await openPipeline(() => loadPipeline(file === undefined ? {} : { file }), {
    fallbackFrom: [CLI_PACKAGE_DIR],
    scrubber,
  });
  return { prepared, scrubber };
};
