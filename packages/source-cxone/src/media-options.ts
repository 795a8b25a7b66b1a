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
 * Options of the recording download that are not in schema.ts yet. Wiring (two lines):
 * - schema.ts, inside `configSchema.properties`: `...mediaOptionsSchema,`
 * - settings.ts, in the returned Settings: `recordingHorizonMs` from `resolveRecordingHorizon(o)`.
 * Until then every contact gets the default horizon (recordingHorizonMsOf).
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

/** The resolved horizon of a settings object, or the default while the option is not wired. */
export const recordingHorizonMsOf = (settings: object): number => {
  const value = (settings as { readonly recordingHorizonMs?: unknown }).recordingHorizonMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? value
    : parseDuration(MEDIA_DEFAULTS.recordingHorizon);
};
