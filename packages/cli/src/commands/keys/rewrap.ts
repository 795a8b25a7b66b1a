import { decodeObject, type GzipAesCodec, keyRingOf, loadKek } from '@cxarchive/codec-gzip-aes';
import {
  chooseSink,
  escapeControl,
  type KeySwap,
  openArchiveAccess,
  parseDuration,
  type RewrapResult,
  RunSetupError,
  rewrapArchive,
  SecretScrubber,
  safeJson,
} from '@cxarchive/core/host';
import { Args, Command, Flags } from '@oclif/core';
import { openArchiveOf, stopOnSignals } from '../../archive-command.js';
import { failCommand } from '../../errors-render.js';
import { EXIT } from '../../exit-codes.js';

const canRewrap = (codec: unknown): codec is GzipAesCodec =>
  typeof (codec as { rewrap?: unknown }).rewrap === 'function';

export default class KeysRewrap extends Command {
  static override summary = 'Put every archived object under a new key, without re-encrypting its data.';
  static override description =
    `Rotates the key-encryption key: for every object the ledger records (on every sink, or --sink only) that is not under the key in --to, the object's key slot is rewritten — its data key unwrapped with the pipeline codec's keys (key and readKeys) and wrapped again under the new key — while its header and every encrypted chunk are copied byte for byte, each chunk authenticated on the way. Sinks are create-only, so the rewrapped object is stored beside the original (…/contact.json.cxar → …/contact.json.<new key id>.cxar), verified like any write (the store's checksum, or a read-back), and recorded in the ledger in its place; restore, verify and sync use it from then on. The original stays in the sink, recorded as superseded (verify does not report it): delete it when the bucket's retention allows.
After a rewrap, point the codec at the new key (key: { provider: file, path: <new> }) and keep the old one in readKeys until every object is under the new key. A rewrap that was stopped goes on where it stopped; an object rewrapped but not recorded is taken only after it authenticates under the new key. It holds the tenant like a run (a lease). Only the codec's keys and the sinks' credentials are needed (CXONE_* may be unset).
Exit status: 0 every object is under the new key; 1 some objects could not be rewrapped (each named); 2 the pipeline file or an option is invalid; 3 it could not start (no ledger, another run holds the tenant); ${EXIT.interrupted} stopped.`;
  static override examples = [
    '<%= config.bin %> keys generate keys/acme-2027.key',
    '<%= config.bin %> <%= command.id %> tenants/acme/archive.pipeline.yaml --to keys/acme-2027.key',
  ];
  static override args = {
    pipeline: Args.string({
      description: 'Pipeline file (default: archive.pipeline.yaml here or above).',
      required: false,
    }),
  };
  static override flags = {
    to: Flags.string({
      description: 'Key file of the new key (see keys generate).',
      required: true,
      helpValue: '<file>',
    }),
    sink: Flags.string({
      description: 'Rewrap on this sink only: its label (sinks[1]) or index (1).',
      helpValue: '<label|index>',
    }),
    json: Flags.boolean({ description: 'Print the result as JSON on stdout instead of the summary.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(KeysRewrap);
    const scrubber = new SecretScrubber();
    const invalid = (message: string): never =>
      failCommand(this, EXIT.invalidPipeline, scrubber.scrub(message));
    const prepared = await openArchiveOf(this, args.pipeline, scrubber);
    const target = await loadKek({ provider: 'file', path: flags.to }, process.cwd());
    if (target.isErr()) invalid(`--to ${flags.to}: ${target.error.message}`);
    const kek = target._unsafeUnwrap();
    const stop = stopOnSignals('stopping: objects in flight are finished or left as they were');
    let result: RewrapResult;
    try {
      const access = await openArchiveAccess({ prepared, scrubber, signal: stop.signal });
      try {
        const codec = access.codec.instance;
        if (!canRewrap(codec))
          invalid(
            `the codec ${prepared.codec.packageName} cannot rewrite key slots: keys rewrap needs gzip-aes`,
          );
        const sink = (() => {
          try {
            return chooseSink(access.sinks, flags.sink);
          } catch (error) {
            return invalid((error as Error).message);
          }
        })();
        const swap: KeySwap = {
          keyId: kek.keyId,
          rewrap: (input, ctx, signal) => (codec as GzipAesCodec).rewrap(input, ctx, kek, signal),
          authenticate: (input, ctx, signal) => decodeObject(input, ctx, keyRingOf(kek), signal),
        };
        const { config } = prepared.loaded;
        result = await rewrapArchive(access, {
          swap,
          runId: `rewrap-${new Date().toISOString().replace(/[-:.]/g, '')}`,
          leaseMs: parseDuration(config.state?.lease ?? '2m'),
          ...(sink ? { sink } : {}),
          ...(config.retention
            ? { retention: { mode: config.retention.mode, periodMs: parseDuration(config.retention.period) } }
            : {}),
          onObject: (done) => {
            if (done.status === 'failed')
              process.stderr.write(
                `failed: ${escapeControl(done.sink)} ${escapeControl(done.key)}: ${escapeControl(done.reason)}\n`,
              );
          },
        });
      } finally {
        await access.close();
      }
    } catch (error) {
      if (error instanceof RunSetupError || (error instanceof Error && error.name === 'LeaseHeldError')) {
        failCommand(this, EXIT.cannotStart, `cannot rewrap: ${scrubber.scrub(error.message)}`);
      }
      throw error;
    } finally {
      stop.dispose();
    }
    if (flags.json) this.log(safeJson({ keyId: kek.keyId, ...result }, 2));
    else {
      this.log(
        `${result.rewrapped} objects rewrapped under ${kek.keyId}${result.adopted > 0 ? `, ${result.adopted} found rewrapped by an earlier run` : ''}, ${result.alreadyUnder} already under it, ${result.failed} failed`,
      );
      if (result.rewrapped + result.adopted > 0)
        this.log(
          'the originals stay in the sinks, recorded as superseded: delete them when retention allows. Point the codec at the new key and keep the old one in readKeys until then.',
        );
    }
    if (result.interrupted) this.exit(EXIT.interrupted);
    if (result.failed > 0) this.exit(EXIT.runFailed);
  }
}
