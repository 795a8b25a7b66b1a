// Runtime fixtures: a pipeline assembled from in-memory plugin instances (no resolution, no YAML),
// run by the real harness against a real SQLite ledger in a temp directory.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BudgetDeclaration,
  type Codec,
  definePlugin,
  type LoadedPipeline,
  type Notifier,
  ok,
  openSqliteLedger,
  type PipelineConfig,
  type PipelineEvent,
  PLUGIN_API_VERSION,
  type PluginContext,
  type PluginDefinition,
  type PluginKind,
  type PreparedPipeline,
  type PreparedPlugin,
  type RunOptions,
  runPipeline,
  SecretScrubber,
  type Sink,
  type Source,
  type Transform,
} from '@cxarchive/core/host';
import { createIdentityCodec } from '@cxarchive/testkit';

type Instance = Source | Transform | Codec | Sink | Notifier;

export interface PluginSpec<T extends Instance> {
  readonly instance: T | ((context: PluginContext) => T);
  readonly budgets?: readonly BudgetDeclaration[];
  /** Makes `create` fail or throw. */
  readonly create?: 'fail' | 'throw';
}

const spec = <T extends Instance>(p: T | PluginSpec<T>): PluginSpec<T> =>
  typeof p === 'object' && p !== null && 'instance' in p ? p : { instance: p as T };

const prepare = <K extends PluginKind>(
  kind: K,
  label: string,
  p: PluginSpec<Instance>,
): PreparedPlugin<K> => {
  const definition = definePlugin({
    kind,
    name: `test-${kind}`,
    apiVersion: PLUGIN_API_VERSION,
    configSchema: { type: 'object' },
    ...(p.budgets ? { budgets: p.budgets } : {}),
    create: (_config: unknown, context: PluginContext) => {
      if (p.create === 'throw') throw new Error(`${kind} exploded while starting`);
      if (p.create === 'fail')
        return {
          isErr: () => true,
          isOk: () => false,
          error: { _tag: 'Auth', message: 'bad credentials' },
        } as never;
      return ok(typeof p.instance === 'function' ? p.instance(context) : p.instance) as never;
    },
  }) as unknown as PluginDefinition<K>;
  return {
    kind,
    label,
    use: `test-${kind}`,
    packageName: `test-${kind}`,
    version: '0.0.0',
    definition,
    config: {},
  };
};

export interface FixtureOptions {
  readonly source: Source | PluginSpec<Source>;
  readonly sinks: readonly (Sink | PluginSpec<Sink>)[];
  readonly codec?: Codec | PluginSpec<Codec>;
  readonly transforms?: readonly (Transform | PluginSpec<Transform>)[];
  readonly notifiers?: readonly (Notifier | PluginSpec<Notifier>)[];
  readonly config?: Partial<Omit<PipelineConfig, 'retry'>> & { retry?: Partial<PipelineConfig['retry']> };
  readonly dir?: string;
}

export interface Fixture {
  readonly dir: string;
  readonly prepared: PreparedPipeline;
  readonly events: PipelineEvent[];
  readonly scrubber: SecretScrubber;
  run(options?: Partial<RunOptions>): ReturnType<typeof runPipeline>;
  ledgerFile(): string;
  audit(): PipelineEvent[];
  /** Reads the ledger (opened and closed around the call). */
  withLedger<T>(f: (ledger: ReturnType<typeof openSqliteLedger>) => Promise<T>): Promise<T>;
}

export const fixture = (options: FixtureOptions): Fixture => {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'cxarchive-runtime-'));
  const config: PipelineConfig = {
    version: 1,
    tenant: 'acme',
    source: { use: 'test-source', with: {} },
    transforms: [],
    codec: { use: 'test-codec', with: {} },
    sinks: [],
    notifiers: [],
    budgets: {},
    concurrency: 4,
    ...options.config,
    flow: options.config?.flow ?? 'archive',
    retry: {
      attempts: 3,
      initialDelay: '1ms',
      maxDelay: '5ms',
      maxElapsed: '10s',
      maxWait: '5s',
      ...options.config?.retry,
    },
    state: { store: 'sqlite', lease: '1m', ...options.config?.state },
  };
  const loaded = {
    file: path.join(dir, 'archive.pipeline.yaml'),
    dir,
    config,
    source: undefined,
  } as unknown as LoadedPipeline;
  const prepared: PreparedPipeline = {
    loaded,
    source: prepare('source', 'source', spec(options.source) as PluginSpec<Instance>),
    transforms: (options.transforms ?? []).map((t, i) =>
      prepare('transform', `transforms[${i}]`, spec(t) as PluginSpec<Instance>),
    ),
    codec: prepare('codec', 'codec', spec(options.codec ?? createIdentityCodec()) as PluginSpec<Instance>),
    sinks: options.sinks.map((s, i) => prepare('sink', `sinks[${i}]`, spec(s) as PluginSpec<Instance>)),
    notifiers: (options.notifiers ?? []).map((n, i) =>
      prepare('notifier', `notifiers[${i}]`, spec(n) as PluginSpec<Instance>),
    ),
  };
  const events: PipelineEvent[] = [];
  const scrubber = new SecretScrubber();
  const ledgerFile = () => path.join(dir, '.cxarchive', 'acme.db');
  return {
    dir,
    prepared,
    events,
    scrubber,
    run: (more = {}) =>
      runPipeline({ prepared, scrubber, onEvent: (e) => events.push(e), settleTimeoutMs: 2000, ...more }),
    ledgerFile,
    audit: () =>
      readFileSync(path.join(dir, '.cxarchive', 'acme.audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as PipelineEvent),
    async withLedger(f) {
      const ledger = openSqliteLedger(ledgerFile());
      try {
        return await f(ledger);
      } finally {
        await ledger.close();
      }
    },
  };
};

/** Files under a directory, recursively (relative paths), e.g. to find temp files. */
export const filesUnder = (root: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
};
