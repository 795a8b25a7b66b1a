import { Readable } from 'node:stream';
import {
  type Artifact,
  type Checkpoint,
  errAsync,
  type Item,
  type ItemRef,
  type JsonObject,
  type Outcome,
  ok,
  okAsync,
  type Page,
  type PluginError,
  type Result,
  type ResultAsync,
  type Source,
} from '@cxarchive/core';

export interface MemoryArtifactSpec {
  readonly name: string;
  readonly bytes: Buffer | string;
  /** Opens the bytes another way (e.g. a stream that fails mid-body); `bytes` is then what it should have been. */
  readonly stream?: () => Readable;
  readonly contentType?: string;
}

export interface MemoryItemSpec {
  readonly id: string;
  /** Default: 2026-01-01T00:00:00Z. */
  readonly occurredAt?: Date | string;
  /** Default: `{ id }`. */
  readonly record?: JsonObject;
  readonly artifacts?: readonly MemoryArtifactSpec[];
  /** The item's `note`. */
  readonly note?: string;
}

/** What a scripted fault does instead of the operation: fail with an error, or throw (a defect). */
export type ScriptedFault = PluginError | 'throw';

export interface MemorySourceScript {
  /** Called before each `fetch`; `attempt` counts fetches of that id from 1. */
  fetch?(id: string, attempt: number): ScriptedFault | undefined;
  /** Called before each artifact `open`. */
  open?(id: string, artifact: string, attempt: number): ScriptedFault | undefined;
  /** Called before each page is yielded; `attempt` counts yields of that page index. */
  page?(index: number, attempt: number): ScriptedFault | undefined;
  /** Called before each `acknowledge`; `attempt` counts acknowledgements of that id from 1. */
  acknowledge?(id: string, attempt: number): ScriptedFault | undefined;
  /** Replaces the item `fetch` returns (e.g. to change its id). */
  item?(item: Item): Item;
}

export interface MemorySourceOptions {
  readonly pageSize?: number;
  readonly recordName?: string;
  readonly maxInFlight?: number;
  readonly script?: MemorySourceScript;
  /** When false, the source has no `acknowledge`. Default true. */
  readonly acknowledges?: boolean;
  /** Makes `acknowledge` fail with this error. */
  readonly acknowledgeFails?: PluginError;
}

export interface MemorySource extends Source {
  /** Calls the runtime made, in order: `fetch:<id>`, `open:<id>/<artifact>`, `ack:<id>`, `page:<n>`. */
  readonly calls: string[];
  /** Items acknowledged, with the outcome. */
  readonly acknowledged: { readonly id: string; readonly outcome: Outcome }[];
  /** Adds items to the end of the feed (a later run lists them). */
  add(...items: MemoryItemSpec[]): void;
}

const DEFAULT_DATE = '2026-01-01T00:00:00Z';

/** Counts calls per key from 1: what a script sees as `attempt`. */
export const attemptCounter = (): ((key: string) => number) => {
  const counts = new Map<string, number>();
  return (key) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
};

const fault = <T>(f: ScriptedFault): ResultAsync<T, PluginError> => {
  if (f === 'throw') throw new Error('scripted defect');
  return errAsync(f);
};

/**
 * An in-memory source for runtime tests: items in a fixed order, listed `pageSize` at a time with
 * a checkpoint `{ offset }`, fetched with their artifacts, every call recorded, faults scriptable.
 */
export const createMemorySource = (
  specs: readonly MemoryItemSpec[],
  options: MemorySourceOptions = {},
): MemorySource => {
  const items = [...specs];
  // By id, for `fetch` (a find over the list would make a large feed quadratic).
  const byId = new Map<string, MemoryItemSpec>();
  for (const spec of items) if (!byId.has(spec.id)) byId.set(spec.id, spec);
  const pageSize = options.pageSize ?? 10;
  const script = options.script ?? {};
  const count = attemptCounter();
  const calls: string[] = [];
  const acknowledged: { id: string; outcome: Outcome }[] = [];

  const artifactOf = (id: string, spec: MemoryArtifactSpec): Artifact => ({
    name: spec.name,
    ...(spec.contentType ? { contentType: spec.contentType } : {}),
    size: Buffer.byteLength(spec.bytes),
    open(signal) {
      calls.push(`open:${id}/${spec.name}`);
      const f = script.open?.(id, spec.name, count(`open:${id}/${spec.name}`));
      if (f) return fault(f);
      if (signal.aborted) return errAsync({ _tag: 'Transient', message: 'cancelled' } as PluginError);
      if (spec.stream) return okAsync(spec.stream());
      const bytes = Buffer.from(spec.bytes);
      return okAsync(Readable.from(bytes.length > 0 ? [bytes] : []));
    },
  });

  const source: MemorySource = {
    calls,
    acknowledged,
    recordName: options.recordName ?? 'record',
    ...(options.maxInFlight ? { limits: { maxInFlight: options.maxInFlight } } : {}),
    add: (...more) => {
      items.push(...more);
      for (const spec of more) if (!byId.has(spec.id)) byId.set(spec.id, spec);
    },
    async *pages(
      checkpoint: Checkpoint | undefined,
      signal: AbortSignal,
    ): AsyncGenerator<Result<Page, PluginError>> {
      let offset = typeof checkpoint?.offset === 'number' ? checkpoint.offset : 0;
      while (offset < items.length && !signal.aborted) {
        const index = Math.floor(offset / pageSize);
        calls.push(`page:${index}`);
        const f = script.page?.(index, count(`page:${index}`));
        if (f === 'throw') throw new Error('scripted defect in pages');
        if (f) {
          yield { isOk: () => false, isErr: () => true, error: f } as unknown as Result<Page, PluginError>;
          return;
        }
        const slice = items.slice(offset, offset + pageSize);
        offset += slice.length;
        const refs: ItemRef[] = slice.map((s) => ({ id: s.id, data: { id: s.id } }));
        yield ok({ items: refs, checkpoint: { offset } });
      }
    },
    fetch(ref, signal) {
      calls.push(`fetch:${ref.id}`);
      const f = script.fetch?.(ref.id, count(`fetch:${ref.id}`));
      if (f) return fault(f);
      if (signal.aborted) return errAsync({ _tag: 'Transient', message: 'cancelled' } as PluginError);
      const spec = byId.get(ref.id);
      if (!spec) return errAsync({ _tag: 'NotFound', message: `no item ${ref.id}` } as PluginError);
      const item: Item = {
        id: spec.id,
        occurredAt: new Date(spec.occurredAt ?? DEFAULT_DATE),
        record: spec.record ?? { id: spec.id },
        artifacts: (spec.artifacts ?? []).map((a) => artifactOf(spec.id, a)),
        ...(spec.note === undefined ? {} : { note: spec.note }),
      };
      return okAsync(script.item ? script.item(item) : item);
    },
    ...(options.acknowledges === false
      ? {}
      : {
          acknowledge(ref: ItemRef, outcome: Outcome): ResultAsync<void, PluginError> {
            calls.push(`ack:${ref.id}`);
            const f = script.acknowledge?.(ref.id, count(`ack:${ref.id}`));
            if (f) return fault(f);
            if (options.acknowledgeFails) return errAsync(options.acknowledgeFails);
            acknowledged.push({ id: ref.id, outcome });
            return okAsync(undefined);
          },
        }),
  };
  return source;
};
