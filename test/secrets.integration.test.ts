// Secrets, proven: a real pipeline (the CXone simulator → source-cxone → redact → gzip-aes → sink-s3
// on Ceph RGW, or sink-fs where RGW cannot run → notifier-webhook to a local receiver), driven
// through the built `cxarchive` CLI, with a unique canary value for every secret: the CXone access
// key id and secret and client secret, the storage keys, the webhook secret, the key file and the
// passphrase of the codec, the redact HMAC key. It runs to success, with --verbose, against a wrong
// CXone secret, with a configuration error and killed (SIGKILL) mid-upload; then stdout, stderr,
// the report, the audit log, the ledger's raw bytes (.db, -wal), every other file the run left,
// every archived object (raw bytes, plaintext header and decoded records) and every webhook body
// the receiver got are searched for each canary in every encoding (raw, base64 and base64url at
// each alignment, hex, URL-encoded, JSON-escaped): zero occurrences. Neither does any signed
// recording URL of the simulator (its `signature` query) appear. The search is itself shown to see:
// planted canaries are found in every encoding, and a non-secret value put beside the secrets (the
// storage prefix) is found where the run writes object keys.
import { execFile } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import codecPlugin, { readCxarHeader } from '@cxarchive/codec-gzip-aes';
import { memoryJobStore } from '@cxarchive/core/host';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { type CephRgw, cephRgwUnavailable, startCephRgw } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, listFiles, ROOT } from './helpers.js';
import { assertBuilt, cli } from './restore-helpers.js';

// ---------------------------------------------------------------------------------------------
// The canaries: each secret a value found nowhere else, with characters that change under
// URL-encoding (`/`, `+`, `=`, space) where the secret's format allows them.
const WEBHOOK_KEY = Buffer.from('cxcanary-webhook-key-6e2b9d4f1a7c0e5b');
const KEK = randomBytes(32);
const CANARIES = {
  cxoneAccessKeyId: 'CXCANARY-AKID-3f9a1c7e5b0d',
  cxoneAccessKeySecret: 'cxcanary/akSecret+8d2e6b0f4a=',
  cxoneClientSecret: 'cxcanary-client-secret-71c4e9a2d0',
  wrongCxoneSecret: 'cxcanary/wrongSecret+5a0c3e7b9d=',
  wrongS3SecretAccessKey: 'cxcanaryWrongS3secret4c1e7a0d9b3f6h2j8k5',
  s3AccessKeyId: 'CXCANARYS3AKID7Q2XZ9',
  s3SecretAccessKey: 'cxcanaryS3secret0b7d4f1a9c2e6h8j5k3m7n1p',
  webhookSecret: `whsec_${WEBHOOK_KEY.toString('base64')}`,
  webhookKey: WEBHOOK_KEY,
  badWebhookSecret: 'whsec_cxcanary!bad+secret/4e8a2c6f0b',
  keyFileHex: KEK.toString('hex'),
  kek: KEK,
  passphrase: 'cxcanary passphrase 9b3e7a1d5f',
  redactKey: 'cxcanary-redact-hmac-key-2d8f6a0c4e1b',
} as const satisfies Record<string, string | Buffer>;
/** Not a secret: the storage prefix, in object keys. The control that the search sees the run's output. */
const CONTROL = 'ctlcanary7d3e9f';

// ---------------------------------------------------------------------------------------------
// The search.

/**
 * A value's forms: raw, hex (both cases), URL-encoded, JSON-escaped, and base64 / base64url at the
 * three alignments a value can have inside a longer encoded text (only the characters that come
 * from the value alone: at least a few dozen for every canary here).
 */
