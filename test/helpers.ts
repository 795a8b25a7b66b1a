import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import codecPlugin, { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import {
  type LoadOptions,
  loadPipeline,
  memoryJobStore,
  preparePipeline,
  type RunOptions,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';

export const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CLI_DIR = path.join(ROOT, 'packages', 'cli');
/** In tests, plugins load from their TypeScript sources, sharing one copy of core with the test. */
export const SOURCE_CONDITIONS = ['@cxarchive/source', 'import', 'default'];

export interface Tenant {
  readonly dir: string;
  readonly file: string;
  readonly env: Record<string, string>;
  readonly simulator: RunningSimulator;
  readonly keyFile: string;
}

export const simulatorEnv = (simulator: RunningSimulator): Record<string, string> => ({
  CXONE_ISSUER: simulator.url,
  CXONE_ACCESS_KEY_ID: simulator.credentials.accessKeyId,
  CXONE_ACCESS_KEY_SECRET: simulator.credentials.accessKeySecret,
  CXONE_CLIENT_ID: simulator.credentials.clientId,
  CXONE_CLIENT_SECRET: simulator.credentials.clientSecret,
});

/** A tenant directory with a key, a pipeline file and a running simulator. */
export const makeTenant = async (
  sinks: string,
  {
    contacts = 12,
    seed = 7,
    extra = '',
    simulator: simulatorOptions = {},
    sourceExtra = '',
  }: {
    contacts?: number;
    seed?: number;
    extra?: string;
    /** More options of the simulator (its clock, recording delays, budgets). */
    simulator?: Parameters<typeof startSimulator>[0];
    /** More lines of the source's `with:` block, indented by four spaces. */
    sourceExtra?: string;
  } = {},
): Promise<Tenant> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-e2e-'));
  const simulator = await startSimulator({ seed, contacts, recordingSeconds: [1, 6], ...simulatorOptions });
  const keyFile = path.join(dir, 'keys', 'tenant.key');
  await writeKeyFile(keyFile);
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: e2e
source:
  use: cxone
  with:
    issuer: \${CXONE_ISSUER}
    accessKeyId: \${CXONE_ACCESS_KEY_ID}
    accessKeySecret: \${CXONE_ACCESS_KEY_SECRET}
    clientId: \${CXONE_CLIENT_ID}
    clientSecret: \${CXONE_CLIENT_SECRET}
    since: 2026-01-01T00:00:00Z
    pageSize: 5
${sourceExtra}codec:
  use: gzip-aes
  with: { key: { provider: file, path: ./keys/tenant.key } }
sinks:
${sinks}
retry: { attempts: 4, initialDelay: 1ms, maxDelay: 5ms }
concurrency: 3
${extra}`,
  );
  return { dir, file, env: simulatorEnv(simulator), simulator, keyFile };
};

export const runTenant = async (
  tenant: Tenant,
  options: Partial<LoadOptions> = {},
  run: Partial<Omit<RunOptions, 'prepared' | 'scrubber'>> = {},
) => {
  const scrubber = new SecretScrubber();
  const loaded = await loadPipeline({ file: tenant.file, env: tenant.env, ...options });
  const prepared = await preparePipeline(loaded, {
    fallbackFrom: [CLI_DIR],
    conditions: SOURCE_CONDITIONS,
    scrubber,
  });
  return runPipeline({ prepared, scrubber, ...run });
};

/** Every file under a directory, relative, sorted. */
export const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
};

export const snapshot = (dir: string) =>
  listFiles(dir).map((f) => {
    const s = statSync(path.join(dir, f));
    return `${f}:${s.size}:${s.mtimeMs}`;
  });

/** The codec, as a plugin instance, for decoding what a run stored. */
export const openCodec = async (tenant: Tenant) => {
  const created = await codecPlugin.create(
    { key: { provider: 'file', path: tenant.keyFile }, compression: 'auto', chunkSizeLog2: 16 } as never,
    {
      tenant: 'e2e',
      baseDir: tenant.dir,
      label: 'codec',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      jobs: memoryJobStore(),
      now: () => new Date(),
      budget: (family: string) => {
        throw new Error(`the codec declares no budget (asked for ${family})`);
      },
    },
  );
  if (created.isErr()) throw new Error(created.error.message);
  return created.value;
};
