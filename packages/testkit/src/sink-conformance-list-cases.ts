import type { ListedObject, Sink } from '@cxarchive/core';
import { expect } from 'vitest';
import { stallingStream } from './failing-stream.js';
import type { SinkConformanceCase, SinkConformanceEnv } from './sink-conformance.js';
import {
  alreadyAborted,
  bytesBody,
  expectErr,
  expectOk,
  live,
  putOptions,
  settlesWithin,
} from './sink-conformance-support.js';

/** The listing case: for sinks with `list`. */

const MAX_PAGE = 1000;
const BASE = 'conformance/list';

/** Follows `next` from the first page to the last; checks every page's bound on the way. */
const listAll = async (
  sink: Sink,
  prefix: string,
  pageSize: number | undefined,
  most: number,
): Promise<{ objects: ListedObject[]; pages: number }> => {
  const objects: ListedObject[] = [];
  let after: string | undefined;
  for (let pages = 1; pages <= most; pages++) {
    const page = await expectOk(
      `list ${JSON.stringify(prefix)} (page ${pages})`,
      sink.list!(prefix, { signal: live(), ...(after === undefined ? {} : { after }) }),
    );
    expect(page.objects.length, `page ${pages} holds at most ${MAX_PAGE} objects`).toBeLessThanOrEqual(
      MAX_PAGE,
    );
    if (pageSize !== undefined)
      expect(
        page.objects.length,
        `page ${pages} holds at most the ${pageSize} the sink was made with`,
      ).toBeLessThanOrEqual(pageSize);
    objects.push(...page.objects);
    if (page.next === undefined) return { objects, pages };
    expect(page.next, `the next of page ${pages} is a non-empty string`).toMatch(/./);
    after = page.next;
  }
  throw new Error(`list ${JSON.stringify(prefix)}: still a next after ${most} pages`);
};

/** What `list` must report for `keys` (each with the size it was put with), in key order. */
const expected = (env: SinkConformanceEnv | undefined, keys: ReadonlyMap<string, number>): ListedObject[] =>
  [...keys.keys()]
    .sort()
    .map((key) => ({ key, physicalKey: `${env?.prefix ?? ''}${key}`, size: keys.get(key)! }));

const only = (keys: ReadonlyMap<string, number>, prefix: string) =>
  new Map([...keys].filter(([key]) => key.startsWith(prefix)));

export const listCase = (settleMs: number): SinkConformanceCase => ({
  id: 'list',
  title:
    'list finds every object under a prefix (logical and physical key, size), in key order, across pages, only under the prefix, never an unfinished put; an aborted list fails',
  async run(sink, env) {
    expect(
      sink.list,
      'the sink has list (a sink that cannot list declares listUnsupported with the reason)',
    ).toBeTypeOf('function');
    const pageSize = env?.listPageSize;
    const count = pageSize === undefined ? 5 : 2 * pageSize + 1;
    // Sorted by key, not by directory: "m-2.bin" < "m.bin" < "m/x.bin", "a-sibling" < "a/".
    const keys = new Map<string, number>();
    for (let i = 0; i < count; i++) keys.set(`${BASE}/a/${String(i).padStart(3, '0')}.bin`, i + 1);
    keys.set(`${BASE}/a/m-2.bin`, 7);
    keys.set(`${BASE}/a/m.bin`, 0);
    keys.set(`${BASE}/a/m/x.bin`, 3);
    keys.set(`${BASE}/a-sibling.bin`, 5);
    keys.set(`${BASE}/b/other.bin`, 2);
    for (const [key, size] of keys)
      await expectOk(`put ${key}`, sink.put(key, bytesBody(Buffer.alloc(size, 0x61)), putOptions({ size })));
    const most = keys.size + 10;

    const underA = await listAll(sink, `${BASE}/a/`, pageSize, most);
    expect(underA.objects, `list ${BASE}/a/: every object under it, in key order`).toEqual(
      expected(env, only(keys, `${BASE}/a/`)),
    );
    if (pageSize !== undefined)
      expect(underA.pages, `${only(keys, `${BASE}/a/`).size} objects in pages of ${pageSize}`).toBe(
        Math.ceil(only(keys, `${BASE}/a/`).size / pageSize),
      );
    expect((await listAll(sink, '', pageSize, most)).objects, 'list "": everything the sink holds').toEqual(
      expected(env, keys),
    );
    expect(
      (await listAll(sink, `${BASE}/b/`, pageSize, most)).objects,
      `list ${BASE}/b/: only its object`,
    ).toEqual(expected(env, only(keys, `${BASE}/b/`)));
    expect(
      (await listAll(sink, `${BASE}/a`, pageSize, most)).objects,
      `list ${BASE}/a (a plain string prefix): a/ and a-sibling`,
    ).toEqual(expected(env, only(keys, `${BASE}/a`)));
    const none = await expectOk('list of an empty prefix', sink.list!(`${BASE}/none/`, { signal: live() }));
    expect(none, `list ${BASE}/none/: nothing, and no next`).toEqual({ objects: [] });

    // A put still in flight (its temp file or open upload exists) is not an object yet.
    const controller = new AbortController();
    const { stream, stalled } = stallingStream(100_000, 43);
    const pending = sink.put(`${BASE}/a/in-flight.bin`, stream, putOptions({ signal: controller.signal }));
    try {
      await settlesWithin(
        Promise.race([stalled, Promise.resolve(pending)]),
        settleMs,
        'the sink never consumed the body',
      );
      expect(
        (await listAll(sink, '', pageSize, most)).objects,
        'list "" while a put is in flight: its temp file or upload is not listed',
      ).toEqual(expected(env, keys));
    } finally {
      controller.abort(new Error('conformance: cancelled'));
      await settlesWithin(pending, settleMs, 'put did not settle after its signal aborted');
      stream.destroy();
    }

    await expectErr(
      'list with an aborted signal',
      settlesWithin(
        sink.list!(`${BASE}/a/`, { signal: alreadyAborted() }),
        settleMs,
        'list ignored its aborted signal',
      ),
    );
  },
});
