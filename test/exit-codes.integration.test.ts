import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { SecretScrubber } from '@cxarchive/core/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFailure } from '../packages/cli/src/errors-render.js';
import { UserError } from '../packages/cli/src/errors-user.js';
import { EXIT, EXIT_CODES } from '../packages/cli/src/exit-codes.js';
import { setUpPipeline } from '../packages/cli/src/pipeline-setup.js';
import { ROOT } from './helpers.js';

// The built CLI driven through its entry point (bin/run.js), as a scheduler runs it: each failure
// gets its exit code from exit-codes.ts, its message says what to do, and no secret is printed.

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const CANARY = 'canary-Secret-4f1d9c2e7b';

/** A source whose behaviour its options choose: items (some failing), a stall, rejected credentials, a leak. */
const SOURCE = `import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { err, errAsync, ok, okAsync, PluginErrors, Redacted, ResultAsync } from '@cxarchive/core';
export default {
  kind: 'source', name: 'scripted', apiVersion: 2,
  configSchema: { type: 'object', additionalProperties: false, properties: {
    mode: { type: 'string' }, items: { type: 'integer' }, fail: { type: 'array', items: { type: 'string' } },
    marker: { type: 'string' }, token: { type: 'string', 'x-cxarchive-secret': true } } },
  create(config) {
    const { mode = 'items', items = 0, fail = [], marker } = config;
    if (mode === 'leak-create') throw new Error('cannot use token ' + Redacted.value(config.token));
    // a bug outside every call the runtime guards: a stray timer that throws
    if (mode === 'stray') setTimeout(() => { throw new TypeError('stray use of ' + Redacted.value(config.token)); }, 50);
    const ids = Array.from({ length: items }, (_, i) => 'c' + String(i + 1).padStart(2, '0'));
    return okAsync({
      recordName: 'record',
      async *pages(checkpoint, signal) {
        if (marker) writeFileSync(marker, 'listing');
        if (mode === 'auth') { yield err(PluginErrors.auth('the token request was refused (401)')); return; }
        // a timer stands for the connection a real source would hold while it waits
        const held = setInterval(() => undefined, 60_000);
        if (mode === 'stop' || mode === 'stray') await new Promise((resolve) => signal.addEventListener('abort', resolve));
        clearInterval(held);
        if (mode === 'leak-pages') throw new TypeError('token ' + Redacted.value(config.token) + ' is not usable');
        if (!checkpoint) yield ok({ items: ids.map((id) => ({ id, data: { id } })), checkpoint: { done: true } });
      },
      fetch(ref) {
        // an operation that ignores the run's signal: a clean stop waits for it (up to its settle timeout)
        if (mode === 'hang') {
          if (marker) writeFileSync(marker + '.fetch', ref.id);
          return new ResultAsync(new Promise(() => setInterval(() => undefined, 60_000)));
        }
        if (fail.includes(ref.id)) return errAsync(PluginErrors.permanent('the contact is gone for good'));
        return okAsync({ id: ref.id, occurredAt: new Date('2026-11-30T10:00:00Z'), record: { id: ref.id },
          artifacts: [{ name: 'note.txt', contentType: 'text/plain', size: 5,
            open: () => okAsync(Readable.from([Buffer.from('hello')])) }] });
      },
    });
  },
};
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'errors-render.js'))) {
    throw new Error('the CLI is not built: run `pnpm run build` first (npm test does)');
  }
});

/** A tenant directory with the scripted source, the gzip-aes codec and sink-fs. */
const tenant = async (source: Record<string, unknown>): Promise<{ dir: string; file: string }> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-exit-'));
  dirs.push(dir);
  // the local plugin imports @cxarchive/core as an installed plugin would
  symlinkSync(path.join(ROOT, 'packages', 'cli', 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'source.mjs'), SOURCE);
  await writeKeyFile(path.join(dir, 'keys', 'tenant.key'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: exits
source:
  use: ./source.mjs
  with: ${JSON.stringify({ ...source, token: '${SOURCE_TOKEN}' })}
codec:
  use: gzip-aes
  with: { key: { provider: file, path: ./keys/tenant.key } }
sinks:
  - use: fs
    with: { root: ./archive }
retry: { attempts: 1, initialDelay: 1ms, maxDelay: 1ms }
`,
  );
  return { dir, file };
};

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const start = (args: string[], cwd: string, env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, SOURCE_TOKEN: CANARY, CXARCHIVE_DEBUG: '', NO_COLOR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited, stderr: () => stderr };
};

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => start(args, cwd, env).exited;

