import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecCheck } from './check.js';
import { writeKeyFile } from './key-file.js';
import { resolveOptions } from './options.js';

const signal = new AbortController().signal;
const dir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-codec-check-'));

const check = (options: Parameters<typeof resolveOptions>[0], base: string, env: NodeJS.ProcessEnv = {}) =>
  codecCheck(resolveOptions(options)._unsafeUnwrap(), base, env)(signal);

describe('the codec health check', () => {
  it('loads every key and returns the ids of the fixed ones', async () => {
    const d = dir();
    const current = await writeKeyFile(path.join(d, 'current.key'));
    const old = await writeKeyFile(path.join(d, 'old.key'));
    const result = await check(
      {
        key: { provider: 'file', path: './current.key' },
        readKeys: [{ provider: 'file', path: './old.key' }],
      },
      d,
    );
    expect(result._unsafeUnwrap().keyIds).toEqual({
      write: current.keyId,
      read: [current.keyId, old.keyId],
      derived: false,
    });
    expect(result._unsafeUnwrap().checked).toEqual([
      `key: key ${current.keyId} loaded (file)`,
      `readKeys[0]: key ${old.keyId} loaded (file)`,
    ]);
  });

  it('refuses a key file readable by others, naming the option', async () => {
    const d = dir();
    await writeKeyFile(path.join(d, 'k.key'));
    chmodSync(path.join(d, 'k.key'), 0o640);
    const error = (await check({ key: { provider: 'file', path: './k.key' } }, d))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'key.path' });
    expect(error.message).toContain('chmod 600');
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a key file owned by another user', async () => {
    const d = dir();
    await writeKeyFile(path.join(d, 'k.key'));
    chownSync(path.join(d, 'k.key'), 2345, 2345);
    const error = (
      await check({ key: { provider: 'file', path: './k.key' }, readKeys: [] }, d)
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'key.path' });
    expect(error.message).toContain('belongs to user id 2345');
  });

  it('says a passphrase key is derived (no fixed id), and fails an unset key variable', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'pass'), 'correct horse battery staple\n', { mode: 0o600 });
    const derived = await check({ key: { provider: 'passphrase', path: './pass' } }, d);
    expect(derived._unsafeUnwrap().keyIds).toEqual({ read: [], derived: true });
    const unset = await check({ key: { provider: 'env', variable: 'NO_SUCH_KEY' } }, d, {});
    expect(unset._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'key.variable' });
  });
});
