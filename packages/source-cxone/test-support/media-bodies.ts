import { buildDataset, openRecording } from '@cxarchive/cxone-simulator';

/**
 * Recording bodies for the source's tests, each a whole file of its container, so the integrity
 * check (media-integrity.ts) passes them and a test fails only for what it means to test.
 */

/**
 * RIFF/WAVE, 8 kHz μ-law, 1 channel: the 44-byte header for `dataBytes` of samples, and `after` more
 * bytes in the RIFF chunk after the data chunk (a pad byte, another chunk).
 */
export const wavHeader = (dataBytes: number, after = 0): Buffer => {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes + after, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(7, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
};

/** A whole WAV file of `dataBytes` samples, then `after` (inside the RIFF chunk). */
export const wavOf = (dataBytes: number, after: Buffer = Buffer.alloc(0)): Buffer =>
  Buffer.concat([wavHeader(dataBytes, after.length), Buffer.alloc(dataBytes, 0x55), after]);

/** A whole WAV file of `totalBytes` bytes (at least 44). */
export const wavFile = (totalBytes: number): Buffer => wavOf(totalBytes - 44);

/** A real MP4 as the simulator serves CXone voice media (ftyp, moov, mdat), of a recording this long. */
export const mp4File = async (recordingSeconds: readonly [number, number] = [2, 4]): Promise<Buffer> => {
  const dataset = buildDataset({ seed: 4, contacts: 10, recordingSeconds: [...recordingSeconds] });
  const [masterId] = dataset.recordings.keys();
  const chunks: Buffer[] = [];
  for await (const chunk of openRecording(dataset, masterId as string)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
