import {
  durationSchema,
  err,
  ok,
  type PluginError,
  PluginErrors,
  parseDuration,
  type Result,
} from '@cxarchive/core';

/**
 * Options of the recording download: their schema (spread into `configSchema.properties`) and
 * their resolution (settings.ts).
 */
export const MEDIA_DEFAULTS = { recordingHorizon: '24h' } as const;

export interface MediaOptionsInput {
  readonly recordingHorizon?: string;
}

/** The JSON-schema properties of the options above (for `configSchema.properties`). */
export const mediaOptionsSchema = {
  recordingHorizon: durationSchema(
    'How long after a voice contact ends Media Playback may still answer "no recording" (404) before ' +
      'the contact is archived without one. Until then the contact stays awaiting and later runs look ' +
      'again (first after recordingLag, then at growing intervals); after it, the archived record says ' +
      'why it has no recording (recordingAbsence).',
    MEDIA_DEFAULTS.recordingHorizon,
  ),
};

/** The horizon in milliseconds; an invalid duration names the option. */
export const resolveRecordingHorizon = (options: MediaOptionsInput): Result<number, PluginError> => {
  const raw = options.recordingHorizon ?? MEDIA_DEFAULTS.recordingHorizon;
  try {
    const ms = parseDuration(raw);
    return ms < 0
      ? err(PluginErrors.invalidInput('recordingHorizon must not be negative', 'recordingHorizon'))
      : ok(ms);
  } catch (cause) {
    return err(
      PluginErrors.invalidInput(`recordingHorizon: ${(cause as Error).message}`, 'recordingHorizon'),
    );
  }
};
