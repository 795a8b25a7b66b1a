import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli } from './cli-init-helpers.js';
import { ROOT } from './helpers.js';

/** Every command of the CLI, from its built command files (`keys/generate.js` → `keys generate`). */
const commandIds = (): string[] => {
  const root = path.join(ROOT, 'packages', 'cli', 'dist', 'commands');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : [],
    );
  return walk(root)
    .map((f) => path.relative(root, f).replace(/\.js$/, '').split(path.sep).join(' '))
    .sort();
};

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-help-'));

describe('help', () => {
  const ids = commandIds();

  it('finds the commands', () => {
    expect(ids).toEqual(
      expect.arrayContaining(['init', 'keys generate', 'plugins list', 'run', 'schema', 'validate']),
    );
  });

  it.each(ids)('`%s` has --help and -h, with usage and examples', async (id) => {
    const args = id.split(' ');
    const long = await cli([...args, '--help']);
    expect(long.code).toBe(0);
    expect(long.stdout).toContain(`$ cxarchive ${id}`);
    expect(long.stdout).toContain('EXAMPLES');
    const examples = long.stdout.slice(long.stdout.indexOf('EXAMPLES'));
    expect(examples).toContain(`$ cxarchive ${id}`);
    const short = await cli([...args, '-h']);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });

  it('`help <command>` prints the command help; `help` lists every command', async () => {
    const viaHelp = await cli(['help', 'init']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe((await cli(['init', '--help'])).stdout);
    const all = await cli(['help']);
    expect(all.code).toBe(0);
    for (const id of ['init', 'schema', 'validate', 'run', 'autocomplete']) {
      expect(all.stdout).toMatch(new RegExp(`\\n\\s+${id}\\s+\\S`));
    }
    expect(all.stdout).toMatch(/\n\s+plugins\s+The cxarchive plugins/);
  });
});

describe('unknown commands and flags', () => {
  it('names the nearest command and exits 2 without asking, stdin not a terminal (left open)', async () => {
    const r = await cli(['valdate'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      '"valdate" is not a cxarchive command; did you mean "validate"?\nRun `cxarchive help` for the list of commands.\n',
    );
    const topic = await cli(['keys', 'genrate'], { timeoutMs: 20_000 });
    expect(topic.code).toBe(2);
    expect(topic.stderr).toContain(
      '"keys genrate" is not a cxarchive command; did you mean "keys generate"?',
    );
    const flag = await cli(['--hlp'], { timeoutMs: 20_000 });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('"--hlp" is not a cxarchive command; did you mean "--help"?');
    const far = await cli(['archive-everything-now'], { timeoutMs: 20_000 });
    expect(far.code).toBe(2);
    expect(far.stderr).toBe(
      '"archive-everything-now" is not a cxarchive command.\nRun `cxarchive help` for the list of commands.\n',
    );
  });

  /** `cxarchive valdate` on a pseudo-terminal (util-linux `script`), answering `answer` when asked. */
  const onTerminal = (answer: string) =>
    new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const command = `stty cols 100 rows 40; exec '${process.execPath}' '${BIN}' valdate`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: tempDir(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let text = '';
      let answered = false;
      child.stdout.on('data', (d) => {
        text += d;
        if (!answered && text.includes('Did you mean')) {
          answered = true;
          child.stdin.write(answer);
        }
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no prompt:\n${text}`));
      }, 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape sequences is the point.
        resolve({ code, text: text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') });
      });
    });

  it('on a terminal, asks "Did you mean …?": yes runs the command, no exits 2', async () => {
    const yes = await onTerminal('y\r');
    expect(yes.text).toContain('valdate is not a cxarchive command');
    expect(yes.text).toContain('Did you mean validate?');
    // validate ran: no pipeline file in an empty directory.
    expect(yes.text).toContain('no pipeline file found here or in any parent directory');
    expect(yes.code).toBe(2);
    const no = await onTerminal('n\r');
    expect(no.text).toContain('Did you mean validate?');
    expect(no.text).not.toContain('no pipeline file found');
    expect(no.text).toContain('Run `cxarchive help` for the list of commands.');
    expect(no.code).toBe(2);
  });

  it('an unknown flag is named with the nearest flag, or the flags the command has (exit 2)', async () => {
    const r = await cli(['run', '--repot', 'x.json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--repot is not a flag of cxarchive run: did you mean --report?');
    expect(r.stderr).toContain('Nonexistent flag: --repot');
    const dry = await cli(['run', '--dryrun'], { timeoutMs: 20_000 });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain('--dryrun is not a flag of cxarchive run:');
    const far = await cli(['validate', '--zzzzzzzz'], { timeoutMs: 20_000 });
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/--zzzzzzzz is not a flag of cxarchive validate: its flags are .*--quiet/);
    // Values and everything after `--` are not flags.
    const valued = await cli(['init', tempDir(), '--tenant', 'acme', '--sink=fs', '--since', '2026-10-01']);
    expect(valued.code).toBe(0);
    expect(valued.stderr).toBe('');
  });
});

describe('autocomplete', () => {
  it('makes bash and zsh completion scripts that complete the commands and their flags', async () => {
    const cache = tempDir();
    const env = { XDG_CACHE_HOME: cache, CXARCHIVE_CACHE_DIR: path.join(cache, 'cxarchive') };
    const r = await cli(['autocomplete', 'bash'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cxarchive autocomplete script bash');
    const setup = await cli(['autocomplete', 'script', 'zsh'], { env });
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('CXARCHIVE_AC_ZSH_SETUP_PATH=');

    const functions = path.join(cache, 'cxarchive', 'autocomplete', 'functions');
    const bash = path.join(functions, 'bash', 'cxarchive.bash');
    const zsh = path.join(functions, 'zsh', '_cxarchive');
    expect(existsSync(bash)).toBe(true);
    const zshText = readFileSync(zsh, 'utf8');
    for (const id of ['init', 'schema', 'validate', 'run']) expect(zshText).toContain(id);

    // The bash script, sourced, completes as a shell would.
    const complete = (...words: string[]) => {
      const script = `source '${bash}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cxarchive_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const out = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      return out.stdout.trim().split('\n');
    };
    expect(complete('cxarchive', 'val')).toEqual(['validate']);
    expect(complete('cxarchive', 'ini')).toEqual(['init']);
    expect(complete('cxarchive', 'init', '--sin')).toEqual(expect.arrayContaining(['--since', '--sink']));
    expect(complete('cxarchive', 'plugins', 'l')).toEqual(['list']);
  });
});
