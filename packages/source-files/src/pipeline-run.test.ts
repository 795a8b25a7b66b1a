// Runs through the real runtime: the pipeline file names `use: files` (resolved through the package
// manifest, as the CLI resolves it) and `use: fs`; the testkit's identity codec takes the codec's
// place, so the stored objects are the files' bytes. The attach flow's own runtime is built
// elsewhere; the archive flow exercises the same listing, ledger, fetch and artifact paths.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  definePlugin,
  loadPipeline,
  ok,
  PLUGIN_API_VERSION,
  type PreparedPipeline,
  type PreparedPlugin,
  preparePipeline,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { createIdentityCodec } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('../../cli', import.meta.url));
const CONDITIONS = ['@cxarchive/source', 'import', 'default'];

const identityCodec = (): PreparedPlugin<'codec'> =>
  ({
    kind: 'codec',
    label: 'codec',
    use: 'identity',
    packageName: 'test-identity-codec',
    version: '0',
    config: {},
    definition: definePlugin({
      kind: 'codec',
      name: 'identity',
      apiVersion: PLUGIN_API_VERSION,
      configSchema: {},
      create: () => ok(createIdentityCodec()),
    }),
  }) as unknown as PreparedPlugin<'codec'>;

const setUp = async (): Promise<{ dir: string; prepare: () => Promise<PreparedPipeline> }> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-source-files-run-'));
  await mkdir(path.join(dir, 'outbox/invoices'), { recursive: true });
  await writeFile(path.join(dir, 'outbox/invoices/nov.pdf'), '%PDF-1.7 november');
  await writeFile(path.join(dir, 'outbox/call.wav'), 'RIFF call back');
  await writeFile(path.join(dir, 'outbox/stray.png'), 'PNG stray');
  writeFileSync(
    path.join(dir, 'outbox.csv'),
    'file,contactNumber,threadId,channelId,text\n' +
      'invoices/nov.pdf,1001,,chat_1,"Your invoice, as promised"\n' +
      'call.wav,,th-9,chat_1,\n' +
      'call.wav,1001,th-9,chat_1,\n',
  );
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: acme
source:
  use: files
  with: { directory: ./outbox, manifest: ./outbox.csv }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./unused.key } } }
sinks:
  - use: fs
    with: { root: ./archive, fsync: false }
retry: { attempts: 2, initialDelay: 1ms, maxDelay: 5ms }
`,
  );
  return {
    dir,
    prepare: async () => {
      const loaded = await loadPipeline({ file, env: process.env });
      const prepared = await preparePipeline(loaded, {
        fallbackFrom: [CLI_DIR],
        conditions: CONDITIONS,
        scrubber: new SecretScrubber(),
      });
      return { ...prepared, codec: identityCodec() };
    },
  };
};

const storedFiles = (root: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      out.set(path.relative(root, full), readFileSync(full, 'latin1'));
    }
  return out;
};

describe('a pipeline run with the files source', () => {
  it('archives each row once, reports each refusal with its reason, and takes a fixed cause on the next run', async () => {
    const { dir, prepare } = await setUp();
    const first = await runPipeline({ prepared: await prepare(), scrubber: new SecretScrubber() });
    expect((await prepare()).source.packageName).toBe('@cxarchive/source-files');
    expect(first.status).toBe('completed_with_failures');
    expect(first.counts).toMatchObject({ archived: 2, failed: 2 });
    expect(first.failures.map((f) => [f.itemId, f.errorTag, f.reason]).sort()).toEqual([
      [
        'refused/file/stray.png',
        'InvalidInput',
        'source.fetch: no manifest row for file "stray.png": add a row naming it (with its contact and channel) to ./outbox.csv, or remove it from the directory; a file without a row is never guessed',
      ],
      [
        expect.stringMatching(/^refused\/row\/[0-9a-f]{32}$/),
        'InvalidInput',
        'source.fetch: manifest ./outbox.csv line 4: the row has both a contactNumber and a threadId: give exactly one; the row is refused',
      ],
    ]);
    const stored = [...storedFiles(path.join(dir, 'archive')).entries()];
    // The file artifacts hold the files' exact bytes (the identity codec stores them as they are).
    expect(stored.filter(([, body]) => body === '%PDF-1.7 november').map(([key]) => key)).toEqual([
      expect.stringMatching(
        /^acme\/\d{4}\/\d{2}\/\d{2}\/chat_5F1_2Fcontact-1001_2Finvoices_2Fnov\.pdf\/file/,
      ),
    ]);
    expect(stored.some(([, body]) => body === 'RIFF call back')).toBe(true);
    // The record holds the target and the message; nothing of the refused rows is stored.
    expect(stored.some(([, body]) => body.includes('"text":"Your invoice, as promised"'))).toBe(true);

    // Run again: nothing archived twice; the refusals are tried again and still refused.
    const second = await runPipeline({ prepared: await prepare(), scrubber: new SecretScrubber() });
    expect(second.counts).toMatchObject({ archived: 0, failed: 2, skipped: 2 });
    expect(storedFiles(path.join(dir, 'archive')).size).toBe(stored.length);

    // The stray file gets its row: the next run archives it under its own id, and the refusal says
    // it is superseded.
    writeFileSync(
      path.join(dir, 'outbox.csv'),
      `${readFileSync(path.join(dir, 'outbox.csv'), 'utf8')}stray.png,1002,,chat_1,\n`,
    );
    const third = await runPipeline({ prepared: await prepare(), scrubber: new SecretScrubber() });
    expect(third.counts).toMatchObject({ archived: 1 });
    expect(third.failures.find((f) => f.itemId === 'refused/file/stray.png')?.reason).toMatch(/superseded/);
  });
});
