import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatKeyText, generateKey, keyIdOf } from './key-material.js';
import { readKeyFile } from './key-provider.js';

/** Creates the missing directories of `dir` with mode 0700 (existing ones are left as they are). */
const makeKeyDirectory = async (dir: string): Promise<void> => {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdir's mode is masked by the umask: set 0700 exactly on every directory created here.
  for (let at = dir; at.length >= first.length; at = dirname(at)) {
    await chmod(at, 0o700);
    if (at === first) break;
  }
};

/**
 * Creates a key file holding a fresh random KEK (base64 and a newline), mode 0600, create-only
 * (O_EXCL); directories it creates are 0700. It never overwrites: an existing file is left
 * untouched and its key id returned with `created: false` (a caller such as `keys generate`
 * refuses then); if that file does not hold a valid, private key, this rejects with a message
 * naming the path.
 */
export const writeKeyFile = async (path: string): Promise<{ keyId: string; created: boolean }> => {
  await makeKeyDirectory(dirname(path));
  const key = generateKey();
  try {
    await writeFile(path, formatKeyText(key), { flag: 'wx', mode: 0o600 });
    await chmod(path, 0o600);
    return { keyId: keyIdOf(key), created: true };
  } catch (cause) {
    if ((cause as { code?: unknown }).code !== 'EEXIST') throw cause;
    const existing = await readKeyFile(path);
    if (existing.isErr()) throw new Error(existing.error.message);
    return { keyId: existing.value.keyId, created: false };
  } finally {
    key.fill(0);
  }
};
