// One archive run in a child process, for the crash tests: the real harness (`runPipeline` from
// the built `@cxarchive/core/host`), the real fs sink (two roots), a real SQLite ledger in the
// tenant directory, the seeded source, and the identity codec or the real gzip-aes codec with a key
// file in the tenant directory. The test hooks
// (`CXARCHIVE_TEST_HOOKS`, `CXARCHIVE_TEST_FAULT`) come from the environment the test gives it.
//
//   node child-run.mjs '<json options>'
//
// Options (see ChildOptions in children.ts): dir, seed, count, bigSize, sinkRoots, resultFile;
// concurrency, codec; layout (`{ records: 'batch', batchSize, days }`: the batch record layout,
// the items on `days` days); to catch a run mid-upload: stallFrom (the source stalls recordings),
// stallPutsFrom (the sinks do not take recordings), stallBatchPuts (nor batch objects), stallAcknowledgeOf (an acknowledgement never
// answers), ackDelays (item id → ms: its acknowledgement answers after this long), chunkDelayMs; sigint (SIGINT aborts the run); lingerMs (stay alive after it returned).
//
// Faults the core hook cannot select (a batch object, a ledger write about a batch) are added by
// child-faults.mjs from the same CXARCHIVE_TEST_FAULT.
//
// It prints `run.started <runId>` on stdout when the run starts, and when `runPipeline` returns
// (or refuses to start) writes `resultFile`: the report's status, counts and error, and a
// snapshot of the sink roots taken at that moment. Exit code: the one `cxarchive run` gives
// (exit-codes.ts of the built CLI): 0 succeeded, 4 interrupted, 3 refused to start, 1 failed.
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  definePlugin,
  errAsync,
  ok,
  okAsync,
  PLUGIN_API_VERSION,
  PluginErrors,
  ResultAsync,
  RunSetupError,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import fsSink from '@cxarchive/sink-fs';
import { EXIT, exitCodeOfReport } from '../../packages/cli/dist/exit-codes.js';
import { installChildFaults } from './child-faults.mjs';
import { seededSourcePlugin } from './seeded-source.mjs';
import { snapshotTree } from './tree-snapshot.mjs';

const options = JSON.parse(process.argv[2]);
const {
  dir,
  seed,
  count,
  bigSize,
  pageSize = 3,
  concurrency = 4,
  sinkRoots,
  chunkDelayMs = 0,
  stallFrom,
  stallAcknowledgeOf,
  ackDelays,
  stallPutsFrom,
  stallBatchPuts = false,
  codec: codecName = 'identity',
  lingerMs = 0,
  layout,
  resultFile,
} = options;
installChildFaults(process.env.CXARCHIVE_TEST_HOOKS === '1' ? process.env.CXARCHIVE_TEST_FAULT : undefined);
const tenant = 'acme';
const sourceId = 'seeded';

