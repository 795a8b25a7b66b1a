import type { PluginError, PluginErrorTag, Sink } from '@cxarchive/core';
import { expect } from 'vitest';
import { collect } from './collect.js';
import { type FaultProxy, type InjectedResponse, startHttpFaultProxy } from './fault-proxy.js';
import { generatedStream } from './generated-stream.js';
import type {
  InjectedAnswer,
  SinkConformanceCase,
  SinkConformanceEnv,
  SinkFaultHooks,
} from './sink-conformance.js';
import { bytesBody, expectErr, expectOk, live, putOptions } from './sink-conformance-support.js';

/** The error-classification cases: each needs a hook of the sink's test (`SinkFaultHooks`). */

/** The test's hooks (`SinkConformanceOptions.faults`) a case needs. */
export const hooks = (env: SinkConformanceEnv | undefined): SinkFaultHooks => {
  if (env?.faults === undefined) throw new Error('this case needs the fault hooks of the sink test');
  return env.faults;
};

const KEY = 'conformance/faults/object.bin';

const expectOneOf = (operation: string, error: PluginError, tags: readonly PluginErrorTag[]): void => {
  expect(tags, `${operation}: ${error._tag}: ${error.message}`).toContain(error._tag);
};

export const missingContainerCase: SinkConformanceCase = {
  id: 'missing-container',
  needs: 'missingContainer',
  title:
    'on a bucket/container that does not exist, put, head and get fail InvalidInput or NotFound (never Transient, never a null head), naming it',
  async run(_sink, env) {
    const { sink, container } = await hooks(env).missingContainer!();
    const put = await expectErr('put', sink.put(KEY, bytesBody(Buffer.from('x')), putOptions()));
    expectOneOf('put', put, ['InvalidInput', 'NotFound']);
    expect(put.message, 'the put message names the bucket/container').toContain(container);
    expectOneOf('head', await expectErr('head', sink.head(KEY, live())), ['InvalidInput', 'NotFound']);
    expectOneOf('get', await expectErr('get', sink.get(KEY, live())), ['InvalidInput', 'NotFound']);
  },
};

export const badCredentialsCase: SinkConformanceCase = {
  id: 'bad-credentials',
  needs: 'badCredentials',
  title: 'with credentials the store refuses, put, head and get fail Auth',
  async run(_sink, env) {
    const sink = await hooks(env).badCredentials!();
    await expectErr('put', sink.put(KEY, bytesBody(Buffer.from('x')), putOptions()), 'Auth');
    await expectErr('head', sink.head(KEY, live()), 'Auth');
    await expectErr('get', sink.get(KEY, live()), 'Auth');
  },
};

/**
 * Runs `check` on a sink behind a fresh HTTP fault proxy in front of the store, then checks the
 * same sink works through the proxy once the faults are gone (the fault hit this sink's requests).
 */
const behindProxy = async (
  env: SinkConformanceEnv | undefined,
  check: (
    sink: Sink,
    proxy: FaultProxy,
    next: (answer: Omit<InjectedResponse, 'nth'>) => void,
  ) => Promise<void>,
): Promise<void> => {
  const faults = hooks(env);
  if (faults.proxyTarget === undefined)
    throw new Error('behindProxy needs proxyTarget(): the store the proxy forwards to');
  // The Host header as the sink sent it: a signed one (S3 SigV4) must arrive as signed.
  const proxy = await startHttpFaultProxy(faults.proxyTarget(), {}, { keepHost: true });
  try {
    const sink = await faults.behindProxy!({ url: proxy.url, host: '127.0.0.1', port: proxy.port });
    const body = Buffer.from('through the proxy');
    await expectOk('put through the proxy', sink.put(KEY, bytesBody(body), putOptions()));
    /** Answers the next request (the first of the operation that follows) with `answer`. */
    const next = (answer: Omit<InjectedResponse, 'nth'>) =>
      proxy.setFaults({ respond: [{ nth: proxy.requests() + 1, ...answer }] });
    await check(sink, proxy, next);
    proxy.setFaults({});
    const seen = proxy.requests();
    const back = await collect(await expectOk('get through the proxy, faults gone', sink.get(KEY, live())));
    expect(back.equals(body), 'get through the proxy returns the bytes put through it').toBe(true);
    expect(proxy.requests(), 'the sink talks to the store through the proxy').toBeGreaterThan(seen);
  } finally {
    await proxy.stop();
  }
};

/** put (of another key), head and get, each answered `answer` on its first request: each fails `tag`. */
const everyOperation = async (
  sink: Sink,
  next: (answer: Omit<InjectedResponse, 'nth'>) => void,
  answer: Omit<InjectedResponse, 'nth'>,
  expectError: (operation: string, error: PluginError) => void,
): Promise<void> => {
  next(answer);
  expectError(
    'put',
    await expectErr('put', sink.put('conformance/faults/other.bin', generatedStream(1000, 61), putOptions())),
  );
  next(answer);
  expectError('head', await expectErr('head', sink.head(KEY, live())));
  next(answer);
  expectError('get', await expectErr('get', sink.get(KEY, live())));
};

const asResponse = (answer: InjectedAnswer) => ({
  status: answer.status,
  ...(answer.headers === undefined ? {} : { headers: answer.headers }),
  ...(answer.body === undefined ? {} : { body: answer.body }),
});

export const unavailableCase: SinkConformanceCase = {
  id: 'fault-unavailable',
  needs: 'behindProxy',
  title:
    "through a fault proxy, the store's unavailable answer (a 503 unless the test names its own) to put, head and get is Transient",
  async run(_sink, env) {
    const answer = asResponse(hooks(env).unavailable ?? { status: 503 });
    await behindProxy(env, (sink, _proxy, next) =>
      everyOperation(sink, next, answer, (operation, error) =>
        expect(error._tag, `${operation} answered ${answer.status}: ${error.message}`).toBe('Transient'),
      ),
    );
  },
};

export const throttledCase: SinkConformanceCase = {
  id: 'fault-throttled',
  needs: 'behindProxy',
  title:
    "through a fault proxy, the store's throttling answer (a 429 unless the test names its own) with Retry-After: 7 is Throttled with retryAfterMs 7000",
  async run(_sink, env) {
    const throttle = hooks(env).throttle ?? { status: 429 };
    const withRetryAfter = throttle.retryAfter !== false;
    const answer = asResponse({
      ...throttle,
      headers: { ...(withRetryAfter ? { 'retry-after': '7' } : {}), ...throttle.headers },
    });
    await behindProxy(env, (sink, _proxy, next) =>
      everyOperation(sink, next, answer, (operation, error) => {
        expect(error._tag, `${operation} answered ${answer.status}: ${error.message}`).toBe('Throttled');
        if (withRetryAfter && error._tag === 'Throttled')
          expect(error.retryAfterMs, `${operation}: retryAfterMs from Retry-After: 7`).toBe(7000);
      }),
    );
  },
};

export const resetCase: SinkConformanceCase = {
  id: 'fault-reset',
  needs: 'behindProxy',
  title: 'through a fault proxy, a connection reset on put, head and get is Transient',
  async run(_sink, env) {
    await behindProxy(env, (sink, _proxy, next) =>
      everyOperation(sink, next, { reset: true }, (operation, error) =>
        expect(error._tag, `${operation} on a reset connection: ${error.message}`).toBe('Transient'),
      ),
    );
  },
};
