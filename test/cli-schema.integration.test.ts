import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, compile, YAML } from './cli-init-helpers.js';
import { ROOT } from './helpers.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-schema-'));

/** A plugin package in `<dir>/node_modules/<name>`: a plain definition, no build needed. */
const installPlugin = (
  dir: string,
  name: string,
  {
    kind = 'sink',
    apiVersion = 2,
    version = '1.2.3',
    options = { endpoint: { type: 'string' } } as Record<string, object>,
  }: { kind?: string; apiVersion?: number; version?: string; options?: Record<string, object> } = {},
) => {
  const pkg = path.join(dir, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name,
      version,
      type: 'module',
      exports: './index.mjs',
      cxarchive: { kind, apiVersion },
    }),
  );
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(options),
    properties: options,
  };
  writeFileSync(
    path.join(pkg, 'index.mjs'),
    `export default { kind: '${kind}', name: '${name}', apiVersion: ${apiVersion}, configSchema: ${JSON.stringify(schema)}, create() {} };\n`,
  );
  return pkg;
};

const examples = readdirSync(path.join(ROOT, 'examples'))
  .map((d) => path.join(ROOT, 'examples', d, 'archive.pipeline.yaml'))
  .filter((f) => existsSync(f));

describe('cxarchive schema', () => {
  it('validates every example pipeline as written, and rejects a mistyped plugin option', async () => {
    const r = await cli(['schema'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    const validate = compile(schema);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const file of examples) {
      const doc = YAML.parse(readFileSync(file, 'utf8'));
      expect({ file, ok: validate(doc), errors: validate.errors ?? null }).toEqual({
        file,
        ok: true,
        errors: null,
      });
    }
    const s3 = YAML.parse(
      readFileSync(path.join(ROOT, 'examples', 'tenant-s3', 'archive.pipeline.yaml'), 'utf8'),
    );
    s3.sinks[0].with.buckt = s3.sinks[0].with.bucket;
    delete s3.sinks[0].with.bucket;
    expect(validate(s3)).toBe(false);
    expect(validate.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instancePath: '/sinks/0/with', params: { additionalProperty: 'buckt' } }),
        expect.objectContaining({ instancePath: '/sinks/0/with', params: { missingProperty: 'bucket' } }),
      ]),
    );
    // The same option is fine for the plugin that has it: the check follows `use:`.
    const source = YAML.parse(readFileSync(examples[0] as string, 'utf8'));
    source.source.with.pageSiz = 5;
    expect(validate(source)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/source/with');
  });

  it('accepts ${VAR} where a number or a constrained string is expected, and nothing else there', async () => {
    const validate = compile(JSON.parse((await cli(['schema'], { cwd: tempDir() })).stdout));
    const base = YAML.parse(readFileSync(examples[0] as string, 'utf8'));
    expect(validate({ ...base, concurrency: '${WORKERS:-8}' })).toBe(true);
    expect(validate({ ...base, concurrency: 'eight' })).toBe(false);
    expect(validate({ ...base, tenant: 'Not A Tenant' })).toBe(false);
    expect(validate({ ...base, sinks: [{ use: 'fs', with: { root: './a', fsync: '${FSYNC}' } }] })).toBe(
      true,
    );
    expect(validate({ ...base, sinks: [{ use: 'fs', with: { root: './a', fsync: 'sometimes' } }] })).toBe(
      false,
    );
  });

  it('offers every plugin name for completion, and the options of a plugin installed beside the pipeline', async () => {
    const dir = tempDir();
    installPlugin(dir, 'cxarchive-sink-tape', { options: { drive: { type: 'string', pattern: '^/dev/' } } });
    const r = await cli(['schema', dir]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    const uses = schema.properties.sinks.items.properties.use.examples;
    expect(uses).toEqual(expect.arrayContaining(['fs', 's3', 'gcs', 'azure', 'tape']));
    expect(schema.properties.source.properties.use.examples).toContain('cxone');
    const validate = compile(schema);
    const base = YAML.parse(readFileSync(examples[0] as string, 'utf8'));
    expect(validate({ ...base, sinks: [{ use: 'tape', with: { drive: '/dev/st0' } }] })).toBe(true);
    expect(validate({ ...base, sinks: [{ use: 'tape', with: { drive: '/dev/st0', driv: 1 } }] })).toBe(false);
    expect(validate({ ...base, sinks: [{ use: 'tape', with: { drive: 'C:' } }] })).toBe(false);
    // A plugin the schema does not know (a path plugin) is not checked below `with`.
    expect(validate({ ...base, sinks: [{ use: './my-sink.mjs', with: { anything: 1 } }] })).toBe(true);
  });

  it('--out writes the same schema to a file; an unwritable --out exits 1, a missing DIR 2', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'cxarchive.schema.json');
    const written = await cli(['schema', '--out', out], { cwd: dir });
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(`wrote ${out}\n`);
    const printed = await cli(['schema'], { cwd: dir });
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);
    // Replaced whole on a second run, with nothing left beside it.
    expect((await cli(['schema', '--out', out], { cwd: dir })).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['cxarchive.schema.json']);

    const nowhere = await cli(['schema', '--out', path.join(dir, 'missing', 'schema.json')], { cwd: dir });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toBe(
      `cannot write ${path.join(dir, 'missing', 'schema.json')}: its directory ${path.join(dir, 'missing')} does not exist\n`,
    );
    const onDir = await cli(['schema', '--out', dir], { cwd: dir });
    expect(onDir.code).toBe(1);
    expect(onDir.stderr).toContain(`cannot write ${dir}:`);
    expect(readdirSync(dir)).toEqual(['cxarchive.schema.json']);

    const missing = await cli(['schema', path.join(dir, 'no-such-tenant')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'no-such-tenant does not exist: give a tenant directory or its pipeline file',
    );
  });
});