const waitFor = async (what: string, test: () => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** The report `--json` printed: the whole output, or its last line (JSON Lines, the report last). */
const reportOf = (stdout: string): { status: string; error?: { reason: string } } => {
  try {
    return JSON.parse(stdout);
  } catch {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  }
};

const noCanary = (exit: Exit) => {
  expect(exit.stdout).not.toContain(CANARY);
  expect(exit.stderr).not.toContain(CANARY);
};

describe('exit codes of run', () => {
  it('0 when every item is archived', async () => {
    const t = await tenant({ items: 3 });
    const exit = await cli(['run', t.file], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.ok);
    expect(exit.stdout).toContain('archived 3, failed 0');
  });

  it('1 when some items failed, each named', async () => {
    const t = await tenant({ items: 3, fail: ['c02'] });
    const exit = await cli(['run', t.file], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.runFailed);
    expect(exit.stdout).toContain('archived 2, failed 1');
    expect(exit.stdout).toMatch(/failed c02: \[Permanent\] .*the contact is gone for good/);
  });

  it('2 for an invalid pipeline file and for a mistyped flag, with what to do', async () => {
    const t = await tenant({ items: 1 });
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('tenant: exits', 'tenant: exits\ntenat: x'));
    const invalid = await cli(['run', t.file], t.dir);
    expect(invalid.code).toBe(EXIT.invalidPipeline);
    expect(invalid.stderr).toContain('unknown key "tenat"');
    const usage = await cli(['run', t.file, '--jsn'], t.dir);
    expect(usage.code).toBe(EXIT.invalidPipeline);
    expect(usage.stderr).toContain('Nonexistent flag: --jsn');
    expect(usage.stderr).toContain('next: cxarchive run --help');
    expect(usage.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(existsSync(path.join(t.dir, 'archive'))).toBe(false);
  });

  it('3 when the source rejects the credentials before any item, without printing them', async () => {
    const t = await tenant({ mode: 'auth' });
    const exit = await cli(['run', t.file], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.cannotStart);
    expect(exit.stdout).toMatch(/run error: \[Auth\] .*the token request was refused \(401\)/);
    noCanary(exit);
  });

  it('3 when another run holds the tenant', async () => {
    const t = await tenant({ mode: 'stop', marker: 'listing' });
    const first = start(['run', t.file], t.dir);
    await waitFor('the first run lists', () => existsSync(path.join(t.dir, 'listing')));
    const second = await cli(['run', t.file], t.dir);
    expect(second.code).toBe(EXIT.cannotStart);
    expect(second.stderr).toMatch(/cannot start: another run \(\S+, pid \d+/);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(EXIT.interrupted);
  });

  it('3 when a plugin refuses to start, its message scrubbed of the secret it leaked, with --debug and --json too', async () => {
    const t = await tenant({ mode: 'leak-create' });
    for (const args of [[], ['--debug'], ['--json'], ['--json', '--debug']]) {
      const exit = await cli(['run', t.file, ...args], t.dir);
      expect(exit.code, exit.stderr).toBe(EXIT.cannotStart);
      // with --json, the message is in the output for programs (stdout)
      expect(exit.stdout + exit.stderr).toContain('could not start');
      expect(exit.stdout + exit.stderr).toContain('cannot use token [redacted]');
      noCanary(exit);
    }
  });

  it('a plugin that throws mid-run with the secret in its message: exit 1, the secret in no output', async () => {
    const t = await tenant({ mode: 'leak-pages' });
    const exit = await cli(['run', t.file, '--json', '--debug', '-v'], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.runFailed);
    expect(reportOf(exit.stdout).error?.reason).toContain('token [redacted] is not usable');
    noCanary(exit);
    const reports = path.join(t.dir, '.cxarchive', 'reports');
    expect(existsSync(reports)).toBe(true);
  });

  it('70 for a bug that escaped every guard: one line and where to report it, the stack only with --debug, never the secret', async () => {
    const t = await tenant({ mode: 'stray' });
    const plain = await cli(['run', t.file], t.dir);
    expect(plain.code, plain.stderr).toBe(EXIT.bug);
    expect(plain.stderr).toContain(
      'error: cxarchive stopped on an unexpected error (a bug): TypeError: stray use of [redacted]',
    );
    expect(plain.stderr).toContain('Please report it');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    noCanary(plain);
    for (const debug of [['--debug'], ['--json', '--debug']]) {
      const exit = await cli(['run', t.file, ...debug], t.dir);
      expect(exit.code, exit.stderr).toBe(EXIT.bug);
      expect(exit.stderr).toMatch(/\n\s+at /);
      noCanary(exit);
    }
    const viaEnv = await cli(['run', t.file, '--json'], t.dir, { CXARCHIVE_DEBUG: '1' });
    expect(viaEnv.stderr).toMatch(/\n\s+at /);
    const error = JSON.parse(viaEnv.stdout.trim().split('\n').at(-1) ?? '').error;
    expect(error).toMatchObject({ exitCode: EXIT.bug, kind: 'bug' });
    expect(error.message).toContain('stray use of [redacted]');
    noCanary(viaEnv);
  });

  it('4 when stopped by SIGINT or SIGTERM, with the report written; the next run resumes', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const t = await tenant({ mode: 'stop', marker: 'listing' });
      const run = start(['run', t.file, '--json'], t.dir);
      await waitFor('the run lists', () => existsSync(path.join(t.dir, 'listing')));
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit.code, exit.stderr).toBe(EXIT.interrupted);
      expect(exit.stderr).toContain('stopping: operations in flight are cancelled');
      expect(reportOf(exit.stdout).status).toBe('interrupted');
    }
  });

  it('a second signal quits at once with 128 + its number (130 SIGINT, 143 SIGTERM)', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const t = await tenant({ mode: 'hang', items: 1, marker: 'listing' });
      const run = start(['run', t.file], t.dir);
      await waitFor('an item is fetched', () => existsSync(path.join(t.dir, 'listing.fetch')));
      run.child.kill(signal);
      await waitFor('the run says it stops', () => run.stderr().includes('stopping:'));
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit.code).toBe(code);
      expect(exit.stdout).toBe('');
    }
  });

  it('a --report path that cannot be written is a warning: a successful run still exits 0', async () => {
    const t = await tenant({ items: 1 });
    mkdirSync(path.join(t.dir, 'taken'));
    writeFileSync(path.join(t.dir, 'a-file'), '');
    for (const report of ['taken', 'a-file/report.json']) {
      const exit = await cli(['run', t.file, '--report', report], t.dir);
      expect(exit.code, exit.stderr).toBe(EXIT.ok);
      expect(exit.stdout).toContain(`warning: the report could not be written to ${report}`);
    }
  });
});

