import type { LogFields, Logger, SecretScrubber } from '@cxarchive/core/host';

/** Log lines on stderr, scrubbed of every known secret; debug only with --verbose. */
export const createCliLogger = (scrubber: SecretScrubber, verbose: boolean): Logger => {
  const write = (level: string, message: string, fields?: LogFields) => {
    const extra =
      fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(scrubber.scrubValue(fields))}` : '';
    process.stderr.write(`${level} ${scrubber.scrub(message)}${extra}\n`);
  };
  return {
    debug: (m, f) => verbose && write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
};
