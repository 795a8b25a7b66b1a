import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT } from '@cxarchive/cli';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli, compile, YAML } from './cli-init-helpers.js';
import { listFiles, simulatorEnv } from './helpers.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-init-'));

/** The variables .env.example lists (each `NAME=` line), in order. */
const listedVariables = (dir: string): string[] =>
  readFileSync(path.join(dir, '.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=$/.test(l))
    .map((l) => l.slice(0, -1));

/** Every `${NAME…}` the pipeline reads outside comments. */
const usedVariables = (dir: string): string[] => {
  const text = readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  return [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string))];
};

/** A value for each listed variable that passes the schemas, none of them real. */
const placeholders = (names: readonly string[]): Record<string, string> =>
  Object.fromEntries(
    names
      .filter((n) => n !== 'CXONE_ISSUER')
      .map((n) => [
        n,
        n === 'AWS_REGION'
          ? 'eu-west-1'
          : n.includes('CONNECTION_STRING')
            ? 'UseDevelopmentStorage=true'
            : `placeholder-${n.toLowerCase().replace(/_/g, '-')}`,
      ]),
  );

const simulators: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
});

describe('cxarchive init (flags, not on a terminal)', () => {
  it('writes the pipeline, .env.example, .gitignore, the schema and a private key', async () => {
    const dir = path.join(tempDir(), 'acme');
    const r = await cli(['init', dir, '--tenant', 'acme', '--sink', 'fs', '--since', '2026-10-01']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listFiles(dir)).toEqual([
      '.env.example',
      '.gitignore',
      'archive.pipeline.yaml',
      'cxarchive.schema.json',
      'keys/acme.key',
    ]);
    expect(statSync(path.join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'keys', 'acme.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(path.join(dir, 'keys', 'acme.key'), 'utf8').trim();
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).toMatch(/created {2}.*keys\/acme\.key \(key id kek:[0-9a-f]+\)/);
    const pipeline = readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8');
    expect(pipeline.split('\n')[0]).toBe('# yaml-language-server: $schema=./cxarchive.schema.json');
    expect(pipeline).toContain('issuer: ${CXONE_ISSUER:-https://cxone.niceincontact.com}');
    expect(pipeline).toContain('since: 2026-10-01T00:00:00Z');
    expect(pipeline).toContain('key: { provider: file, path: ./keys/acme.key }');
    // .env.example names exactly what the pipeline reads, with no values.
    expect(listedVariables(dir)).toEqual(usedVariables(dir));
    expect(listedVariables(dir)).toContain('CXONE_CLIENT_SECRET');
    const gitignore = readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toEqual(expect.arrayContaining(['keys/', '.cxarchive/', '.env', 'archive/']));
    const schema = JSON.parse(readFileSync(path.join(dir, 'cxarchive.schema.json'), 'utf8'));
    expect(schema.title).toBe('cxarchive pipeline');
  });

  it.each(['fs', 's3', 'gcs', 'azure'])(
    'the %s pipeline passes cxarchive validate with the variables of .env.example set',
    async (sink) => {
      const dir = tempDir();
      const made = await cli(['init', dir, '--tenant', 'acme', '--sink', sink]);
      expect(made.code).toBe(0);
      const pipeline = readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8');
      expect(pipeline).toContain(`- use: ${sink}`);
      // As an editor sees it through the modeline: the file, as written, fits its schema.
      const schema = JSON.parse(readFileSync(path.join(dir, 'cxarchive.schema.json'), 'utf8'));
      const fits = compile(schema);
      expect({ ok: fits(YAML.parse(pipeline)), errors: fits.errors ?? null }).toEqual({
        ok: true,
        errors: null,
      });
      const env = placeholders(listedVariables(dir));
      const valid = await cli(['validate', dir], { env: { ...env, CXONE_ISSUER: '' } });
      expect(valid.stderr).toBe('');
      expect(valid.code).toBe(0);
      expect(valid.stdout).toContain('is valid (tenant acme)');
      expect(valid.stdout).toMatch(new RegExp(`sinks\\[0\\]\\s+@cxarchive/sink-${sink}@`));
      // Each listed variable is needed: leaving one unset is named by validate.
      const [first] = Object.keys(env);
      const missing = await cli(['validate', dir], {
        env: { ...env, CXONE_ISSUER: '', [first as string]: '' },
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`environment variable ${first} is not set`);
      // validate --no-env (where the command has it) checks the file without any variable set.
      if ((await cli(['validate', '--help'])).stdout.includes('--no-env')) {
        const unset = Object.fromEntries(listedVariables(dir).map((n) => [n, '']));
        const noEnv = await cli(['validate', dir, '--no-env'], { env: unset });
        expect(noEnv.code).toBe(0);
      }
    },
  );

  it('archives from the cxone-simulator with its variables set (fs sink)', async () => {
    const simulator = await startSimulator({ seed: 7, contacts: 3, recordingSeconds: [1, 2] });
    simulators.push(simulator);
    const dir = tempDir();
    expect((await cli(['init', dir, '--tenant', 'acme', '--since', '2026-10-01'])).code).toBe(0);
    const reportFile = path.join(dir, 'report.json');
    const run = await cli(['run', dir, '--report', reportFile], { env: simulatorEnv(simulator) });
    expect(run.stderr).not.toContain(simulator.credentials.accessKeySecret);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.tenant).toBe('acme');
    expect(report.counts.archived).toBeGreaterThan(0);
    expect(report.counts.failed).toBe(0);
    expect(listFiles(path.join(dir, 'archive')).filter((f) => f.endsWith('contact.json.cxar'))).toHaveLength(
      report.counts.archived,
    );
  });

  it('refuses to overwrite, naming every file in the way (exit 2), and --force never replaces the key', async () => {
    const dir = tempDir();
    expect((await cli(['init', dir, '--tenant', 'acme'])).code).toBe(0);
    const keyBefore = readFileSync(path.join(dir, 'keys', 'acme.key'));
    writeFileSync(path.join(dir, 'archive.pipeline.yaml'), '# mine\n');
    const refused = await cli(['init', dir, '--tenant', 'acme', '--sink', 's3']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      'already has archive.pipeline.yaml, .env.example, .gitignore, cxarchive.schema.json, keys/acme.key: nothing was written',
    );
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8')).toBe('# mine\n');

    const forced = await cli(['init', dir, '--tenant', 'acme', '--sink', 's3', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('replaced ');
    expect(forced.stdout).toMatch(
      /kept {5}.*keys\/acme\.key \(key id kek:[0-9a-f]+\): an existing key file is never replaced/,
    );
    expect(readFileSync(path.join(dir, 'keys', 'acme.key'))).toEqual(keyBefore);
    expect(readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8')).toContain('- use: s3');
    expect(listFiles(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses only the files in the way: a key alone is named too', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'keys', 'acme.key'), 'not mine to replace\n');
    const refused = await cli(['init', dir, '--tenant', 'acme']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${dir} already has keys/acme.key: nothing was written`);
    expect(listFiles(dir)).toEqual(['keys/acme.key']);
  });

  it('needs --tenant when not on a terminal, and never waits for an answer', async () => {
    const dir = tempDir();
    const r = await cli(['init', dir], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--tenant is needed when not on a terminal (or --yes to take the directory name)',
    );
    expect(existsSync(path.join(dir, 'archive.pipeline.yaml'))).toBe(false);
  });

  it('--yes takes the tenant from the directory name', async () => {
    const dir = path.join(tempDir(), 'Acme Corp');
    const r = await cli(['init', dir, '--yes']);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8')).toContain('tenant: acme-corp ');
    expect(existsSync(path.join(dir, 'keys', 'acme-corp.key'))).toBe(true);
  });

  it.each([
    [['--tenant', 'Acme!'], '--tenant "Acme!": a tenant name is lowercase letters'],
    [['--tenant', 'acme', '--sink', 'ftp'], 'Expected --sink=ftp to be one of: fs, s3, gcs, azure'],
    [
      ['--tenant', 'acme', '--issuer', 'http://cxone.example.com'],
      'the issuer must be https (plain http only to a loopback host',
    ],
    [['--tenant', 'acme', '--issuer', 'eu'], '--issuer must be global, fedramp or a URL'],
    [['--tenant', 'acme', '--since', 'yesterday'], '--since must be an ISO 8601 date or date-time'],
    [['--tenant', 'acme', '--tennant', 'x'], 'Nonexistent flag: --tennant'],
  ])('refuses bad flags %j with exit 2 and writes nothing', async (flags, message) => {
    const dir = tempDir();
    const r = await cli(['init', dir, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(listFiles(dir)).toEqual([]);
  });

  it('writes the issuer it was given: fedramp, or the simulator on loopback', async () => {
    const a = tempDir();
    expect((await cli(['init', a, '--tenant', 'acme', '--issuer', 'fedramp'])).code).toBe(0);
    expect(readFileSync(path.join(a, 'archive.pipeline.yaml'), 'utf8')).toContain(
      'issuer: ${CXONE_ISSUER:-https://cxone-gov.niceincontact.com}',
    );
    const b = tempDir();
    expect((await cli(['init', b, '--tenant', 'acme', '--issuer', 'http://127.0.0.1:8787/'])).code).toBe(0);
    expect(readFileSync(path.join(b, 'archive.pipeline.yaml'), 'utf8')).toContain(
      'issuer: ${CXONE_ISSUER:-http://127.0.0.1:8787}',
    );
  });

  it('cannot write below a file: exit 2, said plainly; an unwritable place exits 1', async () => {
    const base = tempDir();
    const file = path.join(base, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await cli(['init', file, '--tenant', 'acme']);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`${file} is a file, not a directory: choose a directory for the tenant`);
    const below = await cli(['init', path.join(file, 'tenant'), '--tenant', 'acme']);
    expect(below.code).toBe(2);
    expect(below.stderr).toContain('is below a file, not a directory');
    // sysfs refuses new directories to everyone, root included.
    const sys = await cli(['init', '/sys/cxarchive-tenant', '--tenant', 'acme']);
    expect(sys.code).toBe(1);
    expect(sys.stderr).toContain('cannot write the tenant directory /sys/cxarchive-tenant: EPERM');
    expect(sys.stderr).not.toMatch(/\n\s+at /);
  });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape sequences is the point.
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`). Each step waits until the screen shows
 * its text (escape sequences removed), then types its keys.
 */
const onTerminal = (args: string[], cwd: string, steps: readonly (readonly [string, string])[]) =>
  new Promise<{ code: number | null; screen: string }>((resolve, reject) => {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // A terminal of a known size: clack lays its prompts out by the terminal's width.
    const child = spawn('script', ['-qfec', `stty cols 100 rows 40; exec ${command}`, '/dev/null'], {
      cwd,
      env: { ...process.env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let from = 0;
    const pending = [...steps];
    const onData = (d: Buffer) => {
      screen += d;
      const step = pending[0];
      if (!step) return;
      const shown = screen.slice(from).replace(ESCAPES, '');
      if (!shown.includes(step[0])) return;
      pending.shift();
      from = screen.length;
      child.stdin.write(step[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer on the terminal:\n${screen.replace(ESCAPES, '')}`));
    }, 45_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // The text the user read.
      resolve({ code, screen: screen.replace(ESCAPES, '') });
    });
  });

describe('cxarchive init on a terminal', () => {
  it('asks for the tenant, the sink and the issuer, then writes them', async () => {
    const dir = tempDir();
    const DOWN = '\u001b[B';
    // tenant "globex"; sink: down once (s3); issuer: down once (fedramp).
    const { code, screen } = await onTerminal(['init', '.'], dir, [
      ['Tenant name', 'globex\r'],
      ['Where should the archive be stored?', `${DOWN}\r`],
      ['Which CXone does the tenant live on?', `${DOWN}\r`],
    ]);
    expect(screen).toContain('Tenant name');
    expect(screen).toContain('Where should the archive be stored?');
    expect(screen).toContain('Which CXone does the tenant live on?');
    expect(code).toBe(0);
    const pipeline = readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8');
    expect(pipeline).toContain('tenant: globex ');
    expect(pipeline).toContain('- use: s3');
    expect(pipeline).toContain('issuer: ${CXONE_ISSUER:-https://cxone-gov.niceincontact.com}');
    expect(statSync(path.join(dir, 'keys', 'globex.key')).mode & 0o777).toBe(0o600);
  });

  it('asks nothing with --yes, and only what the flags left open otherwise', async () => {
    const dir = path.join(tempDir(), 'initech');
    mkdirSync(dir);
    const quiet = await onTerminal(['init', '.', '--yes'], dir, []);
    expect(quiet.code).toBe(0);
    expect(quiet.screen).not.toContain('Tenant name');
    expect(readFileSync(path.join(dir, 'archive.pipeline.yaml'), 'utf8')).toContain('tenant: initech ');
    const other = tempDir();
    const partly = await onTerminal(['init', '.', '--tenant', 'umbrella', '--sink', 'gcs'], other, [
      ['Which CXone does the tenant live on?', '\r'],
    ]);
    expect(partly.code).toBe(0);
    expect(partly.screen).not.toContain('Tenant name');
    expect(partly.screen).not.toContain('Where should the archive be stored?');
    expect(partly.screen).toContain('Which CXone does the tenant live on?');
    expect(readFileSync(path.join(other, 'archive.pipeline.yaml'), 'utf8')).toContain('- use: gcs');
  });

  it('Ctrl-C at a question writes nothing and exits as stopped', async () => {
    const dir = tempDir();
    const { code, screen } = await onTerminal(['init', '.'], dir, [['Tenant name', '\u0003']]);
    expect(screen).toContain('cancelled: nothing was written');
    expect(code).toBe(EXIT.interrupted);
    expect(listFiles(dir)).toEqual([]);
  });
});
