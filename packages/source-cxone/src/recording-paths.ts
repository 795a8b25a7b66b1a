import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';

/**
 * The options that choose how voice recordings are found and fetched, for high-volume tenants:
 * their schema (spread into `configSchema.properties`) and their resolution (settings.ts).
 * - `recordingCheck`: whether a Data Extraction job says which contacts of a day have recordings
 *   before Media Playback is asked (data-extraction-days.ts);
 * - `recordings`: Media Playback per contact, or media-download requests per listing page
 *   (bulk-jobs.ts, bulk-recording.ts).
 */
export type RecordingCheck = 'mediaPlayback' | 'dataExtraction';
export type RecordingsMode = 'playback' | 'bulk';

export const RECORDING_PATH_DEFAULTS = {
  recordingCheck: 'mediaPlayback',
  recordings: 'playback',
  bulkBatchSize: 100,
} as const;

/** The most entity ids one media-download request carries (GEN-MD publishes no cap [U]; 100 chosen). */
export const MAX_BULK_BATCH = 100;

export interface RecordingPathsInput {
  readonly recordingCheck?: RecordingCheck;
  readonly recordings?: RecordingsMode;
  readonly bulkBatchSize?: number;
}

export interface RecordingPathSettings {
  readonly recordingCheck: RecordingCheck;
  readonly recordings: RecordingsMode;
  readonly bulkBatchSize: number;
}

export const recordingPathsSchema = {
  recordingCheck: {
    description:
      'How a voice master contact is known to have a recording before it is fetched. "mediaPlayback": ' +
      'ask Media Playback for every contact (one request of its 150 / 5 min budget each). ' +
      '"dataExtraction": once per UTC day (after the day ended + recordingLag), run a Data Extraction job ' +
      '(recording-interaction-metadata, 1 call / 30 s) that lists the contacts with recordings; contacts ' +
      'it does not list are archived without a recording at recordingHorizon, with no Media Playback ' +
      'request. A contact waits (awaiting) while its day\'s job runs. Needs the permission "Search & ' +
      'Playback > APIs > Extract Interaction Metadata".',
    type: 'string',
    enum: ['mediaPlayback', 'dataExtraction'],
    default: RECORDING_PATH_DEFAULTS.recordingCheck,
  },
  recordings: {
    description:
      'How voice recordings are fetched. "playback": one Media Playback lookup per voice master ' +
      '(150 / 5 min caps a tenant at about 43,000 a day). "bulk": one media-download request per listing ' +
      'page (up to bulkBatchSize voice masters), polled until CXone has packed the recordings, each read ' +
      "out of the request's archive by byte ranges; a contact the request could not deliver falls back " +
      'to Media Playback.',
    type: 'string',
    enum: ['playback', 'bulk'],
    default: RECORDING_PATH_DEFAULTS.recordings,
  },
  bulkBatchSize: {
    description: `With recordings: bulk, the most voice masters one media-download request asks for (1–${MAX_BULK_BATCH}); a listing page with more is split.`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_BULK_BATCH,
    default: RECORDING_PATH_DEFAULTS.bulkBatchSize,
  },
};

/** The options above, checked (a direct create() call skips core's schema validation). */
export const resolveRecordingPaths = (o: RecordingPathsInput): Result<RecordingPathSettings, PluginError> => {
  const recordingCheck = o.recordingCheck ?? RECORDING_PATH_DEFAULTS.recordingCheck;
  if (recordingCheck !== 'mediaPlayback' && recordingCheck !== 'dataExtraction') {
    return err(
      PluginErrors.invalidInput(
        `recordingCheck must be "mediaPlayback" or "dataExtraction", got ${JSON.stringify(recordingCheck)}`,
        'recordingCheck',
      ),
    );
  }
  const recordings = o.recordings ?? RECORDING_PATH_DEFAULTS.recordings;
  if (recordings !== 'playback' && recordings !== 'bulk') {
    return err(
      PluginErrors.invalidInput(
        `recordings must be "playback" or "bulk", got ${JSON.stringify(recordings)}`,
        'recordings',
      ),
    );
  }
  const bulkBatchSize = o.bulkBatchSize ?? RECORDING_PATH_DEFAULTS.bulkBatchSize;
  if (!Number.isInteger(bulkBatchSize) || bulkBatchSize < 1 || bulkBatchSize > MAX_BULK_BATCH) {
    return err(
      PluginErrors.invalidInput(
        `bulkBatchSize must be an integer between 1 and ${MAX_BULK_BATCH}`,
        'bulkBatchSize',
      ),
    );
  }
  return ok({ recordingCheck, recordings, bulkBatchSize });
};
