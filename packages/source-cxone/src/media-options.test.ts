import { describe, expect, it } from 'vitest';
import { MEDIA_DEFAULTS, mediaOptionsSchema, resolveRecordingHorizon } from './media-options.js';

describe('recordingHorizon', () => {
  it('defaults to 24 h, documented in its schema', () => {
    expect(resolveRecordingHorizon({})._unsafeUnwrap()).toBe(24 * 3_600_000);
    expect(mediaOptionsSchema.recordingHorizon.default).toBe(MEDIA_DEFAULTS.recordingHorizon);
    expect(mediaOptionsSchema.recordingHorizon.description).toMatch(/awaiting/);
  });

  it('parses a duration and names the option when it cannot', () => {
    expect(resolveRecordingHorizon({ recordingHorizon: '3d' })._unsafeUnwrap()).toBe(3 * 86_400_000);
    expect(resolveRecordingHorizon({ recordingHorizon: 'soon' })._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'recordingHorizon',
    });
  });
});