const stderrLogger = {
  debug() {},
  info: (message, fields) =>
    process.stderr.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`),
  warn: (message, fields) =>
    process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...fields })}\n`),
  error: (message, fields) =>
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...fields })}\n`),
};

const identityCodec = definePlugin({
  kind: 'codec',
  name: 'identity',
  apiVersion: PLUGIN_API_VERSION,
  configSchema: { type: 'object' },
  create: () =>
    ok({
      extension: '.bin',
      encode: (input, ctx) =>
        okAsync({
          stream: input,
          keyId: 'identity',
          contentType: ctx.contentType ?? 'application/octet-stream',
        }),
      decode: (input) => okAsync(input),
    }),
});

/** The real codec with the tenant's key file (created, 0600, on the first run; kept after). */
const gzipAes = async () => {
  const { default: definition, writeKeyFile } = await import('@cxarchive/codec-gzip-aes');
  await writeKeyFile(path.join(dir, 'kek.key'));
  return definition;
};
const codecDefinition = codecName === 'gzip-aes' ? await gzipAes() : identityCodec;
const codecConfig =
  codecName === 'gzip-aes'
    ? { key: { provider: 'file', path: 'kek.key' }, compression: 'auto', chunkSizeLog2: 16 }
    : {};

const sourceDefinition = seededSourcePlugin({
  seed,
  count,
  bigSize,
  pageSize,
  chunkDelayMs,
  ...(layout ? { days: layout.days } : {}),
  ...(stallFrom === undefined ? {} : { stallFrom }),
  ...(stallAcknowledgeOf === undefined ? {} : { stallAcknowledgeOf }),
  ...(ackDelays === undefined ? {} : { ackDelays }),
  ackFile: path.join(dir, 'acks.jsonl'),
  ledgerFile: path.join(dir, '.cxarchive', `${tenant}.db`),
  tenant,
  sourceId,
});

const prepared = (kind, label, use, definition, config) => ({
  kind,
  label,
  use,
  packageName: use,
  version: '0.0.0',
  definition,
  config,
});

const sinkConfigs = sinkRoots.map((root) => ({
  root: path.resolve(dir, root),
  fsync: true,
  fileMode: '0640',
}));
const config = {
  version: 1,
  tenant,
  source: { use: sourceId, with: {} },
  transforms: [],
  codec: { use: codecName, with: codecConfig },
  sinks: sinkConfigs.map((c) => ({ use: '@cxarchive/sink-fs', with: c })),
  notifiers: [],
  budgets: {},
  concurrency,
  retry: { attempts: 3, initialDelay: '5ms', maxDelay: '20ms', maxElapsed: '10s', maxWait: '5s' },
  state: { store: 'sqlite', lease: '1m' },
  ...(layout ? { layout: { records: layout.records, batchSize: layout.batchSize } } : {}),
};
/**
 * The fs sink, except that the recordings of items from index `stallPutsFrom` on (and, with
 * `stallBatchPuts`, the batch objects) are not taken:
 * their put waits (holding a timer, as a stalled connection holds its socket) until its signal
 * aborts, then fails as cancelled. Each such put first appends its key to `stalled-puts`.
 */
const stallingSink = (definition) =>
  definePlugin({
    ...definition,
    create: (config, context) =>
      definition.create(config, context).map((sink) => ({
        ...sink,
        put(key, body, putOptions) {
          const itemIndex = Number(/\/c(\d+)\/recording\.wav\.(bin|cxar)$/.exec(key)?.[1] ?? 0) - 1;
          const stalled = stallBatchPuts
            ? key.startsWith(`${tenant}/records/`)
            : stallPutsFrom !== undefined && itemIndex >= stallPutsFrom;
          if (!stalled) return sink.put(key, body, putOptions);
          appendFileSync(path.join(dir, 'stalled-puts'), `${key}\n`);
          return ResultAsync.fromSafePromise(
            new Promise((resolve) => {
              const keepAlive = setInterval(() => undefined, 60_000);
              putOptions.signal.addEventListener(
                'abort',
                () => {
                  clearInterval(keepAlive);
                  resolve();
                },
                { once: true },
              );
            }),
          ).andThen(() => {
            body.destroy();
            return errAsync(PluginErrors.transient('put cancelled'));
          });
        },
      })),
  });
const sinkDefinition = stallPutsFrom === undefined && !stallBatchPuts ? fsSink : stallingSink(fsSink);

const pipeline = {
  loaded: { file: path.join(dir, 'archive.pipeline.yaml'), dir, config, source: undefined },
  source: prepared('source', 'source', sourceId, sourceDefinition, {}),
  transforms: [],
  codec: prepared('codec', 'codec', codecName, codecDefinition, codecConfig),
  sinks: sinkConfigs.map((c, i) => prepared('sink', `sinks[${i}]`, '@cxarchive/sink-fs', sinkDefinition, c)),
  notifiers: [],
};

const stop = new AbortController();
if (options.sigint) process.on('SIGINT', () => stop.abort(new Error('SIGINT')));

const snapshotRoots = () => Object.fromEntries(sinkConfigs.map((c) => [c.root, snapshotTree(c.root)]));
const writeResult = (result) => writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);

try {
  const report = await runPipeline({
    prepared: pipeline,
    scrubber: new SecretScrubber(),
    logger: stderrLogger,
    signal: stop.signal,
    settleTimeoutMs: 5_000,
    onEvent: (event) => {
      if (event.type === 'run.started') process.stdout.write(`run.started ${event.runId}\n`);
    },
  });
  // Taken the moment runPipeline returned: nothing may change in the sink roots after this.
  const roots = snapshotRoots();
  writeResult({
    runId: report.runId,
    status: report.status,
    counts: report.counts,
    objects: report.objects,
    error: report.error ?? null,
    warnings: report.warnings,
    failures: report.failures,
    retries: report.retries,
    roots,
  });
  process.exitCode = exitCodeOfReport(report);
} catch (error) {
  writeResult(
    error instanceof RunSetupError
      ? { setupError: error.message }
      : { crash: error instanceof Error ? (error.stack ?? error.message) : String(error) },
  );
  process.exitCode = error instanceof RunSetupError ? EXIT.cannotStart : EXIT.runFailed;
}
// Stay alive a little (when asked): anything still running in this process would write now.
if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
