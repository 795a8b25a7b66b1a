import { Readable } from 'node:stream';
import { BYTES_PER_SECOND, type Dataset, type SimRecording, WAV_HEADER_BYTES } from './dataset.js';
import { createRngFromString } from './prng.js';

/** WAVE_FORMAT_MULAW */
const FORMAT_MULAW = 7;
/** Bytes produced per read() call. A multiple of 4 (the generator yields 32-bit words). */
export const CHUNK_BYTES = 64 * 1024;

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

/**
 * The WAV bytes of one recording as a lazy stream: the header, then μ-law samples drawn from a
 * generator seeded by the recording id, produced one chunk per read. Nothing is buffered beyond a chunk.
 */
export function recordingStream(recording: SimRecording): Readable {
  const dataBytes = recording.size - WAV_HEADER_BYTES;
  const rng = createRngFromString(`recording:${recording.id}`);
  let headerSent = false;
  let remaining = dataBytes;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (!headerSent) {
        headerSent = true;
        this.push(wavHeader(dataBytes));
        if (remaining === 0) this.push(null);
        return;
      }
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, remaining);
      const words = Math.ceil(length / 4);
      const chunk = Buffer.allocUnsafe(words * 4);
      for (let i = 0; i < words; i++) chunk.writeUInt32LE(rng.nextUint32(), i * 4);
      remaining -= length;
      this.push(length === chunk.length ? chunk : chunk.subarray(0, length));
      if (remaining === 0) this.push(null);
    },
  });
}

/** The exact bytes the server serves for a master contact's recording, generated lazily. */
export function openRecording(dataset: Dataset, masterContactId: string): Readable {
  const recording = dataset.recordings.get(masterContactId);
  if (recording === undefined) {
    throw new RangeError(`no recording for master contact ${masterContactId}`);
  }
  return recordingStream(recording);
}
