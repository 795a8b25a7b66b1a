import { describe, expect, it } from 'vitest';
import { type CliIo, main, parseCliArgs } from './cli.js';
import { DEMO_CREDENTIALS } from './options.js';

function fakeIo(): CliIo & { lines: string[]; errors: string[]; shutdown: (() => void) | undefined } {
  const io = {
    lines: [] as string[],
    errors: [] as string[],
    shutdown: undefined as (() => void) | undefined,
    out: (line: string) => io.lines.push(line),
    err: (line: string) => io.errors.push(line),
    onShutdown: (handler: () => void) => {
      io.shutdown = handler;
    },
  };
  return io;
}

describe('parseCliArgs', () => {
  it('maps every flag to a simulator option', () => {
    expect(
      parseCliArgs([
        '--port',
        '8123',
        '--seed',
        '42',
        '--contacts=500',
        '--host',
        '0.0.0.0',
        '--token-ttl',
        '60',
        '--media-url-ttl',
        '30',
        '--recording-delay',
        '1800',
        '--budget',
        'media-playback=4/1500ms,retry-after=none',
        '--access-key-id',
        'KEY-ID==',
        '--access-key-secret=key secret',
        '--client-id',
        'app@example',
        '--client-secret',
        'client:secret',
      ]),
    ).toEqual({
      ok: true,
      help: false,
      options: {
        port: 8123,
        seed: 42,
        contacts: 500,
        host: '0.0.0.0',
        tokenTtlSeconds: 60,
        mediaUrlTtlSeconds: 30,
        recordingDelaySeconds: 1800,
        budgets: { 'media-playback': { requests: 4, perMs: 1500, retryAfter: 'none' } },
        credentials: {
          accessKeyId: 'KEY-ID==',
          accessKeySecret: 'key secret',
          clientId: 'app@example',
          clientSecret: 'client:secret',
        },
      },
    });
    expect(parseCliArgs(['--client-secret', 'only'])).toEqual({
      ok: true,
      help: false,
      options: { credentials: { clientSecret: 'only' } },
    });
    expect(parseCliArgs([])).toEqual({ ok: true, help: false, options: {} });
    expect(
      parseCliArgs([
        '--fault',
        'media-playback:status=503,count=3,after=1',
        '--fault=media-file:reset=65536',
        '--fault',
        '*:latency=250,count=always',
        '--admin-token',
        'admin-token-0123456789',
        '--request-log',
        '500',
      ]),
    ).toEqual({
      ok: true,
      help: false,
      options: {
        faults: [
          { route: 'media-playback', kind: 'status', status: 503, count: 3, after: 1 },
          { route: 'media-file', kind: 'reset', afterBytes: 65_536, after: 0, count: 1 },
          { route: '*', kind: 'latency', ms: 250, after: 0, count: 'always' },
        ],
        adminToken: 'admin-token-0123456789',
        requestLogSize: 500,
      },
    });
    expect(parseCliArgs(['--request-log', '10000000'])).toMatchObject({
      ok: true,
      options: { requestLogSize: 10_000_000 },
    });
    expect(parseCliArgs(['-h'])).toEqual({ ok: true, help: true });
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer between 0 and 65535 \(got 'abc'\)/],
    [['--port', '70000'], /--port must be an integer/],
    [['--contacts', '1.5'], /--contacts must be an integer/],
    [['--token-ttl', '0'], /--token-ttl must be an integer between 1/],
    [['--seed', '99999999999'], /--seed must be an integer/],
    [['--host', ''], /--host must not be empty/],
    [['--budget', 'media-playback=4'], /--budget needs requests\/window/],
    [['--budget', 'media-playback=off', '--budget', 'media-playback=1/1s'], /given twice/],
    [['--client-secret', ''], /^--client-secret must be 1 to 512 printable characters$/],
    [['--access-key-secret', 'line\nbreak'], /^--access-key-secret must be 1 to 512 printable characters$/],
    [['--access-key-id', 'x'.repeat(513)], /^--access-key-id must be/],
    [['--fault', 'media-playback:explode'], /^--fault has an unknown kind 'explode' \(known: status, /],
    [
      ['--fault', 'nowhere:status=503'],
      /^--fault .*nowhere.*\(got 'nowhere:status=503'; expected ROUTE:KIND/,
    ],
    [['--fault', 'media-playback:status'], /^--fault kind status needs a value/],
    [
      ['--fault', 'media-playback:status=503', '--fault', 'token:latency'],
      /^--fault kind latency needs a value/,
    ],
    [['--fault', 'media-playback'], /^--fault must be ROUTE:KIND/],
    [['--admin-token', 'short'], /^--admin-token must be at least 16 printable characters without spaces$/],
    [['--admin-token', 'has a space in it here'], /^--admin-token must be at least 16 printable/],
    [['--request-log', '0'], /^--request-log must be an integer between 1 and 10000000 \(got '0'\)$/],
    [['--request-log', '10000001'], /^--request-log must be an integer between 1 and 10000000/],
    [['--request-log', 'lots'], /^--request-log must be an integer between 1 and 10000000 \(got 'lots'\)$/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /positional argument/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('main', () => {
  it('prints a clear message and exits 2 on bad flags', async () => {
    const io = fakeIo();
    const result = await main(['--contacts', 'many'], io);
    expect(result).toEqual({ exitCode: 2 });
    expect(io.errors[0]).toBe(
      "cxone-simulator: --contacts must be an integer between 0 and 1000000 (got 'many')",
    );
    expect(io.errors[1]).toMatch(/--help/);
    expect(io.shutdown).toBeUndefined();
  });

  it('prints usage with every flag and the demo credentials for --help', async () => {
    const io = fakeIo();
    expect(await main(['--help'], io)).toEqual({ exitCode: 0 });
    const text = io.lines.join('\n');
    for (const flag of [
      '--port',
      '--seed',
      '--contacts',
      '--host',
      '--token-ttl',
      '--media-url-ttl',
      '--recording-delay',
      '--budget',
      '--access-key-id',
      '--access-key-secret',
      '--client-id',
      '--client-secret',
      '--fault',
      '--admin-token',
      '--request-log',
      '--help',
    ]) {
      expect(text).toContain(flag);
    }
    for (const value of Object.values(DEMO_CREDENTIALS)) expect(text).toContain(value);
  });

  it('starts the simulator, prints its URL, tenant and credentials, and stops on the shutdown signal', async () => {
    const io = fakeIo();
    const result = await main(['--port', '0', '--seed', '7', '--contacts', '5'], io);
    const simulator = result.simulator;
    if (simulator === undefined) throw new Error(`did not start: ${io.errors.join('\n')}`);
    try {
      expect(result.exitCode).toBe(0);
      expect(simulator.dataset.contacts).toHaveLength(5);
      const text = io.lines.join('\n');
      expect(text).toContain(`listening on ${simulator.url}`);
      expect(text).toContain(simulator.tenantId);
      expect(text).toContain(DEMO_CREDENTIALS.accessKeyId);
      expect(text).toContain(DEMO_CREDENTIALS.clientSecret);
      expect(simulator.credentials).toEqual(DEMO_CREDENTIALS);
      expect(text).toContain('seed 7');
      expect(text).toContain('budgets            media-playback 150/5m (Retry-After in seconds)');
      expect(text).toContain('faults             none');
      expect(text).toContain('request log        the newest 10000 requests');
      expect(simulator.adminToken).toMatch(/^[0-9a-f]{64}$/);
      expect(text).toContain(`Authorization: Bearer ${simulator.adminToken}`);
      expect((await fetch(`${simulator.url}/.well-known/openid-configuration`)).status).toBe(200);
      expect(io.shutdown).toBeTypeOf('function');
      io.shutdown?.();
    } finally {
      await simulator.stop();
    }
    await expect(fetch(`${simulator.url}/.well-known/openid-configuration`)).rejects.toThrow();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(io.lines.at(-1)).toBe('cxone-simulator: stopped');
  });

  it('accepts the credentials given by flag, refuses the demo ones, and never prints what was given', async () => {
    const io = fakeIo();
    const given = ['GIVEN-KEY-ID-1234', 'given-key-secret-5678', 'given-client-9', 'given-client-secret-0'];
    const { simulator } = await main(
      [
        '--contacts',
        '1',
        '--access-key-id',
        given[0] as string,
        '--access-key-secret',
        given[1] as string,
        '--client-id',
        given[2] as string,
        '--client-secret',
        given[3] as string,
      ],
      io,
    );
    if (simulator === undefined) throw new Error(`did not start: ${io.errors.join('\n')}`);
    try {
      const text = [...io.lines, ...io.errors].join('\n');
      for (const value of given) expect(text).not.toContain(value);
      expect(io.lines).toContain('  client secret      (as given by --client-secret)');
      expect(simulator.credentials).toEqual({
        accessKeyId: given[0],
        accessKeySecret: given[1],
        clientId: given[2],
        clientSecret: given[3],
      });
      const token = (id: string, secret: string, username: string, password: string) =>
        fetch(`${simulator.url}/auth/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
        });
      const [keyId, keySecret, clientId, clientSecret] = given as [string, string, string, string];
      expect((await token(clientId, clientSecret, keyId, keySecret)).status).toBe(200);
      const demo = DEMO_CREDENTIALS;
      expect((await token(demo.clientId, demo.clientSecret, keyId, keySecret)).status).toBe(401);
      expect((await token(clientId, clientSecret, demo.accessKeyId, demo.accessKeySecret)).status).toBe(400);
    } finally {
      await simulator.stop();
    }
  });

  it('hands back the credentials it was started with: the one given, the demo value for the others', async () => {
    const { simulator } = await main(['--contacts', '1', '--client-secret', 'only-this-secret-1'], fakeIo());
    if (simulator === undefined) throw new Error('did not start');
    try {
      expect(simulator.credentials).toEqual({ ...DEMO_CREDENTIALS, clientSecret: 'only-this-secret-1' });
      // A client that takes its credentials from the handle gets a token.
      const { accessKeyId, accessKeySecret, clientId, clientSecret } = simulator.credentials;
      const response = await fetch(`${simulator.url}/auth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'password',
          username: accessKeyId,
          password: accessKeySecret,
        }).toString(),
      });
      expect(response.status).toBe(200);
    } finally {
      await simulator.stop();
    }
  });

  it('starts with the budgets given, and none when the family is off', async () => {
    for (const [flag, line] of [
      [
        'media-playback=4/1500ms,retry-after=http-date',
        'media-playback 4/1500ms (Retry-After as an HTTP date); data-extraction 1/30s (Retry-After in seconds)',
      ],
      ['media-playback=off', 'data-extraction 1/30s (Retry-After in seconds)'],
    ] as const) {
      const io = fakeIo();
      const { simulator } = await main(['--contacts', '1', '--budget', flag], io);
      if (simulator === undefined) throw new Error(`did not start: ${io.errors.join('\n')}`);
      try {
        expect(io.lines).toContain(`  budgets            ${line}`);
        expect([...simulator.budgets.values()].map((b) => [b.requests, b.perMs, b.retryAfter])).toEqual(
          flag.endsWith('off')
            ? [[1, 30_000, 'seconds']]
            : [
                [4, 1500, 'http-date'],
                [1, 30_000, 'seconds'],
              ],
        );
      } finally {
        await simulator.stop();
      }
    }
  });

  it('starts with the faults, admin token and request log size given, and prints the faults and token', async () => {
    const io = fakeIo();
    const adminToken = 'cli-admin-token-0123456789';
    const { simulator } = await main(
      [
        '--contacts',
        '1',
        '--fault',
        'openid-configuration:status=503,count=2',
        '--fault',
        'media-playback:status=429,retry-after=2',
        '--admin-token',
        adminToken,
        '--request-log',
        '2',
      ],
      io,
    );
    if (simulator === undefined) throw new Error(`did not start: ${io.errors.join('\n')}`);
    try {
      expect(io.lines).toContain(
        '  faults             openid-configuration:status=503,count=2; media-playback:status=429,retry-after=2',
      );
      expect(io.lines).toContain('  request log        the newest 2 requests');
      expect(io.lines).toContain(
        `  admin endpoint     ${simulator.url}/_admin/ (Authorization: Bearer ${adminToken})`,
      );
      const discovery = `${simulator.url}/.well-known/openid-configuration`;
      expect((await fetch(discovery)).status).toBe(503);
      expect((await fetch(discovery)).status).toBe(503);
      expect((await fetch(discovery)).status).toBe(200);
      // The log keeps only the newest two requests.
      expect(simulator.requestLog().map((entry) => entry.status)).toEqual([503, 200]);
      const admin = (token: string) =>
        fetch(`${simulator.url}/_admin/faults`, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin('not-the-admin-token-at-all')).status).toBe(401);
      const listed = await admin(adminToken);
      expect(listed.status).toBe(200);
      const body = (await listed.json()) as { faults: { spec: { route: string } }[] };
      expect(body.faults.map((fault) => fault.spec.route)).toEqual([
        'openid-configuration',
        'media-playback',
      ]);
    } finally {
      await simulator.stop();
    }
  });

  it('reports a port that is already taken with exit code 1', async () => {
    const first = await main(['--port', '0', '--contacts', '1'], fakeIo());
    const port = new URL(first.simulator?.url ?? '').port;
    try {
      const io = fakeIo();
      const second = await main(['--port', port, '--contacts', '1'], io);
      expect(second.exitCode).toBe(1);
      expect(second.simulator).toBeUndefined();
      expect(io.errors[0]).toMatch(/could not start: .*EADDRINUSE/);
    } finally {
      await first.simulator?.stop();
    }
  });
});