describe('exit codes of the other commands', () => {
  it('validate: 0 valid, 2 invalid; verify and audit --verify: 0 on an intact archive', async () => {
    const t = await tenant({ items: 2 });
    expect((await cli(['validate', t.file], t.dir)).code).toBe(EXIT.ok);
    expect((await cli(['run', t.file], t.dir)).code).toBe(EXIT.ok);
    expect((await cli(['verify', t.file], t.dir)).code).toBe(EXIT.ok);
    expect((await cli(['audit', t.file, '--verify'], t.dir)).code).toBe(EXIT.ok);
    expect((await cli(['validate', path.join(t.dir, 'missing.yaml')], t.dir)).code).toBe(
      EXIT.invalidPipeline,
    );
  });

  it('verify: 5 when an archived object is gone, named', async () => {
    const t = await tenant({ items: 2 });
    expect((await cli(['run', t.file], t.dir)).code).toBe(EXIT.ok);
    const objects = readdirSync(path.join(t.dir, 'archive'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.cxar'));
    rmSync(path.join(t.dir, 'archive', objects[0]!));
    const exit = await cli(['verify', t.file], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.problemsFound);
  });

  it('with --json, a failure a command knows is also one error line on stdout, scrubbed', async () => {
    const t = await tenant({ items: 1 });
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('tenant: exits', 'tenant: exits\ntenat: x'));
    for (const command of ['verify', 'sync', 'audit']) {
      const exit = await cli([command, t.file, '--json'], t.dir);
      expect(exit.code, `${command}: ${exit.stderr}`).toBe(EXIT.invalidPipeline);
      expect(exit.stderr).toContain('unknown key "tenat"');
      const { error } = JSON.parse(exit.stdout) as { error: { exitCode: number; message: string } };
      expect(error.exitCode).toBe(EXIT.invalidPipeline);
      expect(error.message).toContain('unknown key "tenat"');
      noCanary(exit);
    }
    const plain = await cli(['verify', t.file], t.dir);
    expect(plain.stdout).toBe('');
  });

  it('unlock on a tenant that never ran: 0', async () => {
    const t = await tenant({ items: 1 });
    const exit = await cli(['unlock', t.file], t.dir);
    expect(exit.code, exit.stderr).toBe(EXIT.ok);
  });
});

describe('a reader that goes away', () => {
  it('`cxarchive --help | head -1` ends quietly with 0', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.ok);
  });
});

