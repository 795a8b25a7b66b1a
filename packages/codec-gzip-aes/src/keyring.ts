import { errAsync, okAsync, type PluginError, PluginErrors, ResultAsync } from '@cxarchive/core';
import { WRAP_ALG_KEK, WRAP_ALG_PASSPHRASE } from './constants.js';
import type { KeySlot } from './header.js';
import { hexByte } from './header.js';
import { fingerprintOf } from './key-material.js';
import { type KeySource, type LoadedKek, loadKeySource, writingKek } from './key-provider.js';
import type { KeyOption } from './options.js';
import { derivePassphraseKek, parsePassphraseKeyId } from './passphrase.js';

/** Derived passphrase keys kept per codec instance (one per salt met), oldest dropped first. */
const MAX_DERIVED = 64;

/**
 * The keys a codec holds: the one new objects are written under, and every key that opens objects
 * (the writing key and the read keys), found by the key slot's wrap_alg and key id.
 */
export class KeyRing {
  readonly writeKey: LoadedKek;
  readonly #sources: readonly KeySource[];
  readonly #derived = new Map<string, Promise<Buffer>>();

  constructor(writeKey: LoadedKek, sources: readonly KeySource[]) {
    this.writeKey = writeKey;
    this.#sources = sources;
  }

  /** What is configured, for messages (key ids and passphrase origins, never secrets). */
  describe(): string {
    const names: string[] = [];
    for (const source of this.#sources) {
      const name = source.kind === 'kek' ? source.kek.keyId : `a passphrase (${source.origin})`;
      if (!names.includes(name)) names.push(name);
    }
    return names.length === 1
      ? `the configured key is ${names[0]}`
      : `the configured keys are ${names.join(', ')}`;
  }

  #notConfigured(keyId: string): PluginError {
    return PluginErrors.permanent(`object was encrypted under key ${keyId}, ${this.describe()}`);
  }

  #derive(passphrase: Buffer, index: number, iterations: number, salt: Buffer): Promise<Buffer> {
    const cacheKey = `${index}:${iterations}:${salt.toString('hex')}`;
    let pending = this.#derived.get(cacheKey);
    if (pending === undefined) {
      pending = derivePassphraseKek(passphrase, salt, iterations);
      this.#derived.set(cacheKey, pending);
      if (this.#derived.size > MAX_DERIVED) this.#derived.delete(this.#derived.keys().next().value!);
    }
    return pending;
  }

  async #findPassphrase(keyId: string): Promise<LoadedKek | PluginError> {
    const parsed = parsePassphraseKeyId(keyId);
    if (parsed === undefined)
      return PluginErrors.invalidInput(
        `key slot: ${JSON.stringify(keyId)} is not a passphrase key id (pw:<iterations>:<salt>:<fingerprint>)`,
      );
    for (const [index, source] of this.#sources.entries()) {
      if (source.kind !== 'passphrase') continue;
      const key = await this.#derive(source.passphrase, index, parsed.iterations, parsed.salt);
      if (fingerprintOf(key) === parsed.fingerprint) return { key, keyId, wrapAlg: WRAP_ALG_PASSPHRASE };
    }
    return this.#notConfigured(keyId);
  }

  /** The KEK that a key slot names, or why there is none. */
  find(slot: KeySlot): ResultAsync<LoadedKek, PluginError> {
    if (slot.wrapAlg === WRAP_ALG_KEK) {
      if (this.writeKey.wrapAlg === WRAP_ALG_KEK && this.writeKey.keyId === slot.keyId)
        return okAsync(this.writeKey);
      for (const source of this.#sources)
        if (source.kind === 'kek' && source.kek.keyId === slot.keyId) return okAsync(source.kek);
      return errAsync(this.#notConfigured(slot.keyId));
    }
    if (slot.wrapAlg === WRAP_ALG_PASSPHRASE) {
      if (this.writeKey.wrapAlg === WRAP_ALG_PASSPHRASE && this.writeKey.keyId === slot.keyId)
        return okAsync(this.writeKey);
      return ResultAsync.fromPromise(this.#findPassphrase(slot.keyId), (cause) =>
        PluginErrors.permanent('deriving the key from the passphrase failed', cause),
      ).andThen((found) => ('key' in found ? okAsync(found) : errAsync(found)));
    }
    return errAsync(PluginErrors.invalidInput(`key slot: unknown wrap_alg ${hexByte(slot.wrapAlg)}`));
  }
}

/** A ring of fixed keys: the first writes, all open (for tests and library callers). */
export const keyRingOf = (writeKey: LoadedKek, ...readKeys: LoadedKek[]): KeyRing =>
  new KeyRing(
    writeKey,
    [writeKey, ...readKeys].map((kek) => ({ kind: 'kek', kek }) as const),
  );

/** Loads `key` and `readKeys` (each once) and derives the writing key. */
export const loadKeyRing = (
  options: { readonly key: KeyOption; readonly readKeys: readonly KeyOption[] },
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ResultAsync<KeyRing, PluginError> =>
  ResultAsync.combine([
    loadKeySource(options.key, baseDir, env, 'key'),
    ...options.readKeys.map((option, i) => loadKeySource(option, baseDir, env, `readKeys[${i}]`)),
  ]).andThen((sources) => writingKek(sources[0]!).map((writeKey) => new KeyRing(writeKey, sources)));
