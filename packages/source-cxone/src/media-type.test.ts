import { describe, expect, it } from 'vitest';
import {
  containerOf,
  dispositionFileName,
  mediaTypeOf,
  recordingFormat,
  recordingName,
  urlExtension,
} from './media-type.js';

const headers = (h: Record<string, string>) => new Headers(h);
const EXTENSIONLESS = 'https://media.example/files/0f8fad5b?expires=1&signature=x.wav';

describe('recordingFormat: the type from the response, not the URL', () => {
  it('takes a known Content-Type first, whatever the URL says', () => {
    expect(recordingFormat(headers({ 'content-type': 'audio/mp4' }), 'https://m/f/a.wav')).toEqual({
      extension: 'mp4',
      contentType: 'audio/mp4',
    });
    expect(
      recordingFormat(headers({ 'content-type': 'Audio/X-M4A; charset=binary' }), EXTENSIONLESS),
    ).toEqual({
      extension: 'mp4',
      contentType: 'audio/mp4',
    });
    expect(recordingFormat(headers({ 'content-type': 'audio/x-wav' }), EXTENSIONLESS)).toEqual({
      extension: 'wav',
      contentType: 'audio/wav',
    });
    expect(recordingFormat(headers({ 'content-type': 'audio/mpeg' }), EXTENSIONLESS)).toEqual({
      extension: 'mp3',
      contentType: 'audio/mpeg',
    });
  });

  it('falls back to the Content-Disposition file name for a generic Content-Type', () => {
    const h = headers({
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment; filename="0f8fad5b.mp4"',
    });
    expect(recordingFormat(h, EXTENSIONLESS)).toEqual({ extension: 'mp4', contentType: 'audio/mp4' });
    const star = headers({ 'content-disposition': "attachment; filename*=UTF-8''call%20one.M4A" });
    expect(recordingFormat(star, 'https://m/f/a.wav')).toEqual({
      extension: 'mp4',
      contentType: 'audio/mp4',
    });
  });

  it('recognises the body by its first bytes when the headers name no format, before trusting the URL', () => {
    const generic = headers({ 'content-type': 'application/octet-stream' });
    const mp4 = Buffer.from('\u0000\u0000\u0000\u001cftypM4A ', 'latin1');
    expect(recordingFormat(generic, 'https://m/f/a.wav', mp4)).toEqual({
      extension: 'mp4',
      contentType: 'audio/mp4',
    });
    const wav = Buffer.from('RIFF\u0024\u0000\u0000\u0000WAVEfmt ', 'latin1');
    expect(recordingFormat(generic, EXTENSIONLESS, wav)).toEqual({
      extension: 'wav',
      contentType: 'audio/wav',
    });
    expect(recordingFormat(generic, EXTENSIONLESS, Buffer.from('ID3\u0004', 'latin1'))).toEqual({
      extension: 'mp3',
      contentType: 'audio/mpeg',
    });
    // A Content-Type that names a format wins over the bytes (the download then checks they agree).
    expect(recordingFormat(headers({ 'content-type': 'audio/wav' }), EXTENSIONLESS, mp4).extension).toBe(
      'wav',
    );
  });

  it('uses the URL extension only when the response names no format, and bin when nothing does', () => {
    expect(
      recordingFormat(headers({ 'content-type': 'application/octet-stream' }), 'https://m/f/a.WAV?x=1'),
    ).toEqual({
      extension: 'wav',
      contentType: 'audio/wav',
    });
    expect(recordingFormat(headers({}), EXTENSIONLESS)).toEqual({ extension: 'bin' });
    // A specific type the plugin does not know is kept as the server gave it.
    expect(recordingFormat(headers({ 'content-type': 'audio/amr' }), EXTENSIONLESS)).toEqual({
      extension: 'bin',
      contentType: 'audio/amr',
    });
  });
});

describe('header parsing', () => {
  it('reads a media type without parameters, refusing junk', () => {
    expect(mediaTypeOf('audio/MP4; codecs="mp4a.40.2"')).toBe('audio/mp4');
    expect(mediaTypeOf('not a type')).toBeUndefined();
    expect(mediaTypeOf(null)).toBeUndefined();
  });

  it('reads Content-Disposition file names, quoted, plain and RFC 5987', () => {
    expect(dispositionFileName('attachment; filename="a \\"b\\".mp4"')).toBe('a "b".mp4');
    expect(dispositionFileName('inline; filename=rec.wav')).toBe('rec.wav');
    expect(dispositionFileName("attachment; filename=x.bin; filename*=UTF-8''r%C3%A9c.mp4")).toBe('réc.mp4');
    expect(dispositionFileName('attachment')).toBeUndefined();
  });

  it('takes a URL extension from the path only, confined to [a-z0-9]', () => {
    expect(urlExtension('https://m.example/files/abc.WAV?expires=1&signature=x.mp3')).toBe('wav');
    expect(urlExtension('https://m.example/files.d/abc')).toBeUndefined();
    expect(urlExtension('https://m.example/files/abc.w%2Fv')).toBeUndefined();
    expect(urlExtension('not a url')).toBeUndefined();
  });

  it('knows which types promise a container the download must then have', () => {
    expect(containerOf('audio/mp4')).toBe('mp4');
    expect(containerOf('audio/wav')).toBe('wav');
    expect(containerOf('audio/mpeg')).toBeUndefined();
    expect(containerOf(undefined)).toBeUndefined();
  });

  it('numbers further recordings from 2', () => {
    expect(recordingName(0, 'mp4')).toBe('recording.mp4');
    expect(recordingName(1, 'mp4')).toBe('recording-2.mp4');
    expect(recordingName(2, 'wav')).toBe('recording-3.wav');
  });
});
