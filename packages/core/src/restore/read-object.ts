import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumStream } from '../hashing.js';
import { type ItemObject, storedKeyOf } from '../ledger/ledger.js';
import { fromStreamError, type PluginError } from '../plugin/errors.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import { StreamStopped } from '../runtime/put-to-sinks.js';
import type { ArchiveAccess } from './archive-access.js';
import { decodeContextOf } from './decode-context.js';

/** Why an object could not be read back. */
export type ReadFailure =
  /** The sink has nothing at the key. */
  | { readonly stage: 'missing'; readonly error: PluginError }
  /** The sink could not be asked (network, credentials): nothing is known about the object. */
  | { readonly stage: 'get'; readonly error: PluginError }
  /** The codec refused the object (its header, key or context) or a chunk failed authentication. */
  | { readonly stage: 'decode'; readonly error: PluginError }
  /** The bytes stopped coming from the sink part-way. */
  | { readonly stage: 'transfer'; readonly error: PluginError }
  /** Writing the plaintext failed (a full disk, a file already there). */
  | { readonly stage: 'output'; readonly error: Error };

export type ReadResult =
  | {
      readonly ok: true;
      /** Size and SHA-256 of the stored bytes as they came from the sink. */
      readonly storedSize: number;
      readonly storedSha256: string;
    }
  | ({ readonly ok: false } & ReadFailure);

class OutputFailure extends Error {
  readonly failure: Error;
  constructor(failure: Error) {
    super(failure.message);
    this.failure = failure;
  }
}

/**
 * Reads one object from `sink` and decodes it under the full context the ledger records for it,
 * handing the plaintext to `consume` (which must read it to its end). Resolves once the last chunk
 * has authenticated, or with why it did not: a failure of the codec, of the transfer or of
 * `consume` (its own error, rethrown as `output`). Streams end to end: memory stays bounded.
 */
export const readObject = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  object: ItemObject,
  consume: (plaintext: Readable) => Promise<void>,
): Promise<ReadResult> => {
  const got = await access.call(sink, 'get', (signal) => sink.instance.get(storedKeyOf(object), signal));
  if (!got.ok)
    return { ok: false, stage: got.error._tag === 'NotFound' ? 'missing' : 'get', error: got.error };
  const raw = got.value;
  const counted = new ChecksumStream([]);
  let transferError: unknown;
  raw.on('error', (cause) => {
    if (!(cause instanceof StreamStopped)) transferError ??= cause;
  });
  const copying = pipeline(raw, counted).catch(() => undefined);
  const stop = async () => {
    if (!raw.destroyed) raw.destroy(new StreamStopped());
    await copying;
  };
  const decoded = await access.call(
    access.codec,
    'decode',
    (signal) => access.codec.instance.decode(counted, decodeContextOf(access.tenant, object), signal),
    { retry: false },
  );
  if (!decoded.ok) {
    await stop();
    return { ok: false, stage: 'decode', error: decoded.error };
  }
  // The plaintext may fail before `consume` starts reading it (a one-chunk object): the failure
  // stays on the stream (`errored`) and ends the consumer's reading, never an unhandled event.
  decoded.value.on('error', () => undefined);
  try {
    await consume(decoded.value).catch((cause: unknown) => {
      throw cause instanceof Error && !isStreamError(decoded.value, cause) ? new OutputFailure(cause) : cause;
    });
    await copying;
  } catch (cause) {
    await stop();
    if (!decoded.value.destroyed) decoded.value.destroy();
    if (cause instanceof OutputFailure) return { ok: false, stage: 'output', error: cause.failure };
    if (transferError !== undefined)
      return {
        ok: false,
        stage: 'transfer',
        error: withLabel(fromStreamError(transferError), `${sink.label}.get`),
      };
    return {
      ok: false,
      stage: 'decode',
      error: withLabel(fromStreamError(cause), `${access.codec.label}.decode`),
    };
  }
  return { ok: true, storedSize: counted.size, storedSha256: counted.digest('sha256')! };
};

/** The error the decoded stream itself failed with (as opposed to the consumer's own). */
const isStreamError = (stream: Readable, cause: unknown): boolean => stream.errored === cause;

const withLabel = (error: PluginError, where: string): PluginError =>
  error.message.startsWith(`${where}: `) ? error : { ...error, message: `${where}: ${error.message}` };
