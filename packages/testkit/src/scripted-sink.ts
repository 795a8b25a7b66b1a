import { errAsync, type PluginError, ResultAsync, type Sink, type Stored } from '@cxarchive/core';
import { attemptCounter, type ScriptedFault } from './memory-source.js';

/** What a scripted sink does on one put instead of (or besides) storing. */
export type PutScript =
  | ScriptedFault
  /** Stores, then reports a checksum that does not match (a store that corrupted the bytes). */
  | 'wrong-checksum'
  /** Waits until the put's signal aborts, then fails as cancelled (a stalled upload). */
  | 'hang';

export interface SinkScript {
  /** Called before each put; `attempt` counts puts of that key from 1. */
  put?(key: string, attempt: number): PutScript | undefined;
  get?(key: string, attempt: number): ScriptedFault | undefined;
  head?(key: string, attempt: number): ScriptedFault | undefined;
}

export interface ScriptedSink extends Sink {
  /** Calls made, in order: `put:<key>`, `get:<key>`, `head:<key>`. */
  readonly calls: string[];
}

/** Wraps a sink with scripted faults for runtime tests; everything else goes to `inner`. */
export const createScriptedSink = (inner: Sink, script: SinkScript): ScriptedSink => {
  const count = attemptCounter();
  const calls: string[] = [];
  const failWith = <T>(f: ScriptedFault): ResultAsync<T, PluginError> => {
    if (f === 'throw') throw new Error('scripted sink defect');
    return errAsync(f);
  };
  return {
    calls,
    checksums: inner.checksums,
    ...(inner.checksumPartSize === undefined ? {} : { checksumPartSize: inner.checksumPartSize }),
    ...(inner.limits ? { limits: inner.limits } : {}),
    put(key, body, options) {
      calls.push(`put:${key}`);
      const f = script.put?.(key, count(`put:${key}`));
      if (f === 'hang') {
        body.resume();
        return ResultAsync.fromPromise(
          new Promise<Stored>((_, reject) => {
            const cancel = () => reject(new Error('cancelled'));
            if (options.signal.aborted) cancel();
            else options.signal.addEventListener('abort', cancel, { once: true });
          }),
          (): PluginError => ({ _tag: 'Transient', message: 'put cancelled' }),
        );
      }
      if (f === 'wrong-checksum')
        return inner.put(key, body, options).map((stored) => ({
          ...stored,
          checksum: { ...stored.checksum, value: '0'.repeat(stored.checksum.value.length) },
        }));
      if (f) {
        body.destroy();
        return failWith(f);
      }
      return inner.put(key, body, options);
    },
    get(key, signal) {
      calls.push(`get:${key}`);
      const f = script.get?.(key, count(`get:${key}`));
      return f ? failWith(f) : inner.get(key, signal);
    },
    head(key, signal) {
      calls.push(`head:${key}`);
      const f = script.head?.(key, count(`head:${key}`));
      return f ? failWith(f) : inner.head(key, signal);
    },
  };
};
