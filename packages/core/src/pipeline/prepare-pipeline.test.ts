import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { API_CHANGES, PLUGIN_API_VERSION } from '../plugin/define-plugin.js';
import { Redacted, SecretScrubber } from '../redacted.js';
import { openArchive, openPipeline, preparePipeline } from './prepare-pipeline.js';

/** Writes a plugin package (plain JS, no build) into `dir/node_modules/<name>`. */
const writePlugin = (
  dir: string,
  name: string,
  {
    kind,
    apiVersion = 2,
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
      'export default { kind: "sink", name: "local", apiVersion: 2, configSchema: { type: "object" }, create() {} };\n',
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

  it('names the nearest installed plugin of the kind for a typo, and shows only the places beside the file', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'fss'));
    writePlugin(dir, '@cxarchive/sink-fs', { kind: 'sink' });
    writePlugin(dir, 'cxarchive-sink-s3x', { kind: 'sink' });
    const issue = (await configErrorOf(prepare(file))).issues[0]!;
    expect(issue.message).toContain('cannot find sink plugin "fss": did you mean "fs"?');
    // (A temp directory's parents may hold other test plugins: only these two are known to be there.)
    expect(issue.hint).toMatch(/^use: fs \(installed sink plugins: [^)]*\bfs\b[^)]*\bs3x\b/);
    // The three names beside the pipeline file, then a count, not every directory up to the root.
    const places = issue.hint!.split('\n').filter((l) => l.startsWith('      '));
    expect(places.slice(0, 3)).toEqual(
      ['@cxarchive/sink-fss', 'cxarchive-sink-fss', 'fss'].map(
        (n) => `      ${path.join(dir, 'node_modules', n)}`,
      ),
    );
    expect(places[3]).toMatch(/^ {6}… and \d+ more places/);
    expect(places).toHaveLength(4);
  });

  it('suggests nothing for a name far from every installed one, and lists what is installed', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'tape-library'));
    writePlugin(dir, '@cxarchive/sink-fs', { kind: 'sink' });
    const issue = (await configErrorOf(prepare(file))).issues[0]!;
    expect(issue.message).not.toContain('did you mean');
    expect(issue.hint).toMatch(
      /^installed sink plugins: [^;]*\bfs\b[^;]*; install it beside the pipeline file/,
    );
  });

  it('refuses a plugin built for another API version before running any of its code', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'future'));
    const marker = `cxarchive-test-imported-${Date.now()}`;
    writePlugin(dir, '@cxarchive/sink-future', { kind: 'sink', apiVersion: 99, marker });
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toBe(
      'package @cxarchive/sink-future@1.2.3 was built for plugin API 99, this cxarchive speaks 2',
    );
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a plugin built for API 1, naming both versions and what changed, without running it', async () => {
    expect(PLUGIN_API_VERSION).toBe(2);
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'old'));
    const marker = `cxarchive-test-imported-v1-${Date.now()}`;
    writePlugin(dir, '@cxarchive/sink-old', { kind: 'sink', apiVersion: 1, marker });
    const error = await configErrorOf(prepare(file));
    expect(error.issues).toHaveLength(1);
    const issue = error.issues[0]!;
    expect(issue).toMatchObject({ line: 8, column: 10, path: 'sinks[0].use' });
    expect(issue.message).toBe(
      `package @cxarchive/sink-old@1.2.3 was built for plugin API 1, this cxarchive speaks 2: ${API_CHANGES[1]}`,
    );
    // What changed, in words a plugin author can act on.
    for (const change of ['AbortSignal', '`checksums`', '`Stored.checksum`', '`sha256`', 'budgets'])
      expect(issue.message).toContain(change);
    expect(issue.message).toContain('docs/plugin-authoring.md');
    expect(issue.hint).toContain('install a version of the plugin built for this cxarchive');
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a path plugin whose definition says API 1, with what changed', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', './plugins/old-sink.js'));
    mkdirSync(path.join(dir, 'plugins'));
    writeFileSync(
      path.join(dir, 'plugins', 'old-sink.js'),
      'export default { kind: "sink", name: "old", apiVersion: 1, configSchema: { type: "object" }, create() {} };\n',
    );
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toBe(
      `"./plugins/old-sink.js": it was built for plugin API 1, this cxarchive speaks 2: ${API_CHANGES[1]}`,
    );
  });

  it('names no change list for a version it knows nothing about', async () => {
    const { dir, file } = setUp(pipelineText('{ bucket: b }', 'zero'));
    writePlugin(dir, '@cxarchive/sink-zero', { kind: 'sink', apiVersion: 0 });
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toBe(
      'package @cxarchive/sink-zero@1.2.3 was built for plugin API 0, this cxarchive speaks 2',
    );
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

  describe('a `use` value from the environment is named by its variable, never shown', () => {
    /** Everything a person could read: the formatted message and every issue, hints and lists included. */
    const everything = (error: ConfigError) => `${error.message}\n${JSON.stringify(error.issues)}`;

    it('when no plugin has that name', async () => {
      const { dir, file } = setUp(pipelineText('{ bucket: b }', '${SINK}'));
      const error = await configErrorOf(prepare(file, [], { SINK: 'AKIAcanary7Q' }));
      const issue = error.issues[0]!;
      expect(issue).toMatchObject({ line: 8, column: 10, path: 'sinks[0].use' });
      expect(issue.message).toBe(
        'cannot find sink plugin named by the value of ${SINK} (looked for @cxarchive/sink-${SINK}, cxarchive-sink-${SINK} and ${SINK})',
      );
      expect(issue.hint).toContain(
        'install it beside the pipeline file (npm install @cxarchive/sink-${SINK}), or check the value of ${SINK}',
      );
      expect(issue.hint).toContain(path.join(dir, 'node_modules', '@cxarchive/sink-${SINK}'));
      expect(everything(error)).not.toContain('canary');
    });

    it('when it holds slashes that path normalisation would change', async () => {
      const { file } = setUp(pipelineText('{ bucket: b }', '${SINK}'));
      const error = await configErrorOf(prepare(file, [], { SINK: 'ab//canary/../x9' }));
      expect(error.issues[0]?.message).toBe(
        'cannot find sink plugin named by the value of ${SINK} (looked for ${SINK})',
      );
      expect(everything(error)).not.toMatch(/canary|x9/);
    });

    it('when it is a path that does not exist', async () => {
      const { dir, file } = setUp(pipelineText('{ bucket: b }', '${PLUGIN}'));
      const error = await configErrorOf(prepare(file, [], { PLUGIN: './plugins/canary-sink.js' }));
      expect(error.issues[0]?.message).toBe('cannot find sink plugin named by the value of ${PLUGIN}');
      expect(error.issues[0]?.hint).toContain(
        `no file or directory at \${PLUGIN} (a path relative to ${dir})`,
      );
      expect(everything(error)).not.toContain('canary');
    });

    it('when the plugin it names is refused or fails to load', async () => {
      const { dir, file } = setUp(
        pipelineText('{ bucket: b }', '${SINK}').replace(
          'source:\n  use: fake',
          'source:\n  use: "${SOURCE}"',
        ),
      );
      writePlugin(dir, '@cxarchive/sink-oldcanary', { kind: 'sink', apiVersion: 1 });
      writePlugin(dir, '@cxarchive/source-brokencanary', { kind: 'source' });
      writeFileSync(
        path.join(dir, 'node_modules', '@cxarchive/source-brokencanary', 'index.js'),
        "import 'no-such-dependency-anywhere';\n",
      );
      const error = await configErrorOf(prepare(file, [], { SINK: 'oldcanary', SOURCE: 'brokencanary' }));
      const byPath = (p: string) => error.issues.find((i) => i.path === p);
      expect(byPath('sinks[0].use')?.message).toMatch(
        /^package @cxarchive\/sink-\$\{SINK\}@1\.2\.3 was built for plugin API 1, this cxarchive speaks 2: /,
      );
      // The import error names the file; its path is shown as looked for.
      expect(byPath('source.use')?.message).toMatch(
        /^package @cxarchive\/source-\$\{SOURCE\}@1\.2\.3 failed to load: .*no-such-dependency-anywhere.*source-\$\{SOURCE\}/,
      );
      expect(everything(error)).not.toContain('canary');
    });

    it('when a path plugin it names fails to load', async () => {
      const { dir, file } = setUp(pipelineText('{ bucket: b }', '${PLUGIN}'));
      mkdirSync(path.join(dir, 'plugins'));
      writeFileSync(path.join(dir, 'plugins', 'canary.js'), "import 'no-such-dependency-anywhere';\n");
      const error = await configErrorOf(prepare(file, [], { PLUGIN: './plugins/canary.js' }));
      expect(error.issues[0]?.message).toMatch(
        /^the sink plugin named by the value of \$\{PLUGIN\} failed to load: .*no-such-dependency-anywhere/,
      );
      expect(everything(error)).not.toContain('canary');
    });

    it('when the plugin it names brings a broken options schema', async () => {
      const { dir, file } = setUp(
        pipelineText('{ bucket: b }', '${SINK}').replace('codec:\n  use: plain', 'codec:\n  use: badschema'),
      );
      writePlugin(dir, '@cxarchive/sink-badcanary', { kind: 'sink', schema: '{ type: "nope" }' });
      writePlugin(dir, '@cxarchive/codec-badschema', { kind: 'codec', schema: '{ type: "nope" }' });
      const error = await configErrorOf(prepare(file, [], { SINK: 'badcanary' }));
      const byPath = (p: string) => error.issues.find((i) => i.path === p);
      expect(byPath('sinks[0].use')?.message).toMatch(
        /^the sink plugin named by the value of \$\{SINK\} has an invalid options schema: /,
      );
      // A literal name is shown as ever.
      expect(byPath('codec.use')?.message).toMatch(
        /^plugin @cxarchive\/codec-badschema has an invalid options schema: /,
      );
      expect(byPath('codec.use')?.hint).toBe('this is a defect in the plugin; report it to its authors');
      expect(everything(error)).not.toContain('canary');
    });

    it('quotes a template that is more than one reference, as written', async () => {
      const { file } = setUp(pipelineText('{ bucket: b }', 'x-${KIND}'));
      const error = await configErrorOf(prepare(file, [], { KIND: 'canary' }));
      expect(error.issues[0]?.message).toBe(
        'cannot find sink plugin named by the value of "x-${KIND}" (looked for @cxarchive/sink-x-${KIND}, cxarchive-sink-x-${KIND} and x-${KIND})',
      );
      expect(everything(error)).not.toContain('canary');
    });

    it('still resolves the plugin it names', async () => {
      const { file } = setUp(pipelineText('{ bucket: b }', '${SINK}'));
      const { prepared } = await prepare(file, [], { SINK: 'mem' });
      expect(prepared.sinks[0]).toMatchObject({ use: 'mem', packageName: '@cxarchive/sink-mem' });
    });

    it('quotes a literal value as before', async () => {
      const { file } = setUp(pipelineText('{ bucket: b }', 'nocanary'));
      const error = await configErrorOf(prepare(file, [], { SINK: 'unused' }));
      expect(error.issues[0]?.message).toContain('cannot find sink plugin "nocanary"');
    });
  });

  it('names a missing scoped package plainly', async () => {
    const { file } = setUp(pipelineText('{ bucket: b }', '"@acme/sink-tape"'));
    const error = await configErrorOf(prepare(file));
    expect(error.issues[0]?.message).toBe(
      'cannot find sink plugin "@acme/sink-tape" (looked for @acme/sink-tape)',
    );
  });
});

