// An archive in the batch record layout made as a user's pipeline file makes it (the real gzip-aes
// codec, the fs sink, the SQLite ledger), from items replayed from memory: the file names the cxone
// source, which a run here replaces with the replay (so dates and sizes are the test's to choose)
// and which restore, verify and keys never start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  definePlugin,
  type Item,
  type JsonObject,
  loadPipeline,
  ok,
  okAsync,
  PLUGIN_API_VERSION,
  type PreparedPipeline,
  type PreparedPlugin,
  preparePipeline,
  runPipeline,
  SecretScrubber,
  type Source,
  syncPipeline,
} from '@cxarchive/core/host';
import { CLI_DIR, SOURCE_CONDITIONS } from './helpers.js';

export interface ReplayItem {
  readonly id: string;
  readonly occurredAt: string;
  readonly record: JsonObject;
  readonly artifacts?: readonly {
    readonly name: string;
    readonly bytes: string;
    readonly contentType: string;
  }[];
}

const PAGE = 500;

/** A source that costs nothing: refs by position, `fetch` makes the item at that position. */
const replaySource = (count: number, itemAt: (i: number) => ReplayItem): Source => ({
  recordName: 'contact',
  async *pages(checkpoint, signal) {
    let offset = typeof checkpoint?.offset === 'number' ? checkpoint.offset : 0;
    while (offset < count && !signal.aborted) {
      const end = Math.min(count, offset + PAGE);
      const items = [];
      for (let i = offset; i < end; i++) items.push({ id: itemAt(i).id, data: { position: i } });
      offset = end;
      yield ok({ items, checkpoint: { offset } });
    }
  },
  fetch: (ref) => {
    const spec = itemAt((ref.data as { position: number }).position);
    const item: Item = {
      id: spec.id,
      occurredAt: new Date(spec.occurredAt),
      record: spec.record,
      artifacts: (spec.artifacts ?? []).map((a) => ({
        name: a.name,
        contentType: a.contentType,
        open: () => okAsync(Readable.from([Buffer.from(a.bytes)])),
      })),
    };
    return okAsync(item);
  },
});

const replayPlugin = (source: Source): PreparedPlugin<'source'> => ({
  kind: 'source',
  label: 'source',
  use: 'cxone',
  packageName: 'test-replay-source',
  version: '0',
  config: {},
  definition: definePlugin({
    kind: 'source',
    name: 'replay',
    apiVersion: PLUGIN_API_VERSION,
    configSchema: {},
    create: () => ok(source),
  }) as PreparedPlugin<'source'>['definition'],
});

export interface BatchArchive {
  readonly dir: string;
  readonly file: string;
  readonly tenant: string;
  /** The pipeline as the file says, with the replay in the source's place. */
  prepared(): Promise<PreparedPipeline>;
  run(): ReturnType<typeof runPipeline>;
  sync(): ReturnType<typeof syncPipeline>;
  /** Rewrites the pipeline file (`sinks:` and the rest after the codec). */
  setSinks(sinks: string): void;
}

const pipelineText = (layout: string, sinks: string) => `version: 1
tenant: acme
source:
  use: cxone
  with: { issuer: "http://127.0.0.1:9", accessKeyId: a, accessKeySecret: b, clientId: c, clientSecret: d,
          since: 2026-01-01T00:00:00Z, media: [] }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./keys/tenant.key } } }
sinks:
${sinks}
retry: { attempts: 3, initialDelay: 1ms, maxDelay: 5ms }
concurrency: 3
${layout}
`;

export const FS_SINK = '  - use: fs\n    with: { root: ./archive }';

/** A tenant directory with a key and a pipeline file in the batch layout (`batchSize`). */
export const batchArchive = async (
  count: number,
  itemAt: (i: number) => ReplayItem,
  options: {
    readonly batchSize?: number;
    readonly sinks?: string;
    readonly layout?: 'batch' | 'per-item';
  } = {},
): Promise<BatchArchive> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-batch-'));
  await writeKeyFile(path.join(dir, 'keys', 'tenant.key'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  const layout =
    options.layout === 'per-item'
      ? 'layout: { records: per-item }'
      : `layout: { records: batch, batchSize: ${options.batchSize ?? 1000} }`;
  const write = (sinks: string) => writeFileSync(file, pipelineText(layout, sinks));
  write(options.sinks ?? FS_SINK);
  const scrubber = new SecretScrubber();
  const prepared = async () => {
    const loaded = await loadPipeline({ file });
    const p = await preparePipeline(loaded, {
      fallbackFrom: [CLI_DIR],
      conditions: SOURCE_CONDITIONS,
      scrubber,
    });
    return { ...p, source: replayPlugin(replaySource(count, itemAt)) };
  };
  return {
    dir,
    file,
    tenant: 'acme',
    prepared,
    run: async () => runPipeline({ prepared: await prepared(), scrubber }),
    sync: async () => syncPipeline({ prepared: await prepared(), scrubber }),
    setSinks: write,
  };
};
