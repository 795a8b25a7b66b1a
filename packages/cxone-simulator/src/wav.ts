import type { Readable } from 'node:stream';
import { BYTES_PER_SECOND, type Dataset, type SimRecording, WAV_HEADER_BYTES } from './dataset.js';
import { mp4Recording } from './mp4.js';
import { CHUNK_BYTES, sampleStream } from './samples.js';

export { CHUNK_BYTES };

/** WAVE_FORMAT_MULAW */
const FORMAT_MULAW = 7;
/** The 44-byte RIFF/WAVE header of an 8 kHz mono 8-bit μ-law file holding `dataBytes` bytes of samples. */
export function wavHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(FORMAT_MULAW, 20);
  header.writeUInt16LE(1, 22); // channels
  header.writeUInt32LE(BYTES_PER_SECOND, 24); // sample rate
  header.writeUInt32LE(BYTES_PER_SECOND, 28); // byte rate
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** The WAV bytes of one recording as a lazy stream (header, then μ-law samples; see samples.ts). */
export function recordingStream(recording: SimRecording): Readable {
  const dataBytes = recording.size - WAV_HEADER_BYTES;
  return sampleStream(recording.id, wavHeader(dataBytes), dataBytes);
}

/**
 * The exact bytes the media origin serves for a master contact's recording (MP4, see mp4.ts),
 * generated lazily.
 */
export function openRecording(dataset: Dataset, masterContactId: string): Readable {
  const recording = dataset.recordings.get(masterContactId);
  if (recording === undefined) {
    throw new RangeError(`no recording for master contact ${masterContactId}`);
  }
  return mp4Recording(recording).open();
}
