// The attach flow end to end through the built `cxarchive` CLI: a tenant directory with
// `flow: attach`, source `files` (a directory and a CSV manifest), transforms validate-media and
// scan-clamav against a real clamd (testkit's, with a local database), sink cxone-dfo against the
// simulator's DFO 3.0 routes, and the signed webhook notifier to a local receiver. What each contact
// received is read back from the simulator. Proven here: the clean files are sent once and
// confirmed, every refusal has its reason, a second run sends nothing, a run killed between upload
// and send sends one message only, an upload that expired before it was sent is uploaded again, a
// scanner outage fails the files as transient and sends nothing unscanned, the webhook receiver
// verifies the attachment.* events, the audit chain is intact, and no secret or temporary URL is in
// any output.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type DfoContact,
  demoToken,
  listDfoContacts,
  type RunningSimulator,
  startSimulator,
} from '@cxarchive/cxone-simulator';
import { type Clamd, clamdUnavailable, eicarTestFile, startClamd } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docx, exe, gif, pdf, png, wav } from '../packages/transform-validate-media/test-support/media.js';
import { CLI_DIR, ROOT } from './helpers.js';
import { assertBuilt } from './restore-helpers.js';

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');

// Canaries: every secret a value found nowhere else.
const CREDENTIALS = {
  accessKeyId: 'CXCANARY-ATTACH-AKID-5e1c9a',
  accessKeySecret: 'cxcanary/attachAkSecret+3b7d0f=',
  clientId: 'cxcanary-attach-client',
  clientSecret: 'cxcanary-attach-client-secret-8a2f6c',
};
const WEBHOOK_SECRET = `whsec_${Buffer.from('cxcanary-attach-webhook-key-91d3f7b2').toString('base64')}`;
const SECRETS = [
  CREDENTIALS.accessKeyId,
  CREDENTIALS.accessKeySecret,
  CREDENTIALS.clientSecret,
  WEBHOOK_SECRET,
];
/** A secret's forms: raw, URL-encoded, base64 (whole), JSON-escaped. */
const formsOf = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(secret).toString('base64').slice(0, -4),
  JSON.stringify(secret).slice(1, -1),
];

// ---------------------------------------------------------------------------------------------
// The webhook receiver (a data lake's): createWebhookListener from the notifier's package, as the
// CLI has it; each tenant posts to its own path.
interface Received {
  readonly type: string;
  readonly events: readonly Record<string, unknown>[];
}
const received = new Map<string, Received[]>();
const rejected: string[] = [];
let receiver: Server;
let receiverUrl = '';

let clamd: Clamd;
const unavailable = clamdUnavailable();
const suite = unavailable === undefined ? describe : describe.skip;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (unavailable !== undefined) return;
  assertBuilt();
  const { createWebhookListener, createReplayGuard } = (await import(
    pathToFileURL(createRequire(path.join(CLI_DIR, 'package.json')).resolve('@cxarchive/notifier-webhook'))
      .href
  )) as {
    createWebhookListener: (options: unknown) => (req: unknown, res: unknown) => void;
    createReplayGuard: () => unknown;
  };
  const listeners = new Map<string, (req: unknown, res: unknown) => void>();
  receiver = createServer((req, res) => {
    const tenant = (req.url ?? '').split('/')[2] ?? '';
    let listener = listeners.get(tenant);
    if (!listener) {
      listener = createWebhookListener({
        secrets: WEBHOOK_SECRET,
        replay: createReplayGuard(),
        onMessage: (message: Received) => {
          const list = received.get(tenant) ?? [];
          list.push({ type: message.type, events: message.events });
          received.set(tenant, list);
        },
        onRejected: (reason: string) => rejected.push(reason),
      });
      listeners.set(tenant, listener);
    }
    listener(req, res);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  clamd = await startClamd();
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await clamd?.stop();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});

// ---------------------------------------------------------------------------------------------
// A tenant: a directory with files, a manifest and the pipeline, and a simulator of its own.

interface Row {
  readonly file: string;
  readonly contact: DfoContact;
  readonly friendlyName?: string;
  readonly text?: string;
  readonly tags?: string;
}

interface AttachTenant {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly sim: RunningSimulator;
  readonly env: Record<string, string>;
  readonly reportFile: (n: number) => string;
}

