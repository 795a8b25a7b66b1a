import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { fromStreamError, type PluginError, PluginFailure } from '@cxarchive/core';

/** One processing step and how its foreign errors are classified. */
export interface Stage {
  readonly stream: Duplex;
  readonly mapError: (cause: unknown) => PluginError;
}

/** Aborting the chain: the signal to follow and the error the streams are destroyed with. */
export interface ChainAbort {
  readonly signal: AbortSignal;
  readonly error: (reason: unknown) => PluginError;
}

const asFailure = (cause: unknown, map: (cause: unknown) => PluginError): PluginFailure =>
  cause instanceof PluginFailure ? cause : new PluginFailure(map(cause));

/**
 * Pipes `source` through `stages` into a returned stream. Any failure — the source's (classified
 * by core's `fromStreamError`, so a tagged error keeps its tag), a stage's (classified by its
 * `mapError`) or the abort signal firing (classified by `abort.error`) — destroys every stream and
 * the returned one with a `PluginFailure`, so the consumer always sees a classified error and the
 * source is released. Destroying the returned stream tears the chain down. The abort listener is
 * removed when the returned stream closes, so a long-lived signal does not collect listeners.
 */
export const chainStreams = (source: Readable, stages: readonly Stage[], abort: ChainAbort): Readable => {
  const out = new PassThrough();
  const inner: Readable[] = [source, ...stages.map((stage) => stage.stream)];
  const teardown = (): void => {
    for (const stream of inner) if (!stream.destroyed) stream.destroy();
  };
  const fail = (error: PluginFailure): void => {
    teardown();
    if (!out.destroyed) out.destroy(error);
  };
  const onAbort = (): void => fail(new PluginFailure(abort.error(abort.signal.reason)));
  source.on('error', (cause) => fail(asFailure(cause, fromStreamError)));
  for (const { stream, mapError } of stages) stream.on('error', (cause) => fail(asFailure(cause, mapError)));
  out.on('close', () => {
    abort.signal.removeEventListener('abort', onAbort);
    teardown();
  });
  let previous: Readable = source;
  for (const { stream } of stages) previous = previous.pipe(stream);
  previous.pipe(out);
  if (abort.signal.aborted) onAbort();
  else abort.signal.addEventListener('abort', onAbort, { once: true });
  return out;
};
