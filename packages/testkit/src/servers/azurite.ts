import { createRequire } from 'node:module';
import path from 'node:path';
import { answersHttp, freePort, startBackground, waitUntil } from './process.js';

/** The storage emulator's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;BlobEndpoint=…`. */
  readonly connectionString: string;
  /** The blob endpoint of the account, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  readonly url: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** Stops the server by its pid (its data lived in memory only). */
  stop(): Promise<void>;
}

/** The `azurite-blob` entry point of the `azurite` package testkit depends on. */
const azuriteBlobBin = (): string => {
  const require = createRequire(import.meta.url);
  const main = require.resolve('azurite');
  // main is <pkg>/dist/src/main.js; the blob server's bin is <pkg>/dist/src/blob/main.js.
  return path.join(path.dirname(main), 'blob', 'main.js');
};

/**
 * Starts Azurite's blob service on a free loopback port, in memory, and waits until it answers.
 * Fails (with its output) if it does not start. Stop it with `stop()` (e.g. in `afterAll`).
 */
export const startAzurite = async (): Promise<Azurite> => {
  const port = await freePort();
  const server = startBackground(process.execPath, [
    azuriteBlobBin(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--inMemoryPersistence',
  ]);
  const stop = () => server.stop();
  const url = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
  try {
    await waitUntil(
      'azurite-blob',
      // An exited server ends the wait at once; the check below reports it.
      async () => server.child.exitCode !== null || (await answersHttp(`${url}?comp=list`)),
      { timeoutMs: 30_000 },
    );
    if (server.child.exitCode !== null) throw new Error(`it exited with code ${server.child.exitCode}`);
  } catch (error) {
    await stop();
    throw new Error(
      `azurite-blob did not start: ${error instanceof Error ? error.message : String(error)}\n${server.output()}`,
    );
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${url};`,
    url,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    stop,
  };
};
