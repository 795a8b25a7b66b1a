import { describe, expect, it } from 'vitest';
import { mapParticipant, parsePlayback, playbackUrl, uniqueParticipants } from './media-playback.js';

const interaction = (fileToPlayUrl: string | null, participants: unknown[] = []) => ({
  mediaType: 'voice-only',
  channelType: 'Voice',
  startTime: '2026-10-02T09:15:00Z',
  endTime: '2026-10-02T09:20:00Z',
  '@type': 'call',
  data: {
    startTime: '2026-10-02T09:15:00Z',
    endTime: '2026-10-02T09:20:00Z',
    fileToPlayUrl,
    participantDataList: participants,
  },
});

const agent = {
  participantType: 'AGENT',
  agentName: 'Ada Lovelace',
  userId: 'u-1',
  participantId: 'p-1',
  segmentId: 's-1',
  channel: 'Voice',
  phoneNumber: '+15551230000',
  voiceStages: [],
};
const customer = { participantType: 'CUSTOMER', participantId: 'p-2', ani: '+15559870000' };

describe('parsePlayback', () => {
  it('reads `interactions`', () => {
    const parsed = parsePlayback({
      contactId: 'uuid',
      interactions: [interaction('https://m.example/f/1.wav?sig=1', [agent, customer])],
    });
    expect(parsed).toEqual([
      {
        fileToPlayUrl: 'https://m.example/f/1.wav?sig=1',
        startTime: '2026-10-02T09:15:00Z',
        endTime: '2026-10-02T09:20:00Z',
        participants: [
          { participantType: 'AGENT', agentName: 'Ada Lovelace', userId: 'u-1', participantId: 'p-1' },
          { participantType: 'CUSTOMER', participantId: 'p-2' },
        ],
      },
    ]);
  });

  it('reads `Interactions` (capital I) the same way', () => {
    const lower = parsePlayback({ interactions: [interaction('https://m.example/a.wav')] });
    const upper = parsePlayback({ Interactions: [interaction('https://m.example/a.wav')] });
    expect(upper).toEqual(lower);
    expect(upper).toHaveLength(1);
  });

  it('unwraps the help-page sample shape {value: {Interactions: [{Interaction: …}]}}', () => {
    const parsed = parsePlayback({
      value: { contactId: 'uuid', Interactions: [{ Interaction: interaction('https://m.example/b.mp3') }] },
    });
    expect(parsed?.[0]?.fileToPlayUrl).toBe('https://m.example/b.mp3');
  });

  it('keeps interactions without a media URL (no recording) and returns undefined without an array', () => {
    expect(parsePlayback({ interactions: [interaction(null)] })).toEqual([
      { startTime: '2026-10-02T09:15:00Z', endTime: '2026-10-02T09:20:00Z', participants: [] },
    ]);
    expect(parsePlayback({ contactId: 'x' })).toBeUndefined();
    expect(parsePlayback({ interactions: 'nope' })).toBeUndefined();
  });
});

describe('participants', () => {
  it('keep role, name and ids only: no phone numbers', () => {
    const p = mapParticipant({ ...agent, userId: 42 });
    expect(p).toEqual({
      participantType: 'AGENT',
      agentName: 'Ada Lovelace',
      userId: '42',
      participantId: 'p-1',
    });
    expect(JSON.stringify(p)).not.toContain('+1555');
  });

  it('are listed once across interactions', () => {
    const parsed = parsePlayback({
      interactions: [
        interaction('https://m/1.wav', [agent, customer]),
        interaction('https://m/2.wav', [agent]),
      ],
    });
    expect(uniqueParticipants(parsed ?? [])).toHaveLength(2);
  });
});

describe('the playback request', () => {
  it('builds the playback query of the real API', () => {
    expect(playbackUrl('https://api-na1.niceincontact.com', '702100000123')).toBe(
      'https://api-na1.niceincontact.com/media-playback/v1/contacts?acd-call-id=702100000123&media-type=voice-only&exclude-waveforms=true&exclude-qm-categories=true&isDownload=false',
    );
  });
});
