import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { Redacted, SecretScrubber } from '../redacted.js';
import { openPipeline, preparePipeline } from './prepare-pipeline.js';

/** Writes a plugin package (plain JS, no build) into `dir/node_modules/<name>`. */
const writePlugin = (
  dir: string,
  name: string,
  {
    kind,
    apiVersion = 1,
    declaredKind = kind,
    schema = '{ type: "object" }',
    marker,
  }: {
    kind: string;
    apiVersion?: number;
    declaredKind?: string;
    schema?: string;
    marker?: string;
  },
) => {
  const pkgDir = path.join(dir, 'node_modules', name);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    path.join(pkgDir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.2.3',
      type: 'module',
      exports: { '.': './index.js' },
      cxarchive: { kind: declaredKind, apiVersion },
    }),
  );
  writeFileSync(
    path.join(pkgDir, 'index.js'),
    `${marker ? `globalThis[${JSON.stringify(marker)}] = true;\n` : ''}export default { kind: ${JSON.stringify(kind)}, name: ${JSON.stringify(name)}, apiVersion: ${apiVersion}, configSchema: ${schema}, create() { throw new Error('not in these tests'); } };\n`,
  );
};

const SINK_SCHEMA = `{ type: "object", additionalProperties: false, required: ["bucket"], properties: {
  bucket: { type: "string", description: "Bucket name." },
  password: { type: "string", "x-cxarchive-secret": true, description: "A secret." },
  region: { type: "string", default: "eu-west-1", description: "Region." } } }`;

const pipelineText = (sinkWith = '{ bucket: b }', sinkUse = 'mem') => `version: 1
tenant: acme
source:
  use: fake
codec:
  use: plain
sinks:
  - use: ${sinkUse}
    with: ${sinkWith}
`;

const setUp = (text: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-prepare-'));
  writePlugin(dir, '@cxarchive/source-fake', { kind: 'source' });
  writePlugin(dir, 'cxarchive-codec-plain', { kind: 'codec' });
  writePlugin(dir, '@cxarchive/sink-mem', { kind: 'sink', schema: SINK_SCHEMA });
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(file, text);
  return { dir, file };
};

const prepare = async (file: string, fallbackFrom: string[] = [], env: Record<string, string> = {}) => {
  const scrubber = new SecretScrubber();
  const loaded = await loadPipeline({ file, env });
  return { prepared: await preparePipeline(loaded, { scrubber, fallbackFrom }), scrubber };
};

