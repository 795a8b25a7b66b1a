import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answersHttp, freePort, startBackground, waitUntil } from './process.js';

/**
 * The firebase-tools storage emulator (the only GCS server installable here), started in a child
 * node process with its rules runtime stubbed (its CLI needs Java and a downloaded jar). This
 * reaches into firebase-tools internals, so it is pinned to one version and checks that the
 * modules are where it expects them before it starts anything.
 */
export const FIREBASE_TOOLS_VERSION = '15.34.2';

export interface GcsEmulator {
  /** `http://127.0.0.1:PORT`: the `apiEndpoint` of `@google-cloud/storage`. */
  readonly apiEndpoint: string;
  readonly projectId: string;
  stop(): Promise<void>;
}

const MODULES = {
  storage: 'lib/emulator/storage/index.js',
  runtime: 'lib/emulator/storage/rules/runtime.js',
  registry: 'lib/emulator/registry.js',
} as const;

/** The firebase-tools directory, checked to be the pinned version with the modules we use. */
const firebaseToolsRoot = (): string => {
  let root: string;
  try {
    root = path.dirname(createRequire(import.meta.url).resolve('firebase-tools/package.json'));
  } catch {
    throw new Error(
      `startGcsEmulator needs firebase-tools ${FIREBASE_TOOLS_VERSION} (a devDependency of @cxarchive/testkit): it is not installed`,
    );
  }
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (version !== FIREBASE_TOOLS_VERSION)
    throw new Error(
      `startGcsEmulator is written against firebase-tools ${FIREBASE_TOOLS_VERSION}'s internals, found ${version}: check ${Object.values(MODULES).join(', ')} and update the adapter`,
    );
  const missing = Object.values(MODULES).filter((m) => !existsSync(path.join(root, m)));
  if (missing.length > 0)
    throw new Error(
      `firebase-tools ${version}: the storage emulator's modules moved (${missing.join(', ')})`,
    );
  return root;
};

// Runs in the child (CommonJS, like firebase-tools). Stubs the rules runtime (Java) and the rules
// manager (the GCS JSON API is admin-only in the emulator and never consults rules), keeps blobs
// in a directory of its own, starts through the registry, and exits when its parent is gone.
const CHILD = `
const env = process.env;
const load = (m) => require(require('node:path').join(env.FT_ROOT, m));
const { StorageEmulator } = load(${JSON.stringify(MODULES.storage)});
const { StorageRulesRuntime } = load(${JSON.stringify(MODULES.runtime)});
const { EmulatorRegistry } = load(${JSON.stringify(MODULES.registry)});
if (typeof StorageEmulator !== 'function' || typeof StorageRulesRuntime !== 'function' || typeof EmulatorRegistry?.start !== 'function')
  throw new Error('firebase-tools: StorageEmulator, StorageRulesRuntime or EmulatorRegistry.start is not where the adapter expects it');
StorageRulesRuntime.prototype.start = async () => {};
StorageRulesRuntime.prototype.stop = async () => {};
class Emulator extends StorageEmulator {
  getPersistenceTmpDir() { return env.BLOB_DIR; }
  createRulesManager() { return { start: async () => {}, stop: async () => {}, getRuleset: () => undefined }; }
}
const emulator = new Emulator({ projectId: env.PROJECT_ID, host: '127.0.0.1', port: Number(env.PORT), rules: [], auto_download: false });
const parent = Number(env.PARENT_PID);
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000);
process.on('SIGTERM', () => process.exit(0));
EmulatorRegistry.start(emulator).then(
  () => console.log('gcs-emulator ready'),
  (e) => { console.error(e); process.exit(1); },
);
`;

/** Starts the storage emulator on a free loopback port; `stop()` ends its process by pid. */
export const startGcsEmulator = async ({
  projectId = 'cxarchive-test',
}: {
  projectId?: string;
} = {}): Promise<GcsEmulator> => {
  const root = firebaseToolsRoot();
  const port = await freePort();
  const blobDir = mkdtempSync(path.join(tmpdir(), 'cxarchive-gcs-emulator-'));
  const apiEndpoint = `http://127.0.0.1:${port}`;
  const child = startBackground(process.execPath, ['-e', CHILD], {
    ...process.env,
    FT_ROOT: root,
    PORT: String(port),
    PROJECT_ID: projectId,
    BLOB_DIR: blobDir,
    PARENT_PID: String(process.pid),
  });
  const kill = () => child.child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    await child.stop();
    rmSync(blobDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      `the firebase-tools storage emulator on ${apiEndpoint}`,
      async () => child.child.exitCode !== null || answersHttp(`${apiEndpoint}/storage/v1/b`),
      { timeoutMs: 30_000 },
    );
    if (child.child.exitCode !== null) throw new Error(`exited with ${child.child.exitCode}`);
  } catch (error) {
    await stop();
    throw new Error(
      `the firebase-tools storage emulator did not start (${(error as Error).message}):\n${child.output()}`,
    );
  }
  return { apiEndpoint, projectId, stop };
};
