import { escapeControl, type LogFields, type Logger, type SecretScrubber } from '@cxarchive/core/host';
import { jsonLine } from './run-json.js';

export type LogFormat = 'text' | 'json';

/**
 * The run's logs on stderr, scrubbed of every known secret; debug only with --verbose.
 * - `text`: `level message {fields}`, prefixed with an ISO timestamp when stderr is not a
 *   terminal (logs kept by a scheduler); control characters shown escaped.
 * - `json`: one JSON object a line, `{"time","level","message",...fields}` (JSON escapes every
 *   control character, run-json.ts).
 */
export const createRunLogger = (
  scrubber: SecretScrubber,
  options: {
    readonly verbose: boolean;
    readonly format: LogFormat;
    readonly stream?: Pick<NodeJS.WriteStream, 'write'> & { readonly isTTY?: boolean };
    readonly now?: () => Date;
  },
): Logger => {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const timestamps = stream.isTTY !== true;
  const write = (level: string, message: string, fields?: LogFields) => {
    const scrubbed = scrubber.scrub(message);
    const extra = fields && Object.keys(fields).length > 0 ? scrubber.scrubValue(fields) : undefined;
    if (options.format === 'json') {
      const entry = { time: now().toISOString(), level, message: scrubbed, ...(extra ?? {}) };
      stream.write(jsonLine(entry));
      return;
    }
    const tail = extra === undefined ? '' : ` ${escapeControl(JSON.stringify(extra))}`;
    const stamp = timestamps ? `${now().toISOString()} ` : '';
    stream.write(`${stamp}${level} ${escapeControl(scrubbed)}${tail}\n`);
  };
  return {
    debug: (m, f) => options.verbose && write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
};
