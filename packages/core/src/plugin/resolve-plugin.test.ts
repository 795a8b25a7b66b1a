import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PluginResolutionError, resolvePlugin } from './resolve-plugin.js';

const PLUGIN = `export default { kind: 'source', name: 'ok', apiVersion: 2, configSchema: { type: 'object' }, create() {} };\n`;

const dir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-resolve-'));

const failure = async (use: string, from: string): Promise<PluginResolutionError> => {
  const error = await resolvePlugin('source', use, { from: [from] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginResolutionError);
  return error as PluginResolutionError;
};

const previousTimeout = process.env.CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS;
afterEach(() => {
  if (previousTimeout === undefined) delete process.env.CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS;
  else process.env.CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS = previousTimeout;
});

describe('resolving hostile path plugins', () => {
  it('refuses a plugin that calls process.exit while loading, and leaves process.exit as it was', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'exit.mjs'), 'process.exit(0);\nexport default 1;\n');
    const exit = process.exit;
    const error = await failure('./exit.mjs', d);
    expect(error.message).toBe('"./exit.mjs" called process.exit(0) while loading');
    expect(error.hint).toContain('must not end the process');
    expect(process.exit).toBe(exit);
  });

  it('gives up on a plugin that never finishes loading', async () => {
    process.env.CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS = '300';
    const d = dir();
    writeFileSync(path.join(d, 'hang.mjs'), 'await new Promise(() => {});\nexport default 1;\n');
    const error = await failure('./hang.mjs', d);
    expect(error.message).toBe('"./hang.mjs" did not finish loading within 0.3 s');
    expect(error.hint).toContain('CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS');
  });

  it('loads good plugins side by side with a guarded one', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'ok.mjs'), PLUGIN);
    writeFileSync(path.join(d, 'exit.mjs'), 'process.exit(3);\nexport default 1;\n');
    const [ok, bad] = await Promise.allSettled([
      resolvePlugin('source', './ok.mjs', { from: [d] }),
      resolvePlugin('source', './exit.mjs', { from: [d] }),
    ]);
    expect(ok.status === 'fulfilled' && ok.value.definition.name).toBe('ok');
    expect(bad.status === 'rejected' && (bad.reason as Error).message).toContain('process.exit(3)');
  });

  it('refuses a device without reading it', async () => {
    const error = await failure('/dev/zero', dir());
    expect(error.message).toBe('source plugin "/dev/zero" is a character device, not a plugin file');
  });

  it('names a directory without package.json, and a package.json that is not JSON', async () => {
    const d = dir();
    mkdirSync(path.join(d, 'empty'));
    const missing = await failure('./empty', d);
    expect(missing.message).toBe(
      `directory "${path.join(d, 'empty')}" has no package.json: it is not a plugin package`,
    );
    mkdirSync(path.join(d, 'broken'));
    writeFileSync(path.join(d, 'broken', 'package.json'), '{ not json');
    const broken = await failure('./broken', d);
    expect(broken.message).toBe(`${path.join(d, 'broken', 'package.json')} is not valid JSON`);
  });
});
