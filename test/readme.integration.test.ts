import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-init-helpers.js';
import { listFiles, ROOT, simulatorEnv } from './helpers.js';

// The README's quick start and its annotated pipeline, taken from README.md itself, so the README
// cannot drift from what the command line does.
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The fenced blocks of a Markdown text with their language. */
const fencedBlocks = (text: string) =>
  [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] as string }));

/** The text of the `## <title>` section, up to the next `## `. */
const section = (text: string, title: string): string => {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

/** The `cxarchive …` lines of the quick start, comments dropped: [command, ...flags]. */
const quickStart = () => {
  const block = fencedBlocks(section(README, 'Quick start')).find((b) => b.lang === 'sh');
  if (!block) throw new Error('the quick start has no sh block');
  return block.body
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('cxarchive '))
    .map((line) => line.split(/\s+/).slice(1));
};

/** The annotated pipeline: the README's yaml block that is a whole pipeline file. */
const examplePipeline = (): string => {
  const pipelines = fencedBlocks(README).filter(
    (b) => b.lang === 'yaml' && /^version: 1$/m.test(b.body) && /^source:$/m.test(b.body),
  );
  expect(pipelines).toHaveLength(1);
  return (pipelines[0] as { body: string }).body;
};

describe('README quick start', () => {
  it('shows init, validate, plan, run, status and report, in that order', () => {
    expect(quickStart().map(([command]) => command)).toEqual([
      'init',
      'validate',
      'plan',
      'run',
      'status',
      'report',
    ]);
  });

  it('names commands and flags that exist: `cxarchive <command> --help` exits 0 and lists each flag', async () => {
    for (const [command, ...rest] of quickStart()) {
      const help = await cli([command as string, '--help']);
      expect({ command, code: help.code, stderr: help.stderr }).toEqual({ command, code: 0, stderr: '' });
      for (const flag of rest.filter((a) => a.startsWith('--')))
        expect(help.stdout, `${command} ${flag}`).toContain(`${flag.split('=')[0]}`);
    }
  });
});

describe("README's example pipeline, pointed at the simulator", () => {
  let simulator: RunningSimulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    simulator = await startSimulator({ seed: 12, contacts: 8, recordingSeconds: [1, 4] });
    dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-readme-'));
    // The file exactly as the README shows it; the simulator comes in through the environment only.
    writeFileSync(path.join(dir, 'archive.pipeline.yaml'), examplePipeline());
    env = simulatorEnv(simulator);
  });

  afterAll(async () => {
    await simulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names its CXone issuer, so a copy never sends credentials to a default it did not choose', () => {
    expect(examplePipeline()).toMatch(
      /^ {4}issuer: \$\{CXONE_ISSUER:-https:\/\/cxone\.niceincontact\.com\}$/m,
    );
  });

  it('validates, plans, archives, and shows status and an HTML report, as the quick start does', async () => {
    const key = await cli(['keys', 'generate', 'keys/acme.key'], { cwd: dir });
    expect(key.code).toBe(0);

    const validate = await cli(['validate'], { cwd: dir, env });
    expect({ code: validate.code, stderr: validate.stderr }).toEqual({ code: 0, stderr: '' });

    const plan = await cli(['plan', '--json'], { cwd: dir, env });
    expect(plan.code).toBe(0);
    expect(existsSync(path.join(dir, 'archive'))).toBe(false);

    const run = await cli(['run', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
    const report = JSON.parse(run.stdout.trimEnd().split('\n').at(-1) as string) as {
      status: string;
      counts: { archived: number; failed: number };
    };
    expect({ code: run.code, status: report.status, failed: report.counts.failed }).toEqual({
      code: 0,
      status: 'succeeded',
      failed: 0,
    });
    expect(report.counts.archived).toBeGreaterThan(0);
    const objects = listFiles(path.join(dir, 'archive', 'acme'));
    expect(objects.filter((f) => f.endsWith('contact.json.cxar'))).toHaveLength(report.counts.archived);

    // status and report need no CXone credentials.
    const status = await cli(['status', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).items.archived).toBe(report.counts.archived);

    const html = await cli(['report', '--format', 'html', '--out', 'report.html'], { cwd: dir });
    expect(html.code).toBe(0);
    expect(statSync(path.join(dir, 'report.html')).size).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });
});
