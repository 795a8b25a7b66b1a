import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatKeyText, generateKey, keyIdOf } from './key-material.js';
import { readKeyFile } from './key-provider.js';

/**
 * Creates a key file holding a fresh random KEK (base64), mode 0600, create-only (O_EXCL).
 * An existing file is left untouched and its key id returned with `created: false`; if it does
 * not hold a valid key, this rejects with a message naming the path.
 */
export const writeKeyFile = async (path: string): Promise<{ keyId: string; created: boolean }> => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateKey();
  try {
    await writeFile(path, formatKeyText(key), { flag: 'wx', mode: 0o600 });
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