const configErrorOf = async (promise: Promise<unknown>): Promise<ConfigError> => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('preparePipeline', () => {
  it('resolves short names: @cxarchive/<kind>-<name> first, then cxarchive-<kind>-<name>', async () => {
    const { file } = setUp(pipelineText());
    const { prepared } = await prepare(file);
    expect(prepared.source.packageName).toBe('@cxarchive/source-fake');
    expect(prepared.codec.packageName).toBe('cxarchive-codec-plain');
    expect(prepared.sinks[0]).toMatchObject({
      label: 'sinks[0]',
      packageName: '@cxarchive/sink-mem',
      version: '1.2.3',
    });
    expect(prepared.sinks[0]?.config).toEqual({ bucket: 'b', region: 'eu-west-1' });
  });

  it('resolves a path plugin relative to the pipeline file', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', './plugins/local-sink.js'));
    mkdirSync(path.join(dir, 'plugins'));
    writeFileSync(
      path.join(dir, 'plugins', 'local-sink.js'),
      'export default { kind: "sink", name: "local", apiVersion: 1, configSchema: { type: "object" }, create() {} };\n',
    );
    const { prepared } = await prepare(file);
    expect(prepared.sinks[0]?.packageName).toBe('./plugins/local-sink.js');
  });

  it("falls back to the CLI's installation when the pipeline's directory has no such plugin", async () => {
    const { file } = setUp(pipelineText('{ bucket: b }', 'extra'));
    const cliDir = mkdtempSync(path.join(tmpdir(), 'cxarchive-cli-'));
    writePlugin(cliDir, '@cxarchive/sink-extra', { kind: 'sink' });
    const { prepared } = await prepare(file, [cliDir]);
    expect(prepared.sinks[0]?.packageName).toBe('@cxarchive/sink-extra');
  });

  it('lists every name and place tried when a plugin is missing, at the line of `use`', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 's4'));
    const error = await configErrorOf(prepare(file));
    const issue = error.issues[0]!;
    expect(issue).toMatchObject({ file, line: 8, column: 10, path: 'sinks[0].use' });
    expect(issue.message).toContain(
      'cannot find sink plugin "s4" (looked for @cxarchive/sink-s4, cxarchive-sink-s4 and s4)',
    );
    expect(issue.hint).toContain(path.join(dir, 'node_modules', '@cxarchive/sink-s4'));
    expect(issue.hint).toContain(path.join(dir, 'node_modules', 'cxarchive-sink-s4'));
  });

  it('refuses a plugin built for another API version before running any of its code', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'future'));
    const marker = `cxarchive-test-imported-${Date.now()}`;
    writePlugin(dir, '@cxarchive/sink-future', { kind: 'sink', apiVersion: 99, marker });
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toContain('was built for plugin API 99, this cxarchive speaks 1');
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a plugin of the wrong kind', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'wrong'));
    writePlugin(dir, '@cxarchive/sink-wrong', { kind: 'codec', declaredKind: 'sink' });
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toContain('it is a codec plugin, but it is used as a sink');
  });

  it("validates `with` against the plugin's own schema, located, with a suggestion", async () => {
    const { file } = setUp(pipelineText('{ bucekt: b, region: [3] }'));
    const error = await configErrorOf(prepare(file));
    const typo = error.issues.find((i) => i.path === 'sinks[0].with.bucekt');
    expect(typo).toMatchObject({
      line: 9,
      column: 13,
      message: 'unknown key "bucekt"',
      hint: 'did you mean "bucket"?',
    });
    expect(error.issues.find((i) => i.path === 'sinks[0].with.region')).toMatchObject({
      line: 9,
      column: 32,
    });
    expect(error.issues.find((i) => i.message === 'missing required key "bucket"')).toMatchObject({
      line: 9,
    });
  });

  it('wraps secret options in Redacted and teaches the scrubber their values', async () => {
    const { file } = setUp(pipelineText('{ bucket: b, password: "${PW}" }'));
    const { prepared, scrubber } = await prepare(file, [], { PW: 'hunter2-canary' });
    const password = prepared.sinks[0]?.config.password;
    expect(Redacted.is(password)).toBe(true);
    expect(Redacted.value(password as Redacted<string>)).toBe('hunter2-canary');
    expect(JSON.stringify(prepared.sinks[0]?.config)).not.toContain('hunter2-canary');
    expect(inspect(prepared.sinks[0]?.config, { depth: 5 })).not.toContain('hunter2-canary');
    expect(scrubber.scrub('auth failed for hunter2-canary')).toBe('auth failed for [redacted]');
  });

  it('prefers a plugin beside the pipeline file over the CLI installation, whatever its name', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'dup'));
    writePlugin(dir, 'cxarchive-sink-dup', { kind: 'sink' });
    const cliDir = mkdtempSync(path.join(tmpdir(), 'cxarchive-cli-'));
    writePlugin(cliDir, '@cxarchive/sink-dup', { kind: 'sink' });
    const { prepared } = await prepare(file, [cliDir]);
    expect(prepared.sinks[0]?.packageName).toBe('cxarchive-sink-dup');
  });

  it('accepts a full unscoped package name', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'acme-archive-sink'));
    writePlugin(dir, 'acme-archive-sink', { kind: 'sink' });
    const { prepared } = await prepare(file);
    expect(prepared.sinks[0]?.packageName).toBe('acme-archive-sink');
  });

  it('labels a plugin that fails to load with its name and place', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'broken'));
    writePlugin(dir, '@cxarchive/sink-broken', { kind: 'sink' });
    writeFileSync(
      path.join(dir, 'node_modules', '@cxarchive/sink-broken', 'index.js'),
      "import 'no-such-dependency-anywhere';\n",
    );
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]).toMatchObject({ line: 8, path: 'sinks[0].use' });
    expect(error.issues[0]?.message).toMatch(
      /package @cxarchive\/sink-broken@1\.2\.3 failed to load: .*no-such-dependency-anywhere/,
    );
  });

  it('reports mistyped sections and plugin option problems together, without crashing', async () => {
    const { file } = setUp(
      'version: 1\ntenant: acme\nsorce:\n  use: fake\ncodec: { use: plain }\nsinsk:\n  - use: mem\nsinks:\n  - use: mem\n    with: { bucekt: x }\n',
    );
    const error = await configErrorOf(
      openPipeline(() => loadPipeline({ file, env: {} }), { scrubber: new SecretScrubber() }),
    );
    const lines = error.issues.map((i) => `${i.line}:${i.message}`);
    expect(lines).toEqual([
      '1:missing required key "source"',
      '3:unknown key "sorce"',
      '6:unknown key "sinsk"',
      '10:missing required key "bucket"',
      '10:unknown key "bucekt"',
    ]);
  });

  it('keeps a secret of digits a string, and never shows a secret value in a message', async () => {
    // Block style: a plain (unquoted) reference, as the quickstart writes its secrets.
    const { file } = setUp(
      pipelineText('{ bucket: b }').replace(
        '    with: { bucket: b }',
        '    with:\n      bucket: b\n      password: ${PW}',
      ),
    );
    const { prepared } = await prepare(file, [], { PW: '31415926535' });
    expect(Redacted.value(prepared.sinks[0]?.config.password as Redacted<string>)).toBe('31415926535');
    const bad = setUp(pipelineText('{ bucket: b, password: [31415926535] }'));
    const error = await configErrorOf(prepare(bad.file));
    expect(error.message).not.toContain('31415926535');
    expect(error.issues[0]?.message).toBe('the secret value must be string');
  });

  it('passes over an unrelated package that has the bare name, and finds the plugin after it', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'extra'));
    mkdirSync(path.join(dir, 'node_modules', 'extra'), { recursive: true });
    writeFileSync(
      path.join(dir, 'node_modules', 'extra', 'package.json'),
      JSON.stringify({ name: 'extra', version: '1.0.0' }),
    );
    const cliDir = mkdtempSync(path.join(tmpdir(), 'cxarchive-cli-'));
    writePlugin(cliDir, '@cxarchive/sink-extra', { kind: 'sink' });
    const { prepared } = await prepare(file, [cliDir]);
    expect(prepared.sinks[0]?.packageName).toBe('@cxarchive/sink-extra');
  });

  it('names a missing scoped package plainly', async () => {
    const { file } = setUp(pipelineText('{ bucket: b }', '"@acme/sink-tape"'));
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toBe(
      'cannot find sink plugin "@acme/sink-tape" (looked for @acme/sink-tape)',
    );
  });
});
