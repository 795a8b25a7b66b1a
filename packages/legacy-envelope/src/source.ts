import path from 'node:path';
import {
  type Checkpoint,
  err,
  type Item,
  type ItemRef,
  ok,
  type Page,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Result,
  type ResultAsync,
  type Source,
  tryAsync,
} from '@cxarchive/core';
import { decryptEnvelope, deriveLegacyKey } from './decrypt.js';
import { envelopeFiles } from './envelope-files.js';
import { toPluginError } from './errors.js';
import { jsonLines } from './lines.js';
import { type LegacyEnvelope, readEnvelope } from './read-envelope.js';
import { type ParsedRecord, parseRecord } from './record.js';

/**
 * The name of the archived record: `legacy-contact.json`, never `contact.json`. A migrated record
 * then has its own object key (`…/{contactId}/legacy-contact.json.cxar`) and cannot collide with a
 * record the cxone source archived for the same contact on the same day, nor be mistaken for one:
 * the tutorial's records have another shape than the CXone API's.
 */
export const LEGACY_RECORD_NAME = 'legacy-contact';

export interface ResolvedLegacySourceOptions {
  /** Absolute path: one envelope, or a directory of them. */
  readonly path: string;
  readonly passphrase: string;
  readonly pageSize: number;
  readonly maxEnvelopeBytes: number;
}

/** Where the listing is: everything up to `line` of `file` (and every file before it) is settled. */
interface LegacyCheckpoint {
  readonly file: string;
  /** The envelope's salt (base64): a file replaced by another envelope is listed again in full. */
  readonly salt: string;
  readonly line: number;
  /** Every line of the file was listed. */
  readonly complete: boolean;
}

const asCheckpoint = (value: Checkpoint | undefined): LegacyCheckpoint | undefined => {
  if (value === undefined) return undefined;
  const { file, salt, line, complete } = value;
  return typeof file === 'string' &&
    typeof salt === 'string' &&
    typeof line === 'number' &&
    typeof complete === 'boolean'
    ? { file, salt, line, complete }
    : undefined;
};

/** The id of a line with no usable contactId: it is listed, and fails with the reason. */
const placeholderId = (file: string, line: number) => `(no contactId) ${path.basename(file)} line ${line}`;

const KEYS_KEPT = 8;

/** Records parsed while listing, kept until fetched; bounded (a miss re-reads the envelope). */
class ListedRecords {
  readonly #records = new Map<string, ParsedRecord>();
  readonly #cap: number;
  constructor(cap: number) {
    this.#cap = cap;
  }
  static key(file: string, line: number): string {
    return `${line}\u0000${file}`;
  }
  put(file: string, line: number, record: ParsedRecord): void {
    this.#records.set(ListedRecords.key(file, line), record);
    while (this.#records.size > this.#cap) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest);
    }
  }
  take(file: string, line: number): ParsedRecord | undefined {
    const key = ListedRecords.key(file, line);
    const record = this.#records.get(key);
    this.#records.delete(key);
    return record;
  }
}

/**
 * The legacy-envelope source: each record (line) of each envelope is one item with no artifacts,
 * archived as `legacy-contact.json`. Item references hold the envelope's path, its salt and the
 * line number only. Pages never span two envelopes; the checkpoint is the last settled line.
 */
export const createLegacySource = (options: ResolvedLegacySourceOptions): Source => {
  const keys = new Map<string, Promise<Buffer>>();
  const keyFor = (envelope: LegacyEnvelope): Promise<Buffer> => {
    const salt = envelope.salt.toString('base64');
    let key = keys.get(salt);
    if (!key) {
      key = deriveLegacyKey(options.passphrase, envelope.salt);
      key.catch(() => keys.delete(salt));
      keys.set(salt, key);
      if (keys.size > KEYS_KEPT) keys.delete(keys.keys().next().value as string);
    }
    return key;
  };
  const listed = new ListedRecords(options.pageSize * 4);
  const open = async (file: string) => {
    const envelope = await readEnvelope(file, options.maxEnvelopeBytes);
    return { envelope, salt: envelope.salt.toString('base64') };
  };
  const decrypt = async (file: string, envelope: LegacyEnvelope) =>
    jsonLines(
      await decryptEnvelope(path.basename(file), envelope, await keyFor(envelope)),
      path.basename(file),
    );

  async function* pages(
    checkpoint: Checkpoint | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Result<Page, PluginError>> {
    try {
      const files = await envelopeFiles(options.path);
      const resume = asCheckpoint(checkpoint);
      // A checkpoint from another envelope set (another --legacy path) says nothing here: list all.
      const first = resume ? Math.max(files.indexOf(resume.file), 0) : 0;
      for (let i = first; i < files.length; i++) {
        if (signal.aborted) return;
        const file = files[i]!;
        const { envelope, salt } = await open(file);
        const done = resume && resume.file === file && resume.salt === salt ? resume : undefined;
        if (done?.complete) continue;
        let items: ItemRef[] = [];
        let last = done?.line ?? 0;
        for await (const line of await decrypt(file, envelope)) {
          if (signal.aborted) return;
          if (done && line.number <= done.line) continue;
          const parsed = parseRecord(line.text);
          listed.put(file, line.number, parsed);
          const id = parsed.ok ? parsed.id : (parsed.id ?? placeholderId(file, line.number));
          items.push({ id, data: { file, salt, line: line.number } });
          last = line.number;
          if (items.length >= options.pageSize) {
            yield ok({ items, checkpoint: { file, salt, line: last, complete: false } });
            items = [];
          }
        }
        yield ok({ items, checkpoint: { file, salt, line: last, complete: true } });
      }
    } catch (error) {
      yield err(toPluginError(error));
    }
  }

  /** The slow path: the record at `line`, from the envelope again (a retry in a later run). */
  const reread = async (file: string, salt: string, line: number): Promise<ParsedRecord> => {
    const opened = await open(file);
    if (opened.salt !== salt)
      throw new PluginFailure(
        PluginErrors.permanent(
          `${path.basename(file)} is not the envelope that was listed (its salt changed): run migrate again`,
        ),
      );
    for await (const l of await decrypt(file, opened.envelope)) {
      if (l.number === line) return parseRecord(l.text);
      if (l.number > line) break;
    }
    throw new PluginFailure(
      PluginErrors.permanent(`${path.basename(file)} has no record at line ${line} any more`),
    );
  };

  const fetch = (ref: ItemRef): ResultAsync<Item, PluginError> =>
    tryAsync(
      async () => {
        const { file, salt, line } = ref.data;
        if (typeof file !== 'string' || typeof salt !== 'string' || typeof line !== 'number')
          throw new PluginFailure(
            PluginErrors.invalidInput(`item ${ref.id}: its reference is not one of this source's`),
          );
        const parsed = listed.take(file, line) ?? (await reread(file, salt, line));
        const where = `${path.basename(file)} line ${line}`;
        if (!parsed.ok) throw new PluginFailure(PluginErrors.invalidInput(`${where}: ${parsed.problem}`));
        if (parsed.id !== ref.id)
          throw new PluginFailure(
            PluginErrors.permanent(`${where} holds record ${parsed.id}, not ${ref.id}: the envelope changed`),
          );
        return { id: parsed.id, occurredAt: parsed.occurredAt, record: parsed.record, artifacts: [] };
      },
      (error) => toPluginError(error),
    );

  return { recordName: LEGACY_RECORD_NAME, pages, fetch };
};