describe('cxarchive plugins list', () => {
  it('lists every bundled plugin with kind, version, API version and where it resolved from', async () => {
    const r = await cli(['plugins', 'list', '--json'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    const byUse = (kind: string, use: string) => rows.find((p) => p.kind === kind && p.use === use);
    for (const [kind, use, pkg] of [
      ['source', 'cxone', '@cxarchive/source-cxone'],
      ['codec', 'gzip-aes', '@cxarchive/codec-gzip-aes'],
      ['sink', 'fs', '@cxarchive/sink-fs'],
      ['sink', 's3', '@cxarchive/sink-s3'],
      ['transform', 'redact', '@cxarchive/transform-redact'],
      ['notifier', 'webhook', '@cxarchive/notifier-webhook'],
    ] as const) {
      expect(byUse(kind, use)).toMatchObject({
        package: pkg,
        version: '0.1.0',
        apiVersion: 2,
        status: 'ok',
        origin: 'cli',
        path: path.join(ROOT, 'packages', 'cli', 'node_modules', pkg),
      });
    }
    expect(byUse('sink', 'fs')?.name).toBe('fs');
    expect(byUse('codec', 'gzip-aes')?.name).toBe('gzip-aes');
    const text = await cli(['plugins', 'list'], { cwd: tempDir() });
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^KIND\s+USE\s+PACKAGE\s+VERSION\s+API\s+STATUS\s+RESOLVED FROM$/);
    expect(lines.find((l) => /^sink\s+fs\s/.test(l))).toMatch(
      /^sink\s+fs\s+@cxarchive\/sink-fs\s+0\.1\.0\s+2\s+ok\s+\S+sink-fs \(cxarchive's installation\)$/,
    );
  });

  it('shows a plugin beside the pipeline first, the one it shadows, and one that cannot be used', async () => {
    const dir = tempDir();
    const local = installPlugin(dir, '@cxarchive/sink-fs', {
      version: '9.9.9',
      options: { root: { type: 'string' } },
    });
    installPlugin(dir, 'cxarchive-sink-old', { apiVersion: 1 });
    installPlugin(dir, 'cxarchive-notifier-evil\u001b[2J', { kind: 'notifier' });
    writeFileSync(path.join(dir, 'archive.pipeline.yaml'), 'version: 1\n');
    const r = await cli(['plugins', 'list', path.join(dir, 'archive.pipeline.yaml'), '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    const fs = rows.filter((p) => p.kind === 'sink' && p.use === 'fs');
    expect(fs).toEqual([
      expect.objectContaining({ version: '9.9.9', status: 'ok', origin: 'tenant', path: local }),
      expect.objectContaining({ version: '0.1.0', status: 'shadowed', origin: 'cli', shadowedBy: local }),
    ]);
    const old = rows.find((p) => p.use === 'old');
    expect(old).toMatchObject({ status: 'broken', apiVersion: 1, origin: 'tenant', name: null });
    expect(old?.problem).toContain('was built for plugin API 1, this cxarchive speaks 2');

    const text = await cli(['plugins', 'list', dir]);
    expect(text.stdout).toContain(
      `sink fs: ${path.join(ROOT, 'packages', 'cli', 'node_modules', '@cxarchive', 'sink-fs')} is shadowed by ${local}`,
    );
    expect(text.stdout).toContain(
      'sink old: cannot be used: package cxarchive-sink-old@1.2.3 was built for plugin API 1',
    );
    expect(text.stdout).toContain('evil\\x1b[2J');
    expect(text.stdout).not.toContain('\u001b');

    // The schema leaves the broken plugin out, saying so, and follows the local one.
    const schema = await cli(['schema', dir]);
    expect(schema.code).toBe(0);
    expect(schema.stderr).toContain(
      'warning: sink old is left out of the schema: package cxarchive-sink-old@1.2.3 was built',
    );
    const uses = JSON.parse(schema.stdout).properties.sinks.items.properties.use.examples;
    expect(uses).not.toContain('old');
    expect(uses.filter((u: string) => u === 'fs')).toHaveLength(1);
  });

  it('exits 2 for a directory that does not exist', async () => {
    const r = await cli(['plugins', 'list', '/nonexistent/tenant']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      '/nonexistent/tenant does not exist: give a tenant directory or its pipeline file\n',
    );
  });
});
