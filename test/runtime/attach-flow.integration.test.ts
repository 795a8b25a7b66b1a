// The attach flow (flow: attach): each listed file a durable job — upload → sending (recorded with
// the upload) → send → sent (recorded) → confirm → archived — never sent twice to one contact.
// Real harness and SQLite ledger; an in-memory source and destination that keeps what each contact
// received and, like cxone-dfo, answers the message that already carries an upload instead of
// sending it again.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AttachmentSink,
  type AttachmentTarget,
  errAsync,
  InjectedFault,
  type JsonObject,
  okAsync,
  type PluginError,
  PluginErrors,
  ResultAsync,
  type SentAttachment,
  type Sink,
  setFaultHook,
  summarize,
  type UploadedAttachment,
} from '@cxarchive/core/host';
import { collect, createMemorySink, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A file for a contact, as source-files and the checks describe it. */
const file = (
  id: string,
  bytes: string,
  contactNumber: string,
  options: { validated?: boolean; scanned?: boolean; recordedSha?: string } = {},
): MemoryItemSpec => {
  const record: JsonObject = {
    target: { contactNumber, channelId: 'chat_1' },
    file: { name: `${id}.pdf`, size: bytes.length },
    message: { text: 'Your signed form', tags: ['forms'] },
    ...(options.validated === false
      ? {}
      : {
          validation: {
            mimeType: 'application/pdf',
            extension: 'pdf',
            size: bytes.length,
            sha256: options.recordedSha ?? sha(bytes),
          },
        }),
    ...(options.scanned === false ? {} : { scan: { engine: 'clamav', clean: true } }),
  };
  return {
    id,
    occurredAt: '2026-11-30T10:00:00Z',
    record,
    artifacts: [{ name: 'file', bytes, contentType: 'application/pdf' }],
  };
};

interface Message {
  readonly messageId: string;
  readonly contactNumber: string;
  readonly url: string;
  readonly fileName: string;
}

/** An in-memory destination: what each contact received, every call, scriptable faults. */
const destination = (
  script: {
    send?: (attempt: number) => PluginError | 'deliver-then-fail' | undefined;
    confirm?: (attempt: number) => boolean;
  } = {},
) => {
  const uploads: { id: string; bytes: string; expiresAt: string }[] = [];
  const messages: Message[] = [];
  const calls: string[] = [];
  let sends = 0;
  let confirms = 0;
  const sink: AttachmentSink & { checksums: [] } = {
    attachments: true,
    checksums: [],
    upload: (target: AttachmentTarget, body) => {
      calls.push(`upload:${target.itemId}`);
      return ResultAsync.fromSafePromise(collect(body)).map((bytes): UploadedAttachment => {
        const id = `att-${uploads.length + 1}`;
        const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
        uploads.push({ id, bytes: bytes.toString('utf8'), expiresAt });
        return { id, url: `https://files.example/${id}?sig=secret-${id}`, expiresAt };
      });
    },
    send: (target, uploaded) => {
      calls.push(`send:${target.itemId}`);
      // Idempotent per upload, as cxone-dfo: the message that carries it already, if any.
      const existing = messages.find((m) => m.url === uploaded.url);
      if (existing) return okAsync<SentAttachment, PluginError>({ messageId: existing.messageId });
      const fault = script.send?.(++sends);
      if (fault && fault !== 'deliver-then-fail') return errAsync(fault);
      const message: Message = {
        messageId: `msg-${messages.length + 1}`,
        contactNumber: target.contact.contactNumber ?? '',
        url: uploaded.url,
        fileName: target.fileName,
      };
      messages.push(message);
      if (fault === 'deliver-then-fail') return errAsync(PluginErrors.transient('the answer was lost'));
      return okAsync({ messageId: message.messageId });
    },
    confirm: (target, sent) => {
      calls.push(`confirm:${target.itemId}`);
      const there = messages.some((m) => m.messageId === sent.messageId);
      return okAsync(there && (script.confirm?.(++confirms) ?? true));
    },
  };
  return { sink, uploads, messages, calls };
};

const ATTACH = { flow: 'attach' as const };
/** The plugin API types a sink plugin's instance as a storage `Sink`; the attach flow tells them apart by `attachments`. */
const asSink = (sink: AttachmentSink): Sink => sink as unknown as Sink;

describe('the attach flow', () => {
  it('sends each file once to its contact, confirmed, and says so in the report and the audit log; a second run sends nothing', async () => {
    const d = destination();
    const f = fixture({
      source: createMemorySource([file('f1', 'PDF one', '1001'), file('f2', 'PDF two', '1002')]),
      sinks: [asSink(d.sink)],
      config: ATTACH,
    });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 2, failed: 0 });
    expect(report.flow).toBe('attach');
    expect(summarize(report)).toContain('sent 2, refused or failed 0');
    expect(d.messages.map((m) => [m.contactNumber, m.fileName])).toEqual([
      ['1001', 'f1.pdf'],
      ['1002', 'f2.pdf'],
    ]);
    expect(d.uploads.map((u) => u.bytes)).toEqual(['PDF one', 'PDF two']);
    const sent = f.audit().filter((e) => e.type === 'attachment.sent');
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      itemId: 'f1',
      outcome: 'sent',
      attachment: {
        contact: { contactNumber: '1001', channelId: 'chat_1' },
        messageId: 'msg-1',
        attachmentId: 'att-1',
        sha256: sha('PDF one'),
        mimeType: 'application/pdf',
      },
    });
    // No URL (a capability) in any event.
    expect(JSON.stringify(f.events)).not.toContain('files.example');
    const again = await f.run();
    expect(again.counts.archived).toBe(0);
    expect(d.messages).toHaveLength(2);
  });

  it('never sends the same file twice to the same contact, whatever the manifest row', async () => {
    const d = destination();
    const f = fixture({
      source: createMemorySource([
        file('a', 'same bytes', '1001'),
        file('b', 'same bytes', '1001'),
        file('c', 'same bytes', '2002'),
      ]),
      sinks: [asSink(d.sink)],
      // At once: the second row of the same file for the same contact waits for the first.
      config: { ...ATTACH, concurrency: 4 },
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 2, skipped: 1, failed: 0 });
    expect(d.messages.map((m) => m.contactNumber)).toEqual(['1001', '2002']);
    expect(f.events.find((e) => e.type === 'item.skipped' && e.itemId === 'b')).toMatchObject({
      reason: expect.stringContaining('already sent to this contact as item a'),
    });
  });

  it('refuses a file that was not validated or not scanned, or that changed since it was validated', async () => {
    const d = destination();
    const f = fixture({
      source: createMemorySource([
        file('raw', 'x', '1', { validated: false }),
        file('unscanned', 'y', '1', { scanned: false }),
        file('changed', 'new bytes', '1', { recordedSha: sha('old bytes') }),
      ]),
      sinks: [asSink(d.sink)],
      config: ATTACH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 0, failed: 3 });
    const reasons = Object.fromEntries(report.failures.map((x) => [x.itemId, x.reason]));
    expect(reasons.raw).toContain('not validated');
    expect(reasons.unscanned).toContain('not scanned for malware');
    expect(reasons.changed).toContain('changed since it was validated');
    expect(d.messages).toHaveLength(0);
    const refusals = f.audit().filter((e) => e.type === 'attachment.refused');
    expect(refusals).toHaveLength(3);
    // Whom each was for, as the source's record said, though no check let it through.
    for (const entry of refusals)
      expect(entry).toMatchObject({ attachment: { contact: { contactNumber: '1', channelId: 'chat_1' } } });
  });

  it('a send whose answer was lost is not sent again: the retry finds the message carrying its upload', async () => {
    const d = destination({ send: (n) => (n === 1 ? 'deliver-then-fail' : undefined) });
    const f = fixture({
      source: createMemorySource([file('f1', 'PDF', '1001')]),
      sinks: [asSink(d.sink)],
      config: ATTACH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 1, failed: 0 });
    expect(d.messages).toHaveLength(1);
    expect(d.uploads).toHaveLength(1);
    expect(d.calls.filter((c) => c.startsWith('send:'))).toHaveLength(2);
  });

  it('a run that stopped while sending leaves the job with its upload; the next run finds the message, never sends twice', async () => {
    // The first run's send hangs until the run is stopped, after the destination delivered it.
    const d = destination();
    const controller = new AbortController();
    const hanging: AttachmentSink = {
      ...d.sink,
      send: (target, uploaded, signal) =>
        d.sink.send(target, uploaded, signal).andThen(() => {
          controller.abort();
          return ResultAsync.fromSafePromise(
            new Promise<never>((_, reject) =>
              signal.addEventListener('abort', () => reject(new Error('aborted'))),
            ),
          ).mapErr(() => PluginErrors.transient('cancelled'));
        }),
    };
    const source = createMemorySource([file('f1', 'PDF', '1001')]);
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-attach-'));
    const first = await fixture({ source, sinks: [asSink(hanging)], config: ATTACH, dir }).run({
      signal: controller.signal,
    });
    expect(first.status).toBe('interrupted');
    expect(d.messages).toHaveLength(1);
    const second = await fixture({ source, sinks: [asSink(d.sink)], config: ATTACH, dir }).run();
    expect(second.counts).toMatchObject({ archived: 1, failed: 0 });
    expect(d.messages).toHaveLength(1);
    expect(d.uploads).toHaveLength(1);
  });

  for (const step of ['after-upload', 'after-send'] as const)
    it(`a run that fails at ${step} is taken on by the next run: the file is sent once`, async () => {
      const d = destination();
      const source = createMemorySource([file('f1', 'PDF', '1001')]);
      const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-attach-'));
      setFaultHook((at) => {
        if (at === step) throw new InjectedFault(at, 'f1');
      });
      try {
        const first = await fixture({ source, sinks: [asSink(d.sink)], config: ATTACH, dir }).run();
        expect(first.counts.archived).toBe(0);
      } finally {
        setFaultHook(undefined);
      }
      expect(d.messages).toHaveLength(step === 'after-send' ? 1 : 0);
      const second = await fixture({ source, sinks: [asSink(d.sink)], config: ATTACH, dir }).run();
      expect(second.counts).toMatchObject({ archived: 1, failed: 0 });
      expect(d.messages).toHaveLength(1);
      // The recorded upload was used again (not expired): one upload in all.
      expect(d.uploads).toHaveLength(1);
    });

  it('uploads again when the upload expired before it was sent', async () => {
    const expired: PluginError = {
      _tag: 'Permanent',
      message: 'the temporary attachment expired',
      cause: { expired: true },
    };
    const d = destination({ send: (n) => (n === 1 ? expired : undefined) });
    const f = fixture({
      source: createMemorySource([file('f1', 'PDF', '1001')]),
      sinks: [asSink(d.sink)],
      config: ATTACH,
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 1, failed: 0 });
    expect(d.uploads).toHaveLength(2);
    expect(d.messages).toHaveLength(1);
    expect(d.messages[0]?.url).toContain('att-2');
  });

  it('a message not read back yet leaves the item awaiting; the next run confirms it without sending again', async () => {
    const d = destination({ confirm: (n) => n > 1 });
    const f = fixture({
      source: createMemorySource([file('f1', 'PDF', '1001')]),
      sinks: [asSink(d.sink)],
      config: ATTACH,
    });
    const first = await f.run();
    expect(first.counts).toMatchObject({ archived: 0, awaiting: 1 });
    const second = await f.run({ now: () => new Date(Date.now() + 5 * 60_000) });
    expect(second.counts).toMatchObject({ archived: 1 });
    expect(d.messages).toHaveLength(1);
    expect(d.uploads).toHaveLength(1);
  });

  it('refuses a storage sink in the attach flow, and an attachment sink in the archive flow', async () => {
    await expect(
      fixture({
        source: createMemorySource([file('f1', 'x', '1')]),
        sinks: [createMemorySink()],
        config: ATTACH,
      }).run(),
    ).rejects.toThrow(/exactly one sink that delivers attachments/);
    await expect(
      fixture({
        source: createMemorySource([file('f1', 'x', '1')]),
        sinks: [asSink(destination().sink)],
      }).run(),
    ).rejects.toThrow(/set `flow: attach`/);
  });
});
