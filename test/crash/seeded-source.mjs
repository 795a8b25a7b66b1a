// A source plugin for the crash tests: lists the seeded items a page at a time with an offset
// checkpoint, streams their artifacts in chunks (optionally slowly, or stalling until destroyed),
// and makes every acknowledgement durable: one JSON line per acknowledged item, appended and
// fsynced, with the item's status in the ledger at that moment (read through a read-only
// connection), so a test can check that nothing was acknowledged before it was committed.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import {
  definePlugin,
  errAsync,
  ok,
  okAsync,
  PLUGIN_API_VERSION,
  PluginErrors,
  ResultAsync,
} from '@cxarchive/core';
import { artifactBytes, CHUNK_SIZE, seededItems } from './seeded-items.mjs';

// better-sqlite3 is core's dependency (the ledger's own driver); it is not hoisted to the root.
const Database = createRequire(new URL('../../packages/core/package.json', import.meta.url))(
  'better-sqlite3',
);

/**
 * The bytes of one artifact in chunks of CHUNK_SIZE. `delayMs` waits before each chunk;
 * `stall` delivers the first chunk and then nothing until the stream is destroyed (holding a
 * timer meanwhile, as a stalled socket holds its handle: the process stays alive).
 */
const chunkedStream = (bytes, { delayMs, stall }) => {
  let offset = 0;
  let timer;
  let stalled;
  return new Readable({
    read() {
      if (timer !== undefined) return;
      if (stall && offset > 0) {
        stalled ??= setInterval(() => undefined, 60_000); // only destroy() ends it
        return;
      }
      const push = () => {
        timer = undefined;
        const chunk = bytes.subarray(offset, offset + CHUNK_SIZE);
        offset += chunk.length;
        this.push(chunk.length > 0 ? chunk : null);
        if (chunk.length > 0 && offset >= bytes.length && !stall) this.push(null);
      };
      if (delayMs > 0) timer = setTimeout(push, delayMs);
      else push();
    },
    destroy(error, callback) {
      clearTimeout(timer);
      clearInterval(stalled);
      callback(error);
    },
  });
};

/** Appends one line and fsyncs it before returning. */
const appendDurably = (file, line) => {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

export const createSeededSource = (options) => {
  const { seed, count, bigSize, days, pageSize, ackFile, ledgerFile, tenant, sourceId } = options;
  const items = seededItems(seed, count, bigSize, days);
  const stallFrom = options.stallFrom ?? Number.POSITIVE_INFINITY;
  const slow = { delayMs: options.chunkDelayMs ?? 0 };
  let ledger;
  const statusInLedger = (itemId) => {
    ledger ??= new Database(ledgerFile, { readonly: true, fileMustExist: true });
    const row = ledger
      .prepare('SELECT status FROM items WHERE tenant = ? AND source = ? AND item_id = ?')
      .get(tenant, sourceId, itemId);
    return row?.status ?? null;
  };

  return {
    recordName: 'record',
    async *pages(checkpoint, signal) {
      let offset = typeof checkpoint?.offset === 'number' ? checkpoint.offset : 0;
      while (offset < items.length && !signal.aborted) {
        const slice = items.slice(offset, offset + pageSize);
        offset += slice.length;
        yield ok({ items: slice.map((s) => ({ id: s.id, data: { id: s.id } })), checkpoint: { offset } });
      }
    },
    fetch(ref, signal) {
      if (signal.aborted) return errAsync(PluginErrors.transient('cancelled'));
      const index = items.findIndex((s) => s.id === ref.id);
      if (index < 0) return errAsync(PluginErrors.notFound(`no item ${ref.id}`));
      const spec = items[index];
      return okAsync({
        id: spec.id,
        occurredAt: new Date(spec.occurredAt),
        record: spec.record,
        artifacts: spec.artifacts.map((a, i) => ({
          name: a.name,
          contentType: a.contentType,
          size: a.size,
          open: () =>
            okAsync(
              chunkedStream(artifactBytes(seed, spec.id, a.name, a.size), {
                ...slow,
                // the last (big) artifact of a stalled item stops after its first chunk
                stall: index >= stallFrom && i === spec.artifacts.length - 1,
              }),
            ),
        })),
      });
    },
    acknowledge(ref, outcome, signal) {
      // answers after a while (when asked), as a slow write-back API does
      const delayMs = options.ackDelays?.[ref.id] ?? 0;
      if (delayMs > 0)
        return ResultAsync.fromSafePromise(new Promise((r) => setTimeout(r, delayMs))).andThen(() =>
          acknowledgeNow(ref, outcome, signal),
        );
      return acknowledgeNow(ref, outcome, signal);
    },
    async close() {
      ledger?.close();
    },
  };

  function acknowledgeNow(ref, outcome, signal) {
    if (ref.id === options.stallAcknowledgeOf) {
      // never answers: only the run's AbortSignal ends the call
      appendDurably(`${ackFile}.stalled`, ref.id);
      return ResultAsync.fromSafePromise(
        new Promise((resolve) => {
          const keepAlive = setInterval(() => undefined, 60_000);
          signal.addEventListener(
            'abort',
            () => {
              clearInterval(keepAlive);
              resolve();
            },
            { once: true },
          );
        }),
      ).andThen(() => errAsync(PluginErrors.transient('acknowledge cancelled')));
    }
    appendDurably(
      ackFile,
      JSON.stringify({
        id: ref.id,
        outcome: outcome.status,
        objects: outcome.status === 'archived' ? outcome.objects.length : 0,
        ledgerStatus: statusInLedger(ref.id),
        pid: process.pid,
      }),
    );
    return okAsync(undefined);
  }
};

export const seededSourcePlugin = (options) =>
  definePlugin({
    kind: 'source',
    name: 'seeded',
    apiVersion: PLUGIN_API_VERSION,
    configSchema: { type: 'object' },
    create: () => ok(createSeededSource(options)),
  });
