import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { fromStreamError, type PluginError, PluginStreamError } from '@cxarchive/core';

/** One processing step and how its foreign errors are classified. */
export interface Stage {
  readonly stream: Duplex;
  readonly mapError: (cause: unknown) => PluginError;
}

const asStreamError = (cause: unknown, map: (cause: unknown) => PluginError): PluginStreamError =>
  cause instanceof PluginStreamError ? cause : new PluginStreamError(map(cause));

/**
 * Pipes `source` through `stages` into a returned stream. Any failure — the source's (classified
 * by core's `fromStreamError`, so a tagged error keeps its tag) or a stage's (classified by its
 * `mapError`) — destroys every stream and the returned one with a `PluginStreamError`, so the
 * consumer always sees a classified error. Destroying the returned stream tears the chain down.
 */
export const chainStreams = (source: Readable, stages: readonly Stage[]): Readable => {
  const out = new PassThrough();
  const inner: Readable[] = [source, ...stages.map((stage) => stage.stream)];
  const teardown = (): void => {
    for (const stream of inner) if (!stream.destroyed) stream.destroy();
  };
  const fail = (error: PluginStreamError): void => {
    teardown();
    if (!out.destroyed) out.destroy(error);
  };
  source.on('error', (cause) => fail(asStreamError(cause, fromStreamError)));
  for (const { stream, mapError } of stages)
    stream.on('error', (cause) => fail(asStreamError(cause, mapError)));
  out.on('close', teardown);
  let previous: Readable = source;
  for (const { stream } of stages) previous = previous.pipe(stream);
  previous.pipe(out);
  return out;
};
