import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  classifyHttpStatus,
  errAsync,
  okAsync,
  type PluginError,
  PluginErrors,
  parseRetryAfter,
  ResultAsync,
  type Sink,
} from '@cxarchive/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import {
  type SinkConformanceCaseId,
  type SinkFaultHooks,
  sinkConformanceCases,
  sinkConformancePlan,
} from './sink-conformance.js';

/**
 * The error-classification cases of the suite, checked against sinks with deliberate defects:
 * stubs for a missing container and refused credentials, and a small HTTP sink on a loopback
 * object store for the fault-proxy cases.
 */

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A loopback object store: PUT (create-only, 412 if present), HEAD, GET; `x-sha256` of the object. */
const startStore = async () => {
  const objects = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '/').slice(1));
    if (req.method === 'PUT') {
      void collect(req).then((bytes) => {
        if (objects.has(key)) return void res.writeHead(412).end();
        objects.set(key, bytes);
        res.writeHead(201, { 'x-sha256': sha256(bytes) }).end();
      });
      return;
    }
    const object = objects.get(key);
    if (object === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': object.length, 'x-sha256': sha256(object) });
    res.end(req.method === 'HEAD' ? undefined : object);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

interface HttpFlaws {
  /** A 5xx is Permanent. */
  readonly serverErrorPermanent?: boolean;
  /** A 429 is Transient. */
  readonly throttleTransient?: boolean;
  readonly ignoreRetryAfter?: boolean;
  /** A network failure is Permanent. */
  readonly resetPermanent?: boolean;
  /** Retries a failed request once by itself (as an SDK left with its retries on does). */
  readonly retriesItself?: boolean;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A sink over the loopback store's HTTP API, with switchable defects in its error mapping. */
const httpSink = (baseUrl: string, flaws: HttpFlaws = {}): Sink => {
  const once = (method: string, key: string, signal: AbortSignal, body?: Buffer) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(`${baseUrl}/${encodeURIComponent(key)}`, { method, signal }, (res) => {
        collect(res).then(
          (bytes) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes }),
          reject,
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const classify = ({ status, headers }: Answer, what: string): PluginError => {
    const message = `http sink: ${what}: ${status}`;
    if (flaws.serverErrorPermanent && status >= 500) return PluginErrors.permanent(message);
    if (flaws.throttleTransient && status === 429) return PluginErrors.transient(message);
    const retryAfter = flaws.ignoreRetryAfter ? undefined : parseRetryAfter(headers['retry-after'] as string);
    return classifyHttpStatus(status, message, retryAfter);
  };
  const call = (method: string, key: string, signal: AbortSignal, body?: Buffer) => {
    const attempt = () => once(method, key, signal, body);
    const answered = flaws.retriesItself
      ? attempt().then((a) => (a.status >= 500 || a.status === 429 ? attempt() : a), attempt)
      : attempt();
    return ResultAsync.fromPromise(answered, (error) =>
      flaws.resetPermanent
        ? PluginErrors.permanent(`http sink: ${method} ${key}: ${String(error)}`)
        : PluginErrors.transient(`http sink: ${method} ${key}: ${String(error)}`),
    );
  };
  return {
    checksums: ['sha256'],
    put: (key, body, options) =>
      ResultAsync.fromPromise(collect(body), (e) => PluginErrors.transient(String(e)))
        .andThen((bytes) => call('PUT', key, options.signal, bytes).map((answer) => ({ answer, bytes })))
        .andThen(({ answer, bytes }) =>
          answer.status === 201
            ? okAsync({
                key,
                size: bytes.length,
                checksum: { algorithm: 'sha256' as const, value: String(answer.headers['x-sha256']) },
              })
            : errAsync(classify(answer, `put ${key}`)),
        ),
    head: (key, signal) =>
      call('HEAD', key, signal).andThen((answer) => {
        if (answer.status === 404) return okAsync(null);
        if (answer.status !== 200) return errAsync(classify(answer, `head ${key}`));
        return okAsync({
          key,
          size: Number(answer.headers['content-length']),
          checksum: { algorithm: 'sha256' as const, value: String(answer.headers['x-sha256']) },
        });
      }),
    get: (key, signal) =>
      call('GET', key, signal).andThen((answer) =>
        answer.status === 200
          ? okAsync(Readable.from([answer.body], { objectMode: false }))
          : errAsync(classify(answer, `get ${key}`)),
      ),
  };
};

/** A sink whose every operation fails with `error` (a head returning null if `headNull`). */
const refusing = (error: PluginError, flaws: { headNull?: boolean; getError?: PluginError } = {}): Sink => ({
  checksums: ['sha256'],
  put: (_key, body) => {
    body.destroy();
    return errAsync(error);
  },
  head: () => (flaws.headNull ? okAsync(null) : errAsync(error)),
  get: () => errAsync(flaws.getError ?? error),
});

const run = async (id: SinkConformanceCaseId, faults: SinkFaultHooks): Promise<void> => {
  const cases = sinkConformanceCases().filter((c) => c.id === id);
  expect(cases).toHaveLength(1);
  await cases[0]!.run(refusing(PluginErrors.permanent('the suite must not use this sink')), { faults });
};

const missing = (sink: Sink) => ({ missingContainer: async () => ({ sink, container: 'gone-bucket' }) });
const GONE = 'bucket "gone-bucket" does not exist';

describe('the missing-container case', () => {
  it('passes a sink failing InvalidInput (or NotFound) naming the bucket', async () => {
    await run('missing-container', missing(refusing(PluginErrors.invalidInput(GONE))));
    await run('missing-container', missing(refusing(PluginErrors.notFound(GONE))));
  });
  const defects: readonly [string, Sink][] = [
    ['that maps a missing container to Transient', refusing(PluginErrors.transient(GONE))],
    ['whose message does not name the container', refusing(PluginErrors.invalidInput('no such bucket'))],
    ['whose head answers null', refusing(PluginErrors.invalidInput(GONE), { headNull: true })],
    [
      'whose get fails Transient',
      refusing(PluginErrors.invalidInput(GONE), { getError: PluginErrors.transient(GONE) }),
    ],
  ];
  for (const [label, sink] of defects)
    it(`fails a sink ${label}`, async () => {
      await expect(run('missing-container', missing(sink))).rejects.toThrow();
    });
});

describe('the bad-credentials case', () => {
  const denied = (sink: Sink) => ({ badCredentials: async () => sink });
  it('passes a sink failing Auth', async () => {
    await run('bad-credentials', denied(refusing(PluginErrors.auth('access denied'))));
  });
  it('fails a sink that maps refused credentials to Permanent', async () => {
    await expect(run('bad-credentials', denied(refusing(PluginErrors.permanent('403'))))).rejects.toThrow(
      'Auth',
    );
  });
  it('fails a sink whose get maps refused credentials to NotFound', async () => {
    const sink = refusing(PluginErrors.auth('denied'), { getError: PluginErrors.notFound('404') });
    await expect(run('bad-credentials', denied(sink))).rejects.toThrow('Auth');
  });
});

describe('the fault-proxy cases, on a loopback HTTP store', () => {
  let store: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store?.stop());

  const proxied = (flaws: HttpFlaws = {}, ignoreProxy = false): SinkFaultHooks => ({
    proxyTarget: () => ({ host: '127.0.0.1', port: store.port }),
    behindProxy: async (proxy) => {
      // A fresh "container" per case: a path segment of its own.
      const base = ignoreProxy ? `http://127.0.0.1:${store.port}` : proxy.url;
      return httpSink(`${base}/${Math.random().toString(36).slice(2)}`, flaws);
    },
  });
  const proxyCases: readonly SinkConformanceCaseId[] = [
    'fault-unavailable',
    'fault-throttled',
    'fault-reset',
  ];

  for (const id of proxyCases)
    it(`${id} passes a sink that classifies as the contract says`, async () => {
      await run(id, proxied());
    });

  const defects: readonly [string, HttpFlaws, SinkConformanceCaseId][] = [
    ['that maps a 503 to Permanent', { serverErrorPermanent: true }, 'fault-unavailable'],
    ['that retries a 503 by itself', { retriesItself: true }, 'fault-unavailable'],
    ['that maps a 429 to Transient', { throttleTransient: true }, 'fault-throttled'],
    ['that ignores Retry-After', { ignoreRetryAfter: true }, 'fault-throttled'],
    ['that maps a reset connection to Permanent', { resetPermanent: true }, 'fault-reset'],
    ['that retries a reset by itself', { retriesItself: true }, 'fault-reset'],
  ];
  for (const [label, flaws, id] of defects)
    it(`${id} fails a sink ${label}`, async () => {
      await expect(run(id, proxied(flaws))).rejects.toThrow();
    });

  it('a proxy case fails a test whose behindProxy ignores the proxy', async () => {
    await expect(run('fault-unavailable', proxied({}, true))).rejects.toThrow();
  });

  it('the throttling answer the test names is the one injected; with retryAfter: false no retryAfterMs is required', async () => {
    // This sink maps a 503 to Transient: named as the store's throttling answer, the case fails.
    const slowDown = {
      ...proxied(),
      throttle: { status: 503, body: '<Error><Code>SlowDown</Code></Error>' },
    };
    await expect(run('fault-throttled', slowDown)).rejects.toThrow('Throttled');
    const noRetryAfter = {
      ...proxied({ ignoreRetryAfter: true }),
      throttle: { status: 429, retryAfter: false },
    };
    await run('fault-throttled', noRetryAfter);
  });
});

describe('sinkConformancePlan and the fault hooks', () => {
  const skipped = (faults?: SinkFaultHooks, skip?: Partial<Record<SinkConformanceCaseId, string>>) =>
    Object.fromEntries(
      sinkConformancePlan({ ...(faults ? { faults } : {}), ...(skip ? { skip } : {}) })
        .filter((e) => e.testCase.needs !== undefined)
        .map((e) => [e.testCase.id, e.skipped]),
    );

  it('skips a case whose hook the test did not give, saying so', () => {
    expect(skipped()).toEqual({
      'missing-container': 'the test gave no missingContainer',
      'bad-credentials': 'the test gave no badCredentials',
      'fault-unavailable': 'the test gave no behindProxy',
      'fault-throttled': 'the test gave no behindProxy',
      'fault-reset': 'the test gave no behindProxy',
      retention: 'the test gave no retention',
      'retention-unavailable': 'the test gave no retentionUnavailable',
    });
  });

  it('runs a case whose hook is given; a reason in skip wins', () => {
    const given = skipped(
      { badCredentials: async () => refusing(PluginErrors.auth('x')) },
      { 'missing-container': 'files have no container' },
    );
    expect(given['bad-credentials']).toBeUndefined();
    expect(given['missing-container']).toBe('files have no container');
  });

  it('the retry-body case needs no hook', () => {
    expect(sinkConformancePlan().find((e) => e.testCase.id === 'retry-body')?.skipped).toBeUndefined();
  });
});
