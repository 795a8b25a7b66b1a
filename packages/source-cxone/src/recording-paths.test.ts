import { Readable } from 'node:stream';
import { memoryJobStore, type PluginError, PluginFailure } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { mp4File } from '../test-support/media-bodies.js';
import { BULK_JOB_PREFIX, bulkJobKey, contactJobKey, forgetOldBulkJobs } from './bulk-jobs.js';
import { checkedRecording } from './bulk-recording.js';
import { dayOf } from './data-extraction-days.js';
import { readRef, withMediaRequest } from './item-ref.js';
import { resolveRecordingPaths } from './recording-paths.js';

const read = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('resolveRecordingPaths', () => {
  it('defaults to Media Playback for both, batches of 100', () => {
    expect(resolveRecordingPaths({})._unsafeUnwrap()).toEqual({
      recordingCheck: 'mediaPlayback',
      recordings: 'playback',
      bulkBatchSize: 100,
    });
  });
  it('names the option of a bad value', () => {
    expect(resolveRecordingPaths({ recordings: 'zip' as never })._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'recordings',
    });
    expect(resolveRecordingPaths({ recordingCheck: 'dx' as never })._unsafeUnwrapErr()).toMatchObject({
      path: 'recordingCheck',
    });
    for (const size of [0, 101, 1.5])
      expect(resolveRecordingPaths({ bulkBatchSize: size })._unsafeUnwrapErr()).toMatchObject({
        path: 'bulkBatchSize',
      });
  });
});

describe('bulk job keys', () => {
  it('are the same for the same ids in any order and differ for other ids', () => {
    expect(bulkJobKey(['3', '1', '2'])).toBe(bulkJobKey(['1', '2', '3']));
    expect(bulkJobKey(['1', '2'])).not.toBe(bulkJobKey(['1', '2', '3']));
    expect(bulkJobKey(['1'])).toMatch(new RegExp(`^${BULK_JOB_PREFIX}[0-9a-f]{40}$`));
    expect(contactJobKey('42')).toBe(`${BULK_JOB_PREFIX}contact/42`);
  });

  it('older than three days are forgotten, newer ones and other jobs kept', async () => {
    let nowMs = Date.parse('2026-11-01T00:00:00Z');
    const jobs = memoryJobStore(() => new Date(nowMs));
    await jobs.put(bulkJobKey(['1']), { requestId: 'a' });
    await jobs.put('data-extraction/2026-10-30', { jobId: 'x' });
    nowMs += 2 * 86_400_000;
    await jobs.put(bulkJobKey(['2']), { requestId: 'b' });
    nowMs += 1.5 * 86_400_000;
    expect(await forgetOldBulkJobs(jobs, nowMs)).toBe(1);
    const left = (await jobs.list()).jobs.map((j) => j.key);
    expect(left).toEqual([bulkJobKey(['2']), 'data-extraction/2026-10-30'].sort());
  });
});

describe('a reference with its media-download request', () => {
  it('carries the request id and reads it back; a malformed one is ignored', () => {
    const ref = withMediaRequest({ id: '7', data: { contactId: '7' } }, 'd4a8df27-44d5-4cb9');
    expect(readRef(ref)._unsafeUnwrap().mediaRequestId).toBe('d4a8df27-44d5-4cb9');
    const bad = { id: '7', data: { contactId: '7', mediaRequestId: '../x?y' } };
    expect(readRef(bad)._unsafeUnwrap().mediaRequestId).toBeUndefined();
  });
});

describe('dayOf', () => {
  it('is the UTC day', () => {
    expect(dayOf(Date.parse('2026-10-05T23:59:59.999Z'))).toBe('2026-10-05');
    expect(dayOf(Date.parse('2026-10-06T00:00:00Z'))).toBe('2026-10-06');
  });
});

describe('checkedRecording', () => {
  const scrub = (e: PluginError) => e;
  const live = () => new AbortController().signal;

  it('passes a whole MP4 through unchanged', async () => {
    const body = await mp4File();
    const out = await read(checkedRecording(Readable.from([body]), 'r.mp4', body.length, live(), scrub));
    expect(out.equals(body)).toBe(true);
  });

  it('fails a body shorter than the directory size Transient, before its end', async () => {
    const body = await mp4File();
    const stream = checkedRecording(
      Readable.from([body.subarray(0, body.length - 100)]),
      'r.mp4',
      body.length,
      live(),
      scrub,
    );
    const failure = await read(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PluginFailure);
    expect((failure as PluginFailure).error._tag).toBe('Transient');
  });

  it('fails a body that is not an MP4', async () => {
    const body = Buffer.alloc(100, 7);
    const failure = await read(checkedRecording(Readable.from([body]), 'r.mp4', 100, live(), scrub)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as PluginFailure).error.message).toMatch(/promises MP4/);
  });

  it('passes the archive reader’s own failure (a CRC mismatch) on', async () => {
    const source = new Readable({
      read() {
        this.destroy(new PluginFailure({ _tag: 'Permanent', message: 'r.mp4: CRC-32 mismatch' }));
      },
    });
    const failure = await read(checkedRecording(source, 'r.mp4', 10, live(), scrub)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as PluginFailure).error).toMatchObject({
      _tag: 'Permanent',
      message: 'r.mp4: CRC-32 mismatch',
    });
  });
});