describe('colour', () => {
  const colour = new RegExp(`${String.fromCharCode(27)}\\[`);
  it('none when stderr is not a terminal', async () => {
    const exit = await cli(['run', '--jsn'], tmpdir());
    expect(exit.code).toBe(EXIT.invalidPipeline);
    expect(exit.stderr).not.toMatch(colour);
  });

  const scriptExists = existsSync('/usr/bin/script');

  it.skipIf(!scriptExists)('on a terminal, the error label is coloured', async () => {
    const shown = await onTerminal({ TERM: 'xterm' });
    expect(shown).toContain('Nonexistent flag: --jsn');
    expect(shown).toMatch(colour);
  });

  it.skipIf(!scriptExists)('on a terminal with NO_COLOR set, nothing is coloured', async () => {
    const shown = await onTerminal({ TERM: 'xterm', NO_COLOR: '1' });
    expect(shown).toContain('Nonexistent flag: --jsn');
    expect(shown).not.toMatch(colour);
  });
});

/** What a terminal shows of `cxarchive run --jsn`: `script` (util-linux) gives the command one. */
const onTerminal = (env: Record<string, string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/script',
      ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --jsn`, '/dev/null'],
      {
        cwd: tmpdir(),
        env: { ...process.env, CXARCHIVE_DEBUG: '', NO_COLOR: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let shown = '';
    child.stdout.on('data', (d) => (shown += d));
    child.on('error', reject);
    child.on('close', () => resolve(shown));
  });

describe('errors a user can act on', () => {
  const streams = () => {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      streams: {
        stdout: {
          write: (s: string) => {
            out.stdout += s;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
        stderr: {
          write: (s: string) => {
            out.stderr += s;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
      },
    };
  };

  it('a UserError prints its message and next steps, no stack, and its exit code', () => {
    const { out, streams: s } = streams();
    const error = new UserError('the key file keys/tenant.key does not exist', {
      next: ['cxarchive keys generate keys/tenant.key'],
      exit: EXIT.cannotStart,
    });
    expect(renderFailure(error, ['run'], { CXARCHIVE_DEBUG: '1' }, s)).toBe(EXIT.cannotStart);
    expect(out.stderr).toBe(
      'error: the key file keys/tenant.key does not exist\n  next: cxarchive keys generate keys/tenant.key\n',
    );
  });

  it('a bug prints one line and where to report it; the stack only with debug; never the pipeline’s secrets', async () => {
    // plain plugin definitions (nothing to import), a secret option set from the environment
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bug-'));
    dirs.push(dir);
    const plugin = (kind: string, schema: object) =>
      `export default { kind: '${kind}', name: '${kind}', apiVersion: 2, configSchema: ${JSON.stringify(schema)}, create() {} };\n`;
    const secretSchema = {
      type: 'object',
      properties: { token: { type: 'string', 'x-cxarchive-secret': true } },
    };
    writeFileSync(path.join(dir, 'source.mjs'), plugin('source', secretSchema));
    writeFileSync(path.join(dir, 'codec.mjs'), plugin('codec', { type: 'object' }));
    writeFileSync(path.join(dir, 'sink.mjs'), plugin('sink', { type: 'object' }));
    const file = path.join(dir, 'archive.pipeline.yaml');
    writeFileSync(
      file,
      'version: 1\ntenant: bug\nsource: { use: ./source.mjs, with: { token: "${BUG_TOKEN}" } }\ncodec: { use: ./codec.mjs }\nsinks:\n  - use: ./sink.mjs\n',
    );
    process.env.BUG_TOKEN = CANARY;
    try {
      // the real loader registers the pipeline's secrets, as a command does before it fails
      const { prepared } = await setUpPipeline(file);
      const config = JSON.stringify({ token: CANARY, tenant: prepared.loaded.config.tenant });
      const bug = new TypeError(`Cannot read properties of undefined (reading 'x') in ${config}`, {
        cause: new Error(`while using ${CANARY}`),
      });
      // no secret-named variable holds it: only the pipeline's scrubber knows the canary
      const env = { CXARCHIVE_DEBUG: '' };
      const plain = streams();
      expect(renderFailure(bug, ['run'], env, plain.streams)).toBe(EXIT.bug);
      expect(plain.out.stderr).toContain(
        "error: cxarchive stopped on an unexpected error (a bug): TypeError: Cannot read properties of undefined (reading 'x')",
      );
      expect(plain.out.stderr).toContain('Please report it');
      expect(plain.out.stderr).toContain('--debug');
      expect(plain.out.stderr).not.toMatch(/\n\s+at /);
      expect(plain.out.stdout).toBe('');
      const debug = streams();
      expect(renderFailure(bug, ['run', '--json'], { CXARCHIVE_DEBUG: '1' }, debug.streams)).toBe(EXIT.bug);
      expect(debug.out.stderr).toMatch(/\n\s+at /);
      expect(debug.out.stderr).toContain('caused by: Error: while using [redacted]');
      expect(JSON.parse(debug.out.stdout).error).toMatchObject({ exitCode: EXIT.bug, kind: 'bug' });
      for (const text of [plain.out.stderr, debug.out.stderr, debug.out.stdout]) {
        expect(text).not.toContain(CANARY);
        expect(text).toContain('[redacted]');
      }
    } finally {
      delete process.env.BUG_TOKEN;
    }
  });

  it('secret-named environment variables are scrubbed even when no pipeline registered them', () => {
    const { out, streams: s } = streams();
    renderFailure(
      new Error(`bad value ${CANARY}xyz`),
      ['status', '--json'],
      { CXONE_CLIENT_SECRET: CANARY, CXARCHIVE_DEBUG: '1' },
      s,
    );
    expect(out.stderr + out.stdout).not.toContain(CANARY);
    expect(new SecretScrubber().scrub('nothing to hide')).toBe('nothing to hide');
  });
});

describe('the documented table', () => {
  it('docs/cli.md lists exactly the codes of exit-codes.ts, with their meanings', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Exit codes'));
    const rows = [...section.matchAll(/^\| (\d+) +\| (.+?) +\|$/gm)].map((m) => ({
      code: Number(m[1]),
      meaning: m[2],
    }));
    expect(rows).toEqual(EXIT_CODES.map(({ code, meaning }) => ({ code, meaning })));
  });
});