describe('prepareArchive (restore, verify, keys)', () => {
  const archiveText = `version: 1
tenant: acme
source:
  use: fake
  with: { secret: "\${CXONE_ACCESS_KEY_SECRET}", issuer: "\${CXONE_ISSUER}" }
transforms:
  - use: ./no-such-transform.js
    with: { token: "\${TRANSFORM_TOKEN}" }
codec:
  use: plain
sinks:
  - use: mem
    with: { bucket: "\${BUCKET}", password: "\${SINK_PASSWORD}" }
notifiers:
  - use: ./no-such-notifier.js
    with: { url: "\${WEBHOOK_URL}" }
`;

  it('needs none of the source, transform or notifier variables, nor those plugins', async () => {
    const { file } = setUp(archiveText);
    const scrubber = new SecretScrubber();
    const env = { BUCKET: 'b', SINK_PASSWORD: 'sink-pw-1' };
    const prepared = await openArchive(() => loadPipeline({ file, env, scope: 'archive' }), { scrubber });
    expect(prepared.sourceId).toBe('fake');
    expect(prepared.codec.packageName).toBe('cxarchive-codec-plain');
    expect(prepared.sinks[0]?.config.bucket).toBe('b');
    expect(prepared.sinks[0]?.config.password).toBeInstanceOf(Redacted);
    expect(scrubber.scrub('sink-pw-1')).toBe('[redacted]');
    // A run still needs every one of them.
    const run = await configErrorOf(loadPipeline({ file, env }));
    expect(run.issues.map((i) => i.message).sort()).toEqual([
      'environment variable CXONE_ACCESS_KEY_SECRET is not set',
      'environment variable CXONE_ISSUER is not set',
      'environment variable TRANSFORM_TOKEN is not set',
      'environment variable WEBHOOK_URL is not set',
    ]);
  });

  it("still needs the codec's and the sinks' variables, and checks their options", async () => {
    const { file } = setUp(archiveText);
    const error = await configErrorOf(
      openArchive(() => loadPipeline({ file, env: {}, scope: 'archive' }), {
        scrubber: new SecretScrubber(),
      }),
    );
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'sinks[0].with.bucket: environment variable BUCKET is not set',
      'sinks[0].with.password: environment variable SINK_PASSWORD is not set',
    ]);
    const { file: bad } = setUp(archiveText.replace('bucket: "${BUCKET}", ', ''));
    const missing = await configErrorOf(
      openArchive(() => loadPipeline({ file: bad, env: { SINK_PASSWORD: 'x' }, scope: 'archive' }), {
        scrubber: new SecretScrubber(),
      }),
    );
    expect(missing.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'sinks[0].with: missing required key "bucket"',
    ]);
  });

  it("with scope 'migrate' (another source replaces the file's), only the source block's variables may be unset", async () => {
    const { file } = setUp(archiveText);
    const error = await configErrorOf(
      loadPipeline({ file, env: { BUCKET: 'b', SINK_PASSWORD: 'p' }, scope: 'migrate' }),
    );
    expect(error.issues.map((i) => `${i.path}: ${i.message}`).sort()).toEqual([
      'notifiers[0].with.url: environment variable WEBHOOK_URL is not set',
      'transforms[0].with.token: environment variable TRANSFORM_TOKEN is not set',
    ]);
    const loaded = await loadPipeline({
      file,
      env: { BUCKET: 'b', SINK_PASSWORD: 'p', WEBHOOK_URL: 'https://x.example', TRANSFORM_TOKEN: 't' },
      scope: 'migrate',
    });
    expect(loaded.config.sinks[0]?.with).toMatchObject({ bucket: 'b' });
  });

  it('keeps a variable in the source `use` required: it names the source in the ledger', async () => {
    const { file } = setUp(archiveText.replace('use: fake', 'use: "${SOURCE}"'));
    const error = await configErrorOf(
      loadPipeline({ file, env: { BUCKET: 'b', SINK_PASSWORD: 'p' }, scope: 'archive' }),
    );
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'source.use: environment variable SOURCE is not set',
    ]);
  });
});
