import { escapeControl, type LogFields, type Logger, type SecretScrubber } from '@cxarchive/core/host';

/**
 * Log lines on stderr, `level message {fields}`, scrubbed of every known secret; debug only with
 * --verbose. Messages and fields carry outside data (item ids, server messages), so control
 * characters in them are shown escaped: a value cannot forge a line or drive the terminal.
 */
export const createCliLogger = (
  scrubber: SecretScrubber,
  verbose: boolean,
  stream: Pick<NodeJS.WritableStream, 'write'> = process.stderr,
): Logger => {
  const write = (level: string, message: string, fields?: LogFields) => {
    // JSON escapes C0 controls (`\n`, `\u001b`); escapeControl then takes DEL, C1, the line
    // separators and bidi overrides, which JSON leaves raw.
    const extra =
      fields && Object.keys(fields).length > 0
        ? ` ${escapeControl(JSON.stringify(scrubber.scrubValue(fields)))}`
        : '';
    stream.write(`${level} ${escapeControl(scrubber.scrub(message))}${extra}\n`);
  };
  return {
    debug: (m, f) => verbose && write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
};