const makeTenant = async (
  name: string,
  files: Record<string, Buffer>,
  rows: (contacts: { chat: DfoContact; email: DfoContact; custom: DfoContact }) => Row[],
  options: { simulator?: Parameters<typeof startSimulator>[0]; maxBytes?: number; sinkExtra?: string } = {},
): Promise<AttachTenant & { contacts: { chat: DfoContact; email: DfoContact; custom: DfoContact } }> => {
  const dir = mkdtempSync(path.join(tmpdir(), `cxarchive-attach-${name}-`));
  const sim = await startSimulator({ seed: 1, contacts: 25, credentials: CREDENTIALS, ...options.simulator });
  cleanup.push(
    () => sim.stop(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const all = listDfoContacts(sim.dataset, 100);
  const pick = (test: (c: DfoContact) => boolean) => {
    const found = all.find(test);
    if (!found) throw new Error('the data set lacks a digital contact of that kind');
    return found;
  };
  const contacts = {
    chat: pick((c) => c.channel.realExternalPlatformId === 'chat'),
    email: pick((c) => c.channel.realExternalPlatformId === 'email'),
    custom: pick((c) => c.channel.kind === 'custom'),
  };
  mkdirSync(path.join(dir, 'files'));
  for (const [file, bytes] of Object.entries(files)) writeFileSync(path.join(dir, 'files', file), bytes);
  const csv = (v: string | undefined) =>
    v === undefined ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  writeFileSync(
    path.join(dir, 'manifest.csv'),
    [
      'file,contactNumber,channelId,friendlyName,text,tags',
      ...rows(contacts).map((r) =>
        [r.file, r.contact.contactNumber, r.contact.channel.id, r.friendlyName, r.text, r.tags]
          .map(csv)
          .join(','),
      ),
    ].join('\n'),
  );
  const file = path.join(dir, 'attach.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: ${name}
flow: attach
source:
  use: files
  with: { directory: ./files, manifest: ./manifest.csv }
transforms:
  - use: validate-media
    with: { maxBytes: ${options.maxBytes ?? 65536}, allow: [wav, png, jpeg, pdf, docx, txt] }
  - use: scan-clamav
    with: { socket: "\${CLAMD_SOCKET}", connectTimeout: 2s, timeout: 30s }
sinks:
  - use: cxone-dfo
    with:
      issuer: \${CXONE_ISSUER}
      dfoBaseUrl: \${CXONE_ISSUER}
      accessKeyId: \${CXONE_ACCESS_KEY_ID}
      accessKeySecret: \${CXONE_ACCESS_KEY_SECRET}
      clientId: \${CXONE_CLIENT_ID}
      clientSecret: \${CXONE_CLIENT_SECRET}
      customChannels: [custom_cxarchive-portal]
      requestTimeout: 10s
${options.sinkExtra ?? ''}notifiers:
  - use: webhook
    with:
      url: \${WEBHOOK_URL}
      secret: \${WEBHOOK_SECRET}
      allowInsecureLoopback: true
      on: ["attachment.*", run.completed, run.failed]
retry: { attempts: 3, initialDelay: 1ms, maxDelay: 5ms }
concurrency: 2
state: { path: ./state/attach.db }
`,
  );
  const env = {
    CXONE_ISSUER: sim.url,
    CXONE_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    CXONE_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
    CXONE_CLIENT_ID: CREDENTIALS.clientId,
    CXONE_CLIENT_SECRET: CREDENTIALS.clientSecret,
    CLAMD_SOCKET: clamd.socket,
    WEBHOOK_URL: `${receiverUrl}/hooks/${name}`,
    WEBHOOK_SECRET,
  };
  return { name, dir, file, sim, env, contacts, reportFile: (n) => path.join(dir, `report-${n}.json`) };
};

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}
/** Starts `cxarchive <args>` in the tenant's directory; `done` settles when it exits. */
const start = (
  t: AttachTenant,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<Exit> } => {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: t.dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...t.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
};
const outputs: string[] = [];
/** Runs the pipeline to its end; its report (number `n`). Everything it printed is kept for the secrets check. */
const run = async (t: AttachTenant, n: number) => {
  const exit = await start(t, ['run', t.file, '--report', t.reportFile(n)]).done;
  outputs.push(exit.stdout, exit.stderr);
  let text: string;
  try {
    text = readFileSync(t.reportFile(n), 'utf8');
  } catch {
    throw new Error(`run ${n} wrote no report (exit ${exit.code}):\n${exit.stdout}\n${exit.stderr}`);
  }
  const report = JSON.parse(text) as Report;
  outputs.push(JSON.stringify(report));
  return { exit, report };
};

interface Report {
  flow: string;
  status: string;
  counts: { seen: number; archived: number; failed: number; skipped: number; awaiting: number };
  failures: { itemId: string; errorTag: string; reason: string }[];
}

interface Message {
  id: string;
  attachments?: { friendlyName: string; url: string }[];
  tags?: { title: string }[];
}
/** What a contact received, read back from the simulator (its seeded messages left out). */
const receivedBy = async (sim: RunningSimulator, contact: DfoContact): Promise<Message[]> => {
  const token = await demoTokenOf(sim);
  const res = await fetch(`${sim.url}/dfo/3.0/contacts/${contact.contactNumber}/messages`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Message[] }).data.filter((m) => (m.attachments?.length ?? 0) > 0);
};
/** The simulator's token endpoint, with the canary user (demoToken knows only the demo one). */
const demoTokenOf = async (sim: RunningSimulator) => {
  if (sim.credentials.accessKeyId !== CREDENTIALS.accessKeyId) return demoToken(sim);
  const res = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: CREDENTIALS.accessKeyId,
      password: CREDENTIALS.accessKeySecret,
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
    }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
};
const uploads = (sim: RunningSimulator) =>
  sim.requestLog().filter((r) => r.route === 'dfo-attachment-upload' && r.status === 201).length;
const eventsOf = (name: string) => (received.get(name) ?? []).flatMap((m) => m.events);
const reasonOf = (report: Report, file: string) =>
  report.failures.find((f) => f.itemId.endsWith(`/${file}`))?.reason;

// ---------------------------------------------------------------------------------------------

suite(`the attach flow through the CLI${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const FILES = {
    'invoice.pdf': pdf('Invoice November 2026'),
    'photo.png': png(),
    'call-back.wav': wav(2000),
    'contract.docx': docx(),
    'invoice-copy.pdf': pdf('Invoice November 2026'), // the same bytes as invoice.pdf
    'statement.pdf': exe(), // an executable named .pdf
    'long-call.wav': wav(40_000), // 80 KB: over the 64 KiB cap
    'eicar.txt': eicarTestFile(),
    'banner.gif': gif(), // gif is not allowed here
    'stray.png': png(), // no manifest row
  };

  it('sends the clean files once, refuses each other one with its reason, and a second run sends nothing', async () => {
    const t = await makeTenant('main', FILES, ({ chat, email, custom }) => [
      {
        file: 'invoice.pdf',
        contact: chat,
        friendlyName: 'Invoice, November.pdf',
        text: 'Your invoice',
        tags: 'invoice',
      },
      // The same bytes for the same contact, listed right after (so both may be in flight at once).
      { file: 'invoice-copy.pdf', contact: chat, friendlyName: 'Invoice (copy).pdf', tags: 'invoice' },
      { file: 'photo.png', contact: email, text: 'The photo you asked for' },
      { file: 'call-back.wav', contact: custom, friendlyName: 'Call-back.wav', tags: 'signed-form;document' },
      { file: 'contract.docx', contact: chat },
      { file: 'statement.pdf', contact: chat },
      { file: 'long-call.wav', contact: email },
      { file: 'eicar.txt', contact: custom },
      { file: 'banner.gif', contact: email },
    ]);
    const { chat, email, custom } = t.contacts;
    const first = await run(t, 1);
    expect(first.exit.code, first.exit.stderr).toBe(1); // some items failed: EXIT.runFailed
    expect(first.report.flow).toBe('attach');
    expect(first.report.status).toBe('completed_with_failures');
    // invoice, photo, call-back, contract sent; the copy of the invoice is the same file for the
    // same contact: skipped, never sent twice.
    expect(first.report.counts).toMatchObject({ archived: 4, failed: 5, skipped: 1, awaiting: 0 });
    expect(reasonOf(first.report, 'statement.pdf')).toMatch(
      /MIME mismatch: "statement\.pdf" is named \.pdf \(application\/pdf\) but its bytes are application\/x-msdownload \(exe\)/,
    );
    expect(reasonOf(first.report, 'long-call.wav')).toMatch(/too large: .*\(cap 64 KiB\)/);
    expect(reasonOf(first.report, 'eicar.txt')).toMatch(/malware: Local\.Test\.EICAR\.UNOFFICIAL/);
    expect(reasonOf(first.report, 'banner.gif')).toMatch(
      /type not allowed: image\/gif \(\.gif\); allowed: wav, png/,
    );
    expect(reasonOf(first.report, 'stray.png')).toMatch(/no manifest row for file "stray\.png"/);
    expect(first.report.failures.every((f) => f.errorTag === 'InvalidInput')).toBe(true);

    // What each contact received: exactly the clean files, once, with their names and tags.
    const chatGot = await receivedBy(t.sim, chat);
    // The invoice and its copy are one file for one contact: whichever came first is sent, once.
    const chatNames = chatGot.flatMap((m) => m.attachments!.map((a) => a.friendlyName));
    expect(chatNames).toHaveLength(2);
    expect(chatNames).toContain('contract.docx');
    const invoice = chatGot.find((m) => m.attachments![0]!.friendlyName.startsWith('Invoice'));
    expect(invoice).toBeDefined();
    expect(['Invoice, November.pdf', 'Invoice (copy).pdf']).toContain(invoice!.attachments![0]!.friendlyName);
    expect(invoice!.tags?.map((x) => x.title)).toEqual(['invoice']);
    expect(
      Buffer.from(await (await fetch(invoice!.attachments![0]!.url)).arrayBuffer()).equals(
        FILES['invoice.pdf'],
      ),
    ).toBe(true);
    expect((await receivedBy(t.sim, email)).map((m) => m.attachments![0]!.friendlyName)).toEqual([
      'photo.png',
    ]);
    const customGot = await receivedBy(t.sim, custom);
    expect(customGot.map((m) => m.attachments![0]!.friendlyName)).toEqual(['Call-back.wav']);
    expect(customGot[0]!.tags?.map((x) => x.title).sort()).toEqual(['document', 'signed-form']);
    // Each message's attachment is the file's bytes exactly.
    const photoUrl = (await receivedBy(t.sim, email))[0]!.attachments![0]!.url;
    expect(Buffer.from(await (await fetch(photoUrl)).arrayBuffer()).equals(FILES['photo.png'])).toBe(true);
    // Nothing refused reached CXone: four uploads for four files.
    expect(uploads(t.sim)).toBe(4);

    // The data lake's events, verified by the receiver: one attachment.sent per file sent (ids and
    // the digest, no name, no URL), one attachment.refused per refusal with its reason.
    const events = eventsOf('main');
    const sent = events.filter((e) => e.type === 'attachment.sent');
    expect(sent).toHaveLength(4);
    for (const e of sent) {
      expect(e).toMatchObject({
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        messageId: expect.any(String),
      });
      expect(e.attachmentId).toEqual(expect.any(String));
      expect(JSON.stringify(e)).not.toMatch(/https?:|fileName|friendlyName/);
    }
    expect(sent.map((e) => (e.contact as { contactNumber: string }).contactNumber).sort()).toEqual(
      [chat, chat, email, custom].map((c) => c.contactNumber).sort(),
    );
    const refused = events.filter((e) => e.type === 'attachment.refused');
    expect(refused.map((e) => String(e.reason)).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/MIME mismatch/),
        expect.stringMatching(/too large/),
        expect.stringMatching(/malware/),
        expect.stringMatching(/type not allowed/),
        expect.stringMatching(/no manifest row/),
      ]),
    );
    // A file a check refused is told with the contact its row named; one without a row has none.
    const refusedBy = (pattern: RegExp) => refused.find((e) => pattern.test(String(e.reason)));
    expect(refusedBy(/MIME mismatch/)?.contact).toMatchObject({ contactNumber: chat.contactNumber });
    expect(refusedBy(/malware/)?.contact).toMatchObject({ contactNumber: custom.contactNumber });
    expect(refusedBy(/no manifest row/)?.contact).toBeUndefined();
    expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
    expect(rejected).toEqual([]);

    // A second run sends nothing: four jobs already sent, the refusals refused again.
    const second = await run(t, 2);
    expect(second.report.counts).toMatchObject({ archived: 0, failed: 5 });
    expect(uploads(t.sim)).toBe(4);
    expect((await receivedBy(t.sim, chat)).length).toBe(2);
    expect(eventsOf('main').filter((e) => e.type === 'attachment.sent')).toHaveLength(4);

    // The audit log: every step, the chain intact.
    const audit = await start(t, ['audit', t.file, '--verify']).done;
    expect(audit.code, audit.stderr + audit.stdout).toBe(0);
    const auditFile = readdirSync(path.join(t.dir, 'state')).find((f) => f.endsWith('.audit.jsonl'));
    expect(auditFile).toBeDefined();
    const auditText = readFileSync(path.join(t.dir, 'state', auditFile!), 'utf8');
    const entries = auditText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.filter((e) => e.type === 'attachment.sent')).toHaveLength(4);
    expect(entries.filter((e) => e.type === 'attachment.refused').length).toBeGreaterThanOrEqual(10);
    outputs.push(auditText, audit.stdout, audit.stderr);

    // No secret, and no temporary attachment URL, anywhere: stdout, stderr, reports, audit log, webhook bodies.
    const urls = [...chatGot, ...customGot, ...(await receivedBy(t.sim, email))].flatMap((m) =>
      m.attachments!.map((a) => a.url),
    );
    expect(urls).toHaveLength(4);
    const everything = [...outputs, JSON.stringify([...received.values()])].join('\n');
    for (const secret of SECRETS) for (const form of formsOf(secret)) expect(everything).not.toContain(form);
    for (const url of urls) {
      expect(everything).not.toContain(url);
      expect(everything).not.toContain(new URL(url).searchParams.get('signature')!);
    }
    expect(everything).not.toContain('signature=');
    // The search sees what the run wrote: the contact numbers and the refusals are there.
    expect(everything).toContain(chat.contactNumber);
    expect(everything).toContain('Local.Test.EICAR.UNOFFICIAL');
  }, 180_000);

  // core's fault points of the attach flow (faults.ts): after-upload (the job recorded `sending`
  // with its upload, nothing sent), after-send (the message sent and answered, `sent` not recorded).
  it.each([
    ['after-upload', 0],
    ['after-send', 1],
  ] as const)(
    'a run killed %s sends one message only, with the one upload, when run again',
    async (step, messagesAtKill) => {
      const t = await makeTenant(`crash-${step}`, { 'form.pdf': pdf('Signed form') }, ({ chat }) => [
        { file: 'form.pdf', contact: chat, text: 'Your signed form' },
      ]);
      const itemId = `${t.contacts.chat.channel.id}/contact-${t.contacts.chat.contactNumber}/form.pdf`;
      const killed = await start(t, ['run', t.file, '--report', t.reportFile(1)], {
        CXARCHIVE_TEST_HOOKS: '1',
        CXARCHIVE_TEST_FAULT: `${step}:${itemId}:kill`,
      }).done;
      outputs.push(killed.stdout, killed.stderr);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(uploads(t.sim)).toBe(1);
      const atKill = await receivedBy(t.sim, t.contacts.chat);
      expect(atKill).toHaveLength(messagesAtKill);

      const again = await run(t, 2);
      expect(again.exit.code, again.exit.stderr).toBe(0);
      expect(again.report.counts).toMatchObject({ archived: 1, failed: 0 });
      const got = await receivedBy(t.sim, t.contacts.chat);
      expect(got).toHaveLength(1);
      expect(got[0]!.attachments!.map((a) => a.friendlyName)).toEqual(['form.pdf']);
      if (messagesAtKill === 1) expect(got[0]!.id).toBe(atKill[0]!.id);
      // The recorded upload was sent (or found sent), not a second one.
      expect(uploads(t.sim)).toBe(1);
      const third = await run(t, 3);
      expect(third.report.counts).toMatchObject({ archived: 0, skipped: 1 });
      expect(await receivedBy(t.sim, t.contacts.chat)).toHaveLength(1);
    },
    120_000,
  );

  it('a run killed while CXone holds its send sends one message only when run again', async () => {
    const t = await makeTenant('crash-held', { 'form.pdf': pdf('Held form') }, ({ email }) => [
      { file: 'form.pdf', contact: email, text: 'Your form' },
    ]);
    // The simulator holds the send; once it holds it, the run is killed. The held request then goes
    // on without its client: CXone may or may not have taken the message.
    t.sim.faults.add({ route: 'dfo-outbound', kind: 'latency', ms: 1500 });
    const killed = start(t, ['run', t.file, '--report', t.reportFile(1)]);
    const deadline = Date.now() + 60_000;
    while (t.sim.faults.list()[0]!.applied === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(t.sim.faults.list()[0]!.applied).toBe(1);
    killed.child.kill('SIGKILL');
    const exit = await killed.done;
    outputs.push(exit.stdout, exit.stderr);
    expect(exit.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    t.sim.faults.clear();
    const atKill = await receivedBy(t.sim, t.contacts.email);

    const again = await run(t, 2);
    expect(again.exit.code, again.exit.stderr).toBe(0);
    expect(again.report.counts).toMatchObject({ archived: 1, failed: 0 });
    const got = await receivedBy(t.sim, t.contacts.email);
    expect(got).toHaveLength(1);
    if (atKill.length === 1) expect(got[0]!.id).toBe(atKill[0]!.id);
    expect(uploads(t.sim)).toBe(1);
  }, 120_000);

  it('an upload whose temporary URL expired before it was sent is uploaded again, and sent once', async () => {
    // The simulator's clock is moved forward between the runs, past the attachment's lifetime.
    let offset = 0;
    const t = await makeTenant(
      'expiry',
      { 'form.pdf': pdf('Expiring form') },
      ({ email }) => [{ file: 'form.pdf', contact: email }],
      { simulator: { now: () => new Date(Date.now() + offset) } },
    );
    // First run: the upload is done, every send is cut: the job stays `sending` with its upload.
    t.sim.faults.add({ route: 'dfo-outbound', kind: 'reset', count: 'always' });
    const first = await run(t, 1);
    expect(first.report.counts).toMatchObject({ archived: 0, failed: 1 });
    expect(first.report.failures[0]!.errorTag).toBe('Transient');
    expect(uploads(t.sim)).toBe(1);
    expect(await receivedBy(t.sim, t.contacts.email)).toHaveLength(0);
    t.sim.faults.clear();
    offset = 2 * 3600_000; // the attachment (1 h) has expired at CXone; to the runtime it has not

    const second = await run(t, 2);
    expect(second.exit.code, second.exit.stderr).toBe(0);
    expect(second.report.counts).toMatchObject({ archived: 1, failed: 0 });
    // DFO refused the dead URL (400), the file was uploaded again and sent once.
    expect(
      t.sim.requestLog().some((r) => r.route === 'dfo-outbound' && r.status === 400),
      'the simulator refused the expired attachment',
    ).toBe(true);
    expect(uploads(t.sim)).toBe(2);
    const got = await receivedBy(t.sim, t.contacts.email);
    expect(got).toHaveLength(1);
    const body = await fetch(got[0]!.attachments![0]!.url);
    expect(body.status).toBe(200);
  }, 120_000);

  it('a short-lived upload left by a stopped run is uploaded again before it is sent', async () => {
    const t = await makeTenant(
      'short',
      { 'form.pdf': pdf('Short-lived form') },
      ({ custom }) => [{ file: 'form.pdf', contact: custom }],
      { sinkExtra: '      expiryMargin: 1s\n' },
    );
    const { configureDfo } = await import('@cxarchive/cxone-simulator');
    configureDfo(t.sim.url, { attachmentTtlSeconds: 60 }); // under the runtime's 2-minute margin
    t.sim.faults.add({ route: 'dfo-channel-message', kind: 'reset', count: 'always' });
    const first = await run(t, 1);
    expect(first.report.counts).toMatchObject({ archived: 0, failed: 1 });
    expect(uploads(t.sim)).toBe(1);
    t.sim.faults.clear();
    const second = await run(t, 2);
    expect(second.report.counts).toMatchObject({ archived: 1, failed: 0 });
    expect(uploads(t.sim)).toBe(2);
    expect(await receivedBy(t.sim, t.contacts.custom)).toHaveLength(1);
  }, 120_000);

  it('a scanner outage fails the files as transient and sends nothing unscanned; once back, the next run sends them', async () => {
    const t = await makeTenant('outage', { 'a.pdf': pdf('first'), 'b.png': png() }, ({ chat, email }) => [
      { file: 'a.pdf', contact: chat },
      { file: 'b.png', contact: email },
    ]);
    await clamd.kill();
    let down: Awaited<ReturnType<typeof run>>;
    try {
      down = await run(t, 1);
    } finally {
      await clamd.start();
    }
    expect(down.report.counts).toMatchObject({ archived: 0, failed: 2 });
    for (const failure of down.report.failures) {
      expect(failure.errorTag).toBe('Transient');
      expect(failure.reason).toMatch(/clamd/i);
    }
    // Nothing reached CXone.
    expect(t.sim.requestLog().filter((r) => r.route?.startsWith('dfo-'))).toEqual([]);
    expect(eventsOf('outage').filter((e) => e.type === 'attachment.failed')).toHaveLength(2);

    const back = await run(t, 2);
    expect(back.report.counts).toMatchObject({ archived: 2, failed: 0 });
    expect(await receivedBy(t.sim, t.contacts.chat)).toHaveLength(1);
    expect(await receivedBy(t.sim, t.contacts.email)).toHaveLength(1);
    expect(eventsOf('outage').filter((e) => e.type === 'attachment.sent')).toHaveLength(2);
  }, 120_000);
});