const encodingsOf = (value: string | Buffer): Map<string, Buffer> => {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  const forms = new Map<string, Buffer>([
    ['raw', bytes],
    ['hex', Buffer.from(bytes.toString('hex'))],
    ['HEX', Buffer.from(bytes.toString('hex').toUpperCase())],
  ]);
  if (!Buffer.isBuffer(value)) {
    forms.set('url-encoded', Buffer.from(encodeURIComponent(value)));
    forms.set('form-encoded', Buffer.from(new URLSearchParams({ v: value }).toString().slice(2)));
    forms.set('json', Buffer.from(JSON.stringify(value).slice(1, -1)));
  }
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    const core = encoded.slice(offset === 0 ? 0 : 4, end);
    forms.set(`base64@${offset}`, Buffer.from(core));
    forms.set(`base64url@${offset}`, Buffer.from(core.replace(/\+/g, '-').replace(/\//g, '_')));
  }
  // A form equal to another (hex of digits, a URL-encoding that changes nothing) is searched once.
  const unique = new Map<string, Buffer>();
  for (const [name, form] of forms)
    if (![...unique.values()].some((seen) => seen.equals(form))) unique.set(name, form);
  return unique;
};

/** Every occurrence of every canary, in any form, in any place: `name (form) in where`. */
const findCanaries = (
  places: ReadonlyMap<string, Buffer>,
  canaries: Readonly<Record<string, string | Buffer>>,
): string[] => {
  const found: string[] = [];
  for (const [name, value] of Object.entries(canaries))
    for (const [form, needle] of encodingsOf(value))
      for (const [where, bytes] of places)
        if (bytes.includes(needle)) found.push(`${name} (${form}) in ${where}`);
  return found;
};

// ---------------------------------------------------------------------------------------------
// The servers: the simulator, the store, the receiver.

/** The simulator's clock stands still, so a recording's signed URL is the same whoever asks for it. */
const CLOCK = new Date();
const CONTACTS = 8;
const BUCKET = 'secrets';
let simulator: RunningSimulator;
let rgw: CephRgw | undefined;
const rgwUnavailable = cephRgwUnavailable();

interface Delivery {
  readonly run: string;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly verified: boolean;
}
const deliveries: Delivery[] = [];
let currentRun = '';
let receiver: Server;
let receiverUrl = '';

type VerifyWebhook = (
  body: Buffer,
  headers: IncomingHttpHeaders,
  options: { secrets: string | readonly string[] },
) => { ok: boolean };

/** The notifier package as the CLI has it (the test root does not depend on it). */
const notifierPackage = async (): Promise<{ verifyWebhook: VerifyWebhook }> =>
  import(
    pathToFileURL(createRequire(path.join(CLI_DIR, 'package.json')).resolve('@cxarchive/notifier-webhook'))
      .href
  );

/** What this test reads of the S3 SDK's answers (a listing, an object). */
interface S3Answer {
  readonly Contents?: readonly { readonly Key?: string }[];
  readonly IsTruncated?: boolean;
  readonly NextContinuationToken?: string;
  readonly Body?: { transformToByteArray(): Promise<Uint8Array> };
}
/** The S3 SDK, from the sink that depends on it. */
interface S3Sdk {
  S3Client: new (
    config: Record<string, unknown>,
  ) => { send(command: unknown): Promise<S3Answer>; destroy(): void };
  CreateBucketCommand: new (input: Record<string, unknown>) => unknown;
  ListObjectsV2Command: new (input: Record<string, unknown>) => unknown;
  GetObjectCommand: new (input: Record<string, unknown>) => unknown;
}
const s3Sdk = () =>
  createRequire(path.join(ROOT, 'packages', 'sink-s3', 'package.json'))('@aws-sdk/client-s3') as S3Sdk;
const s3Client = (server: CephRgw) =>
  new (s3Sdk().S3Client)({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: CANARIES.s3AccessKeyId, secretAccessKey: CANARIES.s3SecretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

beforeAll(async () => {
  assertBuilt();
  const { verifyWebhook } = await notifierPackage();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const verified = verifyWebhook(body, req.headers, { secrets: CANARIES.webhookSecret }).ok;
      deliveries.push({ run: currentRun, body, headers: req.headers, verified });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/cxone`;
  simulator = await startSimulator({
    seed: 23,
    contacts: CONTACTS,
    recordingSeconds: [1, 4],
    now: () => CLOCK,
    credentials: {
      accessKeyId: CANARIES.cxoneAccessKeyId,
      accessKeySecret: CANARIES.cxoneAccessKeySecret,
      clientSecret: CANARIES.cxoneClientSecret,
    },
  });
  if (rgwUnavailable === undefined) {
    rgw = await startCephRgw();
    // An S3 user whose keys are canaries, and the bucket it owns.
    await promisify(execFile)(
      'radosgw-admin',
      [
        '-c',
        path.join(rgw.dir, 'ceph.conf'),
        'user',
        'create',
        '--uid=canary',
        '--display-name=canary',
        `--access-key=${CANARIES.s3AccessKeyId}`,
        `--secret-key=${CANARIES.s3SecretAccessKey}`,
      ],
      { timeout: 60_000 },
    );
    const client = s3Client(rgw);
    await client.send(new (s3Sdk().CreateBucketCommand)({ Bucket: BUCKET }));
    client.destroy();
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([
    simulator?.stop(),
    rgw?.stop(),
    new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve())),
  ]);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// A run: its own tenant directory, ledger and prefix.

const dirs: string[] = [];

const sinkBlock = (run: string) =>
  rgw
    ? `  - use: s3
    with:
      bucket: ${BUCKET}
      endpoint: \${S3_ENDPOINT}
      forcePathStyle: true
      region: us-east-1
      prefix: ${CONTROL}-${run}/
      accessKeyId: \${S3_ACCESS_KEY_ID}
      secretAccessKey: \${S3_SECRET_ACCESS_KEY}`
    : `  - use: fs
    with: { root: ./archive/${CONTROL}-${run}, fsync: false }`;

const pipelineFor = (run: string) => `version: 1
tenant: secrets
source:
  use: cxone
  with:
    issuer: \${CXONE_ISSUER}
    accessKeyId: \${CXONE_ACCESS_KEY_ID}
    accessKeySecret: \${CXONE_ACCESS_KEY_SECRET}
    clientId: \${CXONE_CLIENT_ID}
    clientSecret: \${CXONE_CLIENT_SECRET}
    since: 2026-01-01T00:00:00Z
    pageSize: 3
    media: [voice]
transforms:
  - use: redact
    with:
      key: \${REDACT_KEY}
      rules:
        - { action: hash, paths: [fromAddress, toAddress] }
codec:
  use: gzip-aes
  with:
    key: { provider: passphrase, variable: ARCHIVE_PASSPHRASE }
    readKeys: [{ provider: file, path: ./keys/tenant.key }]
sinks:
${sinkBlock(run)}
notifiers:
  - use: webhook
    with:
      url: \${WEBHOOK_URL}
      secret: \${WEBHOOK_SECRET}
      allowInsecureLoopback: true
      on: ["*", run.failed]
      batchSize: 4
      batchWait: 100ms
      giveUpAfter: 5s
retry: { attempts: 3, initialDelay: 1ms, maxDelay: 5ms }
concurrency: 3
`;

const baseEnv = (): Record<string, string> => ({
  CXONE_ISSUER: simulator.url,
  CXONE_ACCESS_KEY_ID: CANARIES.cxoneAccessKeyId,
  CXONE_ACCESS_KEY_SECRET: CANARIES.cxoneAccessKeySecret,
  CXONE_CLIENT_ID: simulator.credentials.clientId,
  CXONE_CLIENT_SECRET: CANARIES.cxoneClientSecret,
  S3_ENDPOINT: rgw?.endpoint ?? '',
  S3_ACCESS_KEY_ID: CANARIES.s3AccessKeyId,
  S3_SECRET_ACCESS_KEY: CANARIES.s3SecretAccessKey,
  WEBHOOK_URL: receiverUrl,
  WEBHOOK_SECRET: CANARIES.webhookSecret,
  ARCHIVE_PASSPHRASE: CANARIES.passphrase,
  REDACT_KEY: CANARIES.redactKey,
});

interface RunOutcome {
  readonly run: string;
  readonly dir: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const runCli = async (
  run: string,
  {
    args = [],
    env = {},
    resume,
  }: {
    args?: string[];
    env?: Record<string, string> /** The run whose directory (ledger, prefix) is taken on. */;
    resume?: RunOutcome;
  } = {},
): Promise<RunOutcome> => {
  const dir = resume?.dir ?? mkdtempSync(path.join(tmpdir(), `cxarchive-secrets-${run}-`));
  const file = path.join(dir, 'archive.pipeline.yaml');
  if (!resume) {
    dirs.push(dir);
    mkdirSync(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'keys', 'tenant.key'), `${CANARIES.keyFileHex}\n`, { mode: 0o600 });
    writeFileSync(file, pipelineFor(run));
  }
  currentRun = run;
  const result = await cli(['run', file, '--report', path.join(dir, 'report.json'), ...args], {
    ...baseEnv(),
    ...env,
  });
  // Messages the notifier sent late are counted for this run too.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { run: resume?.run ?? run, dir, ...result };
};

const readAll = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** The archived objects of a run, by key: from RGW under the run's prefix, or from its fs root. */
const objectsOf = async (outcome: RunOutcome): Promise<Map<string, Buffer>> => {
  const objects = new Map<string, Buffer>();
  if (!rgw) {
    const root = path.join(outcome.dir, 'archive');
    if (existsSync(root)) for (const f of listFiles(root)) objects.set(f, readFileSync(path.join(root, f)));
    return objects;
  }
  const sdk = s3Sdk();
  const client = s3Client(rgw);
  let token: string | undefined;
  do {
    const page = await client.send(
      new sdk.ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: `${CONTROL}-${outcome.run}/`,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const { Key } of page.Contents ?? []) {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: BUCKET, Key }));
      if (Key === undefined || got.Body === undefined) throw new Error(`no body for ${Key}`);
      if (Key === undefined || got.Body === undefined) throw new Error(`no body for ${Key}`);
      objects.set(Key, Buffer.from(await got.Body.transformToByteArray()));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  client.destroy();
  return objects;
};

/** Opens archived objects with the run's passphrase (the reader's side, in this process). */
const decoder = async () => {
  process.env.CXARCHIVE_SECRETS_TEST_PASSPHRASE = CANARIES.passphrase;
  const created = await codecPlugin.create(
    { key: { provider: 'passphrase', variable: 'CXARCHIVE_SECRETS_TEST_PASSPHRASE' } } as never,
    {
      tenant: 'secrets',
      baseDir: ROOT,
      label: 'codec',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      jobs: memoryJobStore(),
      now: () => new Date(),
      budget: (family: string) => {
        throw new Error(`the codec declares no budget (asked for ${family})`);
      },
    },
  );
  if (created.isErr()) throw new Error(created.error.message);
  return created.value;
};

/**
 * Everything a run left where someone could read it: stdout, stderr, every file of its tenant
 * directory but the key file (report, ledger and its WAL, audit log and head), every archived
 * object (raw bytes, plaintext header, and the decoded body of JSON objects), and the webhook bodies
 * and headers the receiver got during it.
 */
const placesOf = async (outcome: RunOutcome) => {
  const places = new Map<string, Buffer>([
    ['stdout', Buffer.from(outcome.stdout)],
    ['stderr', Buffer.from(outcome.stderr)],
  ]);
  for (const f of listFiles(outcome.dir))
    if (f !== path.join('keys', 'tenant.key')) places.set(f, readFileSync(path.join(outcome.dir, f)));
  const objects = await objectsOf(outcome);
  const codec = objects.size > 0 ? await decoder() : undefined;
  let decodedRecords = 0;
  /** The KEKs the codec derived from the passphrase (one per run: the salt is in the key id). */
  const derivedKeks = new Map<string, Buffer>();
  for (const [key, bytes] of objects) {
    places.set(`object ${key}`, bytes);
    if (!key.endsWith('.cxar') || !codec) continue;
    const header = await readCxarHeader(Readable.from([bytes]));
    if (header.isErr()) throw new Error(`${key}: ${header.error.message}`);
    header.value.rest.destroy();
    places.set(`object ${key} (header)`, header.value.header.contextBytes);
    const keyId = header.value.header.keySlot.keyId;
    const pw = /^pw:(\d+):([0-9a-f]{32}):/.exec(keyId);
    if (pw && !derivedKeks.has(keyId))
      derivedKeks.set(
        keyId,
        pbkdf2Sync(Buffer.from(CANARIES.passphrase), Buffer.from(pw[2]!, 'hex'), Number(pw[1]), 32, 'sha256'),
      );
    const { v: _v, ...context } = header.value.header.context;
    if (!String(context.contentType ?? '').includes('json')) continue;
    const decoded = await codec.decode(Readable.from([bytes]), context, new AbortController().signal);
    if (decoded.isErr()) throw new Error(`${key}: ${decoded.error.message}`);
    places.set(`object ${key} (decoded)`, await readAll(decoded.value));
    decodedRecords++;
  }
  for (const [i, d] of deliveries
    .filter((d) => d.run === outcome.run || d.run === `${outcome.run}+resume`)
    .entries()) {
    places.set(`webhook ${i} body`, d.body);
    places.set(`webhook ${i} headers`, Buffer.from(JSON.stringify(d.headers)));
  }
  return { places, objects, decodedRecords, derivedKeks };
};

/**
 * The signed recording URLs the simulator hands out (its clock stands still: the very URLs the
 * source was given), with their signatures, for every contact that has a recording. Asked once:
 * they never change, and the simulator's Media Playback budget (150 per 5 minutes of its clock)
 * never refills while its clock stands still.
 */
let signedUrlsOnce: Promise<Map<string, string>> | undefined;
const signedUrls = (): Promise<Map<string, string>> => {
  signedUrlsOnce ??= askSignedUrls();
  return signedUrlsOnce;
};
const askSignedUrls = async (): Promise<Map<string, string>> => {
  const form = new URLSearchParams({
    grant_type: 'password',
    username: CANARIES.cxoneAccessKeyId,
    password: CANARIES.cxoneAccessKeySecret,
    client_id: simulator.credentials.clientId,
    client_secret: CANARIES.cxoneClientSecret,
  });
  const tokenAnswer = await fetch(`${simulator.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  expect(tokenAnswer.status).toBe(200);
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const urls = new Map<string, string>();
  for (const c of simulator.dataset.contacts) {
    const answer = await fetch(
      `${simulator.url}/media-playback/v1/contacts?acd-call-id=${c.masterContactId}&media-type=voice-only`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (answer.status !== 200) continue;
    const body = (await answer.json()) as { interactions: { data: { fileToPlayUrl?: string } }[] };
    const url = body.interactions[0]?.data.fileToPlayUrl;
    if (!url) continue;
    const signature = new URL(url).searchParams.get('signature');
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    urls.set(`signed url of ${c.masterContactId}`, url);
    urls.set(`signature of ${c.masterContactId}`, signature!);
  }
  return urls;
};

/** A bearer token as the simulator issues them (a JWT). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;

/** The checks every run passes: no canary, no signed URL, no bearer token, in any place. */
const expectNothingLeaked = async (outcome: RunOutcome) => {
  const found = await placesOf(outcome);
  expect(findCanaries(found.places, CANARIES)).toEqual([]);
  // The objects are under keys derived from the passphrase (one per run that wrote), found nowhere.
  if (found.objects.size > 0) expect(found.derivedKeks.size).toBeGreaterThan(0);
  expect(findCanaries(found.places, Object.fromEntries(found.derivedKeks))).toEqual([]);
  const urls = await signedUrls();
  expect(findCanaries(found.places, Object.fromEntries(urls))).toEqual([]);
  for (const [where, bytes] of found.places)
    if (!where.startsWith('object ') || where.endsWith(')'))
      expect(JWT.test(bytes.toString('latin1')), `a bearer token in ${where}`).toBe(false);
  // The media origin's signing query never appears either, whatever its values.
  const text = (where: string) => found.places.get(where)?.toString('latin1') ?? '';
  for (const where of found.places.keys())
    if (!where.startsWith('object ') || where.endsWith(')'))
      expect(text(where), where).not.toMatch(/[?&]signature=[0-9a-f]/);
  return { ...found, urls };
};

// ---------------------------------------------------------------------------------------------

describe('the canary search', () => {
  it('finds a canary planted in every encoding, at every alignment, and nothing in its absence', () => {
    for (const [name, value] of Object.entries(CANARIES)) {
      const forms = encodingsOf(value);
      expect([...forms.keys()], name).toEqual(
        expect.arrayContaining(['raw', 'hex', 'base64@0', 'base64@1', 'base64@2']),
      );
      for (const [form, needle] of forms) {
        const plant = Buffer.concat([randomBytes(17), Buffer.from(' … '), needle, Buffer.from(' …\n')]);
        expect(findCanaries(new Map([['planted', plant]]), { [name]: value }), `${name} ${form}`).toContain(
          `${name} (${form}) in planted`,
        );
      }
      // Encoded the way a careless program would, inside a longer text: found.
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
      for (const lead of ['', 'x', 'xy']) {
        const carriers = [
          Buffer.from(`{"auth":"${Buffer.concat([Buffer.from(lead), bytes]).toString('base64')}"}`),
          Buffer.from(`Basic ${Buffer.concat([Buffer.from(`${lead}:`), bytes]).toString('base64url')}`),
          Buffer.from(`?k=${lead}${bytes.toString('hex')}&z`),
        ];
        for (const carrier of carriers)
          expect(
            findCanaries(new Map([['c', carrier]]), { [name]: value }).length,
            `${name} in ${carrier}`,
          ).toBeGreaterThan(0);
      }
      if (!Buffer.isBuffer(value)) {
        const query = Buffer.from(new URLSearchParams({ password: value }).toString());
        expect(findCanaries(new Map([['q', query]]), { [name]: value }).length, name).toBeGreaterThan(0);
      }
    }
    const clean = new Map([
      ['clean', Buffer.from(JSON.stringify({ note: 'cxcanary', n: randomBytes(64).toString('base64') }))],
    ]);
    expect(findCanaries(clean, CANARIES)).toEqual([]);
  });
});

describe('secrets never appear in what a run leaves', () => {
  it(`a successful run (${rgwUnavailable ? `sink-fs, as ${rgwUnavailable}` : 'sink-s3 on Ceph RGW'})`, async () => {
    const outcome = await runCli('success');
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/archived \d+, failed 0/);
    const { places, objects, decodedRecords, urls } = await expectNothingLeaked(outcome);

    // The search saw the run: the report, the ledger, its WAL or db, the audit log, the objects
    // (records decoded), verified webhook bodies; the signed URLs exist and were used.
    const files = [...places.keys()];
    expect(files).toContain('report.json');
    expect(files.some((f) => f.endsWith('secrets.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('secrets.audit.jsonl'))).toBe(true);
    expect(objects.size).toBeGreaterThan(CONTACTS);
    expect(decodedRecords).toBe(CONTACTS);
    const mine = deliveries.filter((d) => d.run === 'success');
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.every((d) => d.verified)).toBe(true);
    expect(urls.size).toBeGreaterThan(0);
    const downloads = simulator
      .requestLog()
      .filter((r) => r.path.startsWith('/media/files/') && r.status === 200);
    expect(downloads.length).toBeGreaterThan(0);
    // The control: the non-secret prefix beside the secrets is found where object keys are written
    // (sink-s3's prefix is part of the physical keys; sink-fs has none to put it in).
    if (!rgw) return;
    const withControl = (f: (where: string) => boolean) =>
      findCanaries(new Map([...places].filter(([where]) => f(where))), { control: CONTROL });
    expect(withControl((w) => w.endsWith('secrets.db') || w.endsWith('-wal')).length).toBeGreaterThan(0);
    expect(withControl((w) => w.endsWith('.audit.jsonl')).length).toBeGreaterThan(0);
    expect(withControl((w) => w.startsWith('webhook ') && w.endsWith('body')).length).toBeGreaterThan(0);
    // And the redacted records still came through: the decoded records are read, not skipped.
    const decoded = [...places].filter(([w]) => w.endsWith('(decoded)')).map(([, b]) => b.toString('utf8'));
    expect(decoded.some((text) => text.includes('hmac-sha256:'))).toBe(true);
  }, 180_000);

  it('a run with --verbose, through refusals, cut connections and an expired token', async () => {
    // What makes a run log its requests: retried downloads of the signed URLs, a playback lookup
    // throttled, a listing answered 401 mid-run.
    simulator.faults.set([
      { route: 'media-file', kind: 'status', status: 503, count: 2 },
      { route: 'media-file', kind: 'reset', afterBytes: 1000, after: 3 },
      { route: 'media-playback', kind: 'status', status: 429, retryAfterSeconds: 0, after: 1 },
      { route: 'contacts-completed', kind: 'expire-token', after: 1 },
    ]);
    let applied: number[] = [];
    const outcome = await runCli('verbose', { args: ['--verbose'] }).finally(() => {
      applied = simulator.faults.list().map((f) => f.applied);
      simulator.faults.set([]);
    });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(applied).toEqual([2, 1, 1, 1]);
    // --verbose did log the retries (debug lines on stderr).
    expect(outcome.stderr).toMatch(/retr/i);
    await expectNothingLeaked(outcome);
    expect(deliveries.filter((d) => d.run === 'verbose').length).toBeGreaterThan(1);
  }, 180_000);

  it('a run refused by CXone (a wrong access key secret)', async () => {
    const outcome = await runCli('auth-failure', {
      args: ['--verbose'],
      env: { CXONE_ACCESS_KEY_SECRET: CANARIES.wrongCxoneSecret },
    });
    // credentials rejected before any item: could not start (exit-codes.ts)
    expect(outcome.code).toBe(3);
    expect(outcome.stdout).toContain('run error: [Auth] source.pages: POST');
    // The wrong secret was sent, and refused.
    expect(simulator.requestLog().some((r) => r.path === '/auth/token' && r.status === 400)).toBe(true);
    await expectNothingLeaked(outcome);
    // The receiver was told the run failed, and why, without the secret.
    const failed = deliveries.filter((d) => d.run === 'auth-failure' && d.body.includes('"run.failed"'));
    expect(failed.length).toBe(1);
    expect(failed[0]!.verified).toBe(true);
  }, 180_000);

  it('a configuration error (a malformed webhook secret)', async () => {
    const outcome = await runCli('config-error', {
      args: ['--verbose'],
      env: { WEBHOOK_SECRET: CANARIES.badWebhookSecret },
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('notifiers[0].with.secret');
    await expectNothingLeaked(outcome);
  }, 180_000);

  it('a run killed (SIGKILL) mid-upload', async () => {
    const outcome = await runCli('crash', {
      args: ['--verbose'],
      env: { CXARCHIVE_TEST_HOOKS: '1', CXARCHIVE_TEST_FAULT: 'mid-upload:*:kill:3' },
    });
    expect(outcome.code, outcome.stderr).toBeNull();
    // Killed mid-run: the ledger's WAL is left as it was, and is searched byte for byte.
    expect(existsSync(path.join(outcome.dir, '.cxarchive', 'secrets.db-wal'))).toBe(true);
    const { places } = await expectNothingLeaked(outcome);
    expect([...places.keys()].some((w) => w.endsWith('secrets.db-wal'))).toBe(true);
    expect(places.get(path.join('.cxarchive', 'secrets.audit.jsonl'))?.includes('"run.started"')).toBe(true);

    // The next run takes the crashed one on (its lease, its ledger, what it had stored) and finishes.
    const resumed = await runCli('crash+resume', { args: ['--verbose'], resume: outcome });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/failed 0/);
    const after = await expectNothingLeaked(resumed);
    expect(after.decodedRecords).toBe(CONTACTS);
  }, 180_000);

  it.skipIf(rgwUnavailable !== undefined)(
    'a run whose storage secret is wrong',
    async () => {
      const outcome = await runCli('storage-auth', {
        args: ['--verbose'],
        env: { S3_SECRET_ACCESS_KEY: CANARIES.wrongS3SecretAccessKey },
      });
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toContain('the credentials were refused for bucket "secrets"');
      await expectNothingLeaked(outcome);
    },
    180_000,
  );
});
