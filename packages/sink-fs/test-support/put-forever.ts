// A child process for the crash test: opens the fs sink on the root given as argument, starts a
// put whose body never ends, prints "writing <bytes>" once the bytes sit in its temp file, then
// waits to be killed (SIGKILL: no cleanup of any kind runs).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { openFsSink, resolveOptions, TEMP_DIR } from '../src/index.js';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: put-forever.ts <root>');
const BYTES = 512 * 1024;

const options = resolveOptions({ root, fsync: false }, process.cwd())._unsafeUnwrap();
const sink = (await openFsSink(options))._unsafeUnwrap();
const body = new PassThrough();
const put = sink.put('acme/2026/10/01/1/recording.wav.cxar', body, {
  signal: new AbortController().signal,
  contentType: 'audio/wav',
  metadata: {},
});
body.write(Buffer.alloc(BYTES, 7));

const tempDir = path.join(root, TEMP_DIR);
const filled = async (): Promise<boolean> => {
  for (const name of await readdir(tempDir)) {
    const info = await stat(path.join(tempDir, name)).catch(() => undefined);
    if (info !== undefined && info.size >= BYTES) return true;
  }
  return false;
};
while (!(await filled())) await new Promise((resolve) => setTimeout(resolve, 5));
process.stdout.write(`writing ${BYTES}\n`);
// Keeps the put and its body reachable (else the collector may take the unreferenced chain and close the file).
setInterval(() => [sink, put, body], 60_000);
