import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256OfStream } from '@cxarchive/core/host';
import { openRecording } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, openCodec, runTenant, snapshot, type Tenant } from './helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
const tenants: Tenant[] = [];
const tenant = async (...args: Parameters<typeof makeTenant>) => {
  const t = await makeTenant(...args);
  tenants.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

const readAll = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe('end to end: simulator → source-cxone → gzip-aes → sink-fs', () => {
  it('archives every contact and recording, decodable back to the source data', async () => {
    const t = await tenant(FS_SINK);
    const report = await runTenant(t);
    const { contacts, recordings } = t.simulator.dataset;
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: contacts.length, failed: 0, skipped: 0 });
    expect(report.successRate).toBe(1);

    const archive = path.join(t.dir, 'archive');
    const files = listFiles(archive);
    const recordingFiles = files.filter((f) => f.includes('/recording'));
    expect(files.filter((f) => f.endsWith('/contact.json.cxar'))).toHaveLength(contacts.length);
    expect(recordingFiles).toHaveLength(recordings.size);
    expect(report.objects).toBe(files.length);

    const codec = await openCodec(t);
    for (const contact of contacts) {
      const day = contact.contactStartDate.slice(0, 10).replace(/-/g, '/');
      const key = `e2e/${day}/${contact.contactId}/contact.json.cxar`;
      expect(files).toContain(key);
      const decoded = await codec.decode(
        createReadStream(path.join(archive, key)),
        {
          objectKey: key,
          tenant: 'e2e',
          itemId: String(contact.contactId),
          artifact: 'contact.json',
          contentType: 'application/json',
        },
        new AbortController().signal,
      );
      if (decoded.isErr()) throw new Error(decoded.error.message);
      const record = JSON.parse((await readAll(decoded.value)).toString('utf8'));
      expect(record.contactId).toBe(Number(contact.contactId));
      expect(record.masterContactId).toBe(Number(contact.masterContactId));
      expect(record.lastUpdateTime).toBe(contact.lastUpdateTime);
    }
    for (const [masterId] of recordings) {
      const key = recordingFiles.find((f) => f.includes(`/${masterId}/`));
      expect(key).toBeDefined();
      const artifact = path.basename(key!, '.cxar');
      const decoded = await codec.decode(
        createReadStream(path.join(archive, key!)),
        {
          objectKey: key!,
          tenant: 'e2e',
          itemId: String(masterId),
          artifact,
          contentType: artifact.endsWith('.wav') ? 'audio/wav' : 'audio/mp4',
        },
        new AbortController().signal,
      );
      if (decoded.isErr()) throw new Error(decoded.error.message);
      expect((await sha256OfStream(decoded.value)).sha256).toBe(
        (await sha256OfStream(openRecording(t.simulator.dataset, masterId))).sha256,
      );
    }

    // Report on disk beside the ledger, with the counts the issue asks for.
    const onDisk = JSON.parse(
      readFileSync(path.join(t.dir, '.cxarchive', 'reports', `${report.runId}.json`), 'utf8'),
    );
    expect(onDisk).toMatchObject({
      runId: report.runId,
      tenant: 'e2e',
      counts: { archived: contacts.length, failed: 0, skipped: 0 },
    });
    expect(Number.isInteger(onDisk.counts.archived)).toBe(true);
  });

  it('archives nothing new when run again, and touches no object', async () => {
    const t = await tenant(FS_SINK);
    const first = await runTenant(t);
    const before = snapshot(path.join(t.dir, 'archive'));
    const second = await runTenant(t);
    expect(second.status).toBe('succeeded');
    expect(second.counts.archived).toBe(0);
    expect(second.counts.failed).toBe(0);
    expect(second.objects).toBe(0);
    expect(snapshot(path.join(t.dir, 'archive'))).toEqual(before);
    expect(second.checkpoint.before).toEqual(first.checkpoint.after);
  });

  it('adopts objects already in the sink when the ledger lost them, without a second copy', async () => {
    const t = await tenant(FS_SINK);
    const first = await runTenant(t);
    const archive = path.join(t.dir, 'archive');
    const hashes = listFiles(archive).map((f) =>
      createHash('sha256')
        .update(readFileSync(path.join(archive, f)))
        .digest('hex'),
    );
    rmSync(path.join(t.dir, '.cxarchive'), { recursive: true });
    const again = await runTenant(t);
    expect(again.counts).toMatchObject({ archived: first.counts.archived, failed: 0 });
    expect(again.objects).toBe(first.objects);
    const after = listFiles(archive).map((f) =>
      createHash('sha256')
        .update(readFileSync(path.join(archive, f)))
        .digest('hex'),
    );
    expect(after).toEqual(hashes);
  });

  it('refuses to adopt an object that is not the artifact, and leaves it untouched', async () => {
    const t = await tenant(FS_SINK, { contacts: 3 });
    await runTenant(t);
    const archive = path.join(t.dir, 'archive');
    const victim = listFiles(archive).find((f) => f.endsWith('contact.json.cxar'))!;
    const tampered = readFileSync(path.join(archive, victim));
    const at = tampered.length - 5;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 0xff, at);
    rmSync(path.join(archive, victim));
    writeFileSync(path.join(archive, victim), tampered);
    rmSync(path.join(t.dir, '.cxarchive'), { recursive: true });
    const again = await runTenant(t);
    expect(again.counts.failed).toBe(1);
    expect(again.status).toBe('completed_with_failures');
    expect(again.failures[0]?.reason).toMatch(/left untouched|not overwritten/);
    expect(readFileSync(path.join(archive, victim))).toEqual(tampered);
  });

  it('retries transient sink failures and still stores each object once', async () => {
    const sinks = `${FS_SINK}\n  - use: ${path.resolve('test/fixtures/faulty-sink.ts')}\n    with: { dir: ./faulty, transientFailuresPerKey: 2 }`;
    const t = await tenant(sinks, { contacts: 4 });
    const report = await runTenant(t);
    expect(report.status).toBe('succeeded');
    expect(report.retries).toBeGreaterThanOrEqual((2 * report.objects) / 2);
    expect(listFiles(path.join(t.dir, 'faulty'))).toHaveLength(report.objects / 2);
    expect(listFiles(path.join(t.dir, 'archive'))).toHaveLength(report.objects / 2);
    // Source bytes are counted once per artifact, however many attempts and sinks it took.
    const single = await runTenant(await tenant(FS_SINK, { contacts: 4 }));
    expect(report.bytes.plaintext).toBe(single.bytes.plaintext);
  });

  it('leaves an item failed (not archived) when a required sink refuses it, and retries it next run', async () => {
    const t = await tenant(FS_SINK, { contacts: 4 });
    const victim = t.simulator.dataset.contacts[1]!.contactId;
    const refusing = `${FS_SINK}\n  - use: ${path.resolve('test/fixtures/faulty-sink.ts')}\n    with: { dir: ./faulty, refuseKeysContaining: "/${victim}/" }`;
    const pipeline = readFileSync(t.file, 'utf8');
    writeFileSync(t.file, pipeline.replace(FS_SINK, refusing));
    const first = await runTenant(t);
    expect(first.counts.failed).toBe(1);
    expect(first.failures[0]).toMatchObject({ itemId: victim, errorTag: 'Permanent' });
    expect(first.status).toBe('completed_with_failures');

    // Fixed sink: the next run picks the failed item up from the ledger, although the
    // checkpoint has moved past it, and uploads only what the fs sink does not already hold.
    writeFileSync(
      t.file,
      pipeline.replace(
        FS_SINK,
        `${FS_SINK}\n  - use: ${path.resolve('test/fixtures/faulty-sink.ts')}\n    with: { dir: ./faulty }`,
      ),
    );
    const second = await runTenant(t);
    expect(second.counts).toMatchObject({ archived: 1, failed: 0 });
    expect(second.status).toBe('succeeded');
  });

  it('tells notifiers about the run and every item, in order', async () => {
    const notifier = `notifiers:\n  - use: ${path.resolve('test/fixtures/recording-notifier.ts')}\n    with: { file: ./events.jsonl }\n`;
    const t = await tenant(FS_SINK, { contacts: 3, extra: notifier });
    const report = await runTenant(t);
    const events = readFileSync(path.join(t.dir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'run.started', runId: report.runId, tenant: 'e2e' });
    expect(events.at(-1)).toMatchObject({
      type: 'run.completed',
      counts: { archived: 3, failed: 0, skipped: 0 },
    });
    const archived = events.filter((e) => e.type === 'item.archived');
    expect(archived.map((e) => e.itemId).sort()).toEqual(
      t.simulator.dataset.contacts.map((c) => c.contactId).sort(),
    );
    expect(
      archived.every(
        (e) =>
          e.objects.length >= 1 &&
          e.objects.every((o: { sha256: string }) => /^[0-9a-f]{64}$/.test(o.sha256)),
      ),
    ).toBe(true);
    const text = JSON.stringify(events);
    for (const secret of [t.env.CXONE_ACCESS_KEY_SECRET!, t.env.CXONE_CLIENT_SECRET!])
      expect(text).not.toContain(secret);
  });

  it('never writes a secret into the report, audit log or ledger', async () => {
    const t = await tenant(FS_SINK, { contacts: 3 });
    const report = await runTenant(t);
    const stateDir = path.join(t.dir, '.cxarchive');
    const texts = [
      JSON.stringify(report),
      readFileSync(path.join(stateDir, 'e2e.audit.jsonl'), 'utf8'),
      readFileSync(path.join(stateDir, 'e2e.db')).toString('latin1'),
      ...listFiles(stateDir)
        .filter((f) => f.startsWith('reports/'))
        .map((f) => readFileSync(path.join(stateDir, f), 'utf8')),
    ];
    const secrets = [
      t.env.CXONE_ACCESS_KEY_SECRET!,
      t.env.CXONE_CLIENT_SECRET!,
      readFileSync(t.keyFile, 'utf8').trim(),
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('keeps no interaction content in the ledger or the audit log: ids, cursors and checksums only', async () => {
    const t = await tenant(FS_SINK, { contacts: 6 });
    const report = await runTenant(t);
    expect(report.counts.archived).toBe(6);
    const stateDir = path.join(t.dir, '.cxarchive');
    // Ledger pages may keep freed bytes: read the WAL-checkpointed file and the WAL alike.
    const texts = listFiles(stateDir)
      .filter((f) => !f.startsWith('reports/'))
      .map((f) => readFileSync(path.join(stateDir, f)).toString('latin1'));
    const personal = t.simulator.dataset.contacts.flatMap((c) => [
      c.fromAddress,
      c.toAddress,
      c.firstName,
      c.lastName,
    ]);
    expect(personal.length).toBeGreaterThan(0);
    for (const text of texts) for (const value of personal) expect(text).not.toContain(value);
  });
});
