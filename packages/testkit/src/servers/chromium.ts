import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stopPid } from './process.js';

const run = promisify(execFile);

const APT_LOCK = path.join(tmpdir(), 'cxarchive-apt-install.lock');
/** Debian's Chromium: the binary and its package. */
const BINARY = 'chromium';

const onPath = (command: string): string | undefined =>
  (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .concat(['/usr/bin', '/usr/sbin'])
    .map((dir) => path.join(dir, command))
    .find((file) => existsSync(file));

/**
 * Why Chromium cannot be installed here (not root, no apt), or undefined when it is installed or
 * can be. A test skips only when this says so, with the reason in its title.
 */
export const chromiumUnavailable = (): string | undefined => {
  if (onPath(BINARY)) return undefined;
  if (process.getuid?.() !== 0) return 'Chromium is not installed and installing it needs root';
  if (!onPath('apt-get')) return 'Chromium is not installed and there is no apt-get to install it';
  return undefined;
};

/**
 * Installs Debian's `chromium` with apt when missing. `flock` serialises parallel test files: the
 * second one waits, then finds it installed.
 */
export const installChromium = async (): Promise<void> => {
  if (onPath(BINARY)) return;
  const script = `command -v ${BINARY} >/dev/null && exit 0
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${BINARY} >/dev/null`;
  await run('flock', [APT_LOCK, 'bash', '-c', script], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
};

/** A page open in a headless Chromium, driven over the DevTools protocol (a plain WebSocket). */
export interface HeadlessPage {
  /** Evaluates a JavaScript expression in the page; its value, by value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the page as it is rendered (the whole page, not only the viewport). */
  screenshot(): Promise<Buffer>;
  /** Messages the page logged and errors it threw, as the protocol reported them. */
  console(): readonly string[];
  close(): Promise<void>;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** A DevTools protocol connection: numbered commands, their answers, and events by name. */
const connect = async (url: string) => {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to Chromium at ${url}`)), {
      once: true,
    });
  });
  let next = 0;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
    };
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`Chromium: ${message.error.message}`));
      else waiter?.resolve(message.result ?? {});
    } else if (message.method)
      for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('Chromium closed the connection'));
    pending.clear();
  });
  return {
    send: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    on: (method: string, listener: (params: Record<string, unknown>) => void) => {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    },
    close: () => socket.close(),
  };
};

/**
 * Opens `url` (a `file://` URL, say) in a fresh headless Chromium with a profile of its own and
 * waits until the page has loaded. Chromium listens for the protocol on a port of its choosing on
 * loopback; the browser and its profile are removed by `close`.
 */
export const openInChromium = async (
  url: string,
  {
    width = 1280,
    height = 900,
    timeoutMs = 60_000,
  }: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<HeadlessPage> => {
  await installChromium();
  const binary = onPath(BINARY);
  if (!binary) throw new Error('Chromium is not installed (installChromium did not install it)');
  const profile = await mkdtemp(path.join(tmpdir(), 'cxarchive-chromium-'));
  const child = spawn(
    binary,
    [
      '--headless',
      // Root in a container has no user namespace sandbox to drop into.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  const stop = async () => {
    if (child.pid !== undefined) await stopPid(child.pid);
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const browserUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Chromium did not start in ${timeoutMs / 1000} s:\n${output.slice(-2000)}`)),
        timeoutMs,
      );
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /DevTools listening on (ws:\/\/\S+)/.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited with ${code} before it listened:\n${output.slice(-2000)}`));
      });
    });
    const port = new URL(browserUrl).port;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = targets.find((t) => t.type === 'page');
    if (!target) throw new Error('Chromium has no page to drive');
    const cdp = await connect(target.webSocketDebuggerUrl);
    const logged: string[] = [];
    cdp.on('Runtime.consoleAPICalled', (p) =>
      logged.push(`console.${String(p.type)}: ${JSON.stringify(p.args)}`),
    );
    cdp.on('Runtime.exceptionThrown', (p) => logged.push(`exception: ${JSON.stringify(p.exceptionDetails)}`));
    await cdp.send('Runtime.enable');
    await cdp.send('Page.enable');
    const loaded = new Promise<void>((resolve) => cdp.on('Page.loadEventFired', () => resolve()));
    const navigated = await cdp.send('Page.navigate', { url });
    if (typeof navigated.errorText === 'string')
      throw new Error(`Chromium could not open ${url}: ${navigated.errorText}`);
    await Promise.race([
      loaded,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${url} did not load in ${timeoutMs / 1000} s`)), timeoutMs),
      ),
    ]);
    return {
      evaluate: async <T>(expression: string): Promise<T> => {
        const answer = (await cdp.send('Runtime.evaluate', { expression, returnByValue: true })) as {
          result: { value?: T };
          exceptionDetails?: { text: string };
        };
        if (answer.exceptionDetails) throw new Error(`in the page: ${answer.exceptionDetails.text}`);
        return answer.result.value as T;
      },
      screenshot: async () => {
        const shot = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
        return Buffer.from(String(shot.data), 'base64');
      },
      console: () => logged,
      close: async () => {
        cdp.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
