import { createReadStream } from 'node:fs';
import path from 'node:path';
import { CsvSyntaxError, readCsv } from './csv.js';
import { LineTooLongError, readLines } from './lines.js';

/**
 * Reads a manifest (CSV with a header row, or JSON Lines) as raw rows: each one's line, byte offset
 * and fields, one at a time. What a row means is `row.ts`'s business; here only the syntax.
 */

export type ManifestFormat = 'csv' | 'jsonl';

/** The columns (CSV) or keys (JSON Lines) a manifest row may have. */
export const COLUMNS = [
  'file',
  'contactNumber',
  'threadId',
  'channelId',
  'friendlyName',
  'text',
  'tags',
  'time',
] as const;
export type Column = (typeof COLUMNS)[number];

/** Longest row (CSV record or JSON line) a manifest may have, in bytes. */
export const MAX_ROW_BYTES = 64 * 1024;

/** The format of a manifest, from its extension: `.csv`; `.jsonl` or `.ndjson`. */
export const manifestFormat = (file: string): ManifestFormat | undefined => {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
};

/** The manifest as a whole cannot be read (syntax, header): nothing after the error is trusted. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface RawRow {
  readonly line: number;
  readonly offset: number;
  /** The row's bytes (identifies a refused row across runs). */
  readonly raw: Buffer;
  /** Column → value; CSV gives strings (an empty cell is absent), JSON Lines any JSON. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Why the row cannot be read (bad JSON, wrong number of fields, an unknown key). */
  readonly problem?: string;
}

export interface ReadManifestOptions {
  readonly format: ManifestFormat;
  /** Start at the row at this byte offset and line (for `fetch`); default: the first row. */
  readonly at?: { readonly offset: number; readonly line: number };
  readonly signal?: AbortSignal;
  readonly maxRowBytes?: number;
}

const COLUMN_SET: ReadonlySet<string> = new Set(COLUMNS);

const nearest = (name: string): string | undefined =>
  COLUMNS.find((column) => column.toLowerCase() === name.toLowerCase().replace(/[\s_-]/g, ''));

const unknownColumn = (name: string): string => {
  const hint = nearest(name);
  return `unknown column "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; the columns are ${COLUMNS.join(', ')}`;
};

const open = (file: string, start: number, signal?: AbortSignal) =>
  createReadStream(file, { start, highWaterMark: 64 * 1024, ...(signal ? { signal } : {}) });

const readHeader = async (file: string, max: number, signal?: AbortSignal): Promise<string[]> => {
  const stream = open(file, 0, signal);
  try {
    for await (const record of readCsv(stream, { maxRecordBytes: max })) {
      const names = record.fields.map((name) => name.trim());
      const seen = new Set<string>();
      for (const name of names) {
        if (name === '') throw new ManifestError(`line ${record.line}: the header has an empty column name`);
        if (!COLUMN_SET.has(name)) throw new ManifestError(`line ${record.line}: ${unknownColumn(name)}`);
        if (seen.has(name)) throw new ManifestError(`line ${record.line}: column "${name}" appears twice`);
        seen.add(name);
      }
      for (const required of ['file', 'channelId'] as const)
        if (!seen.has(required))
          throw new ManifestError(`the header has no "${required}" column (line ${record.line})`);
      if (!seen.has('contactNumber') && !seen.has('threadId'))
        throw new ManifestError(
          `the header has neither a "contactNumber" nor a "threadId" column (line ${record.line})`,
        );
      return names;
    }
    throw new ManifestError('the manifest is empty: a CSV manifest starts with a header row');
  } catch (cause) {
    if (cause instanceof CsvSyntaxError) throw new ManifestError(cause.message);
    throw cause;
  } finally {
    stream.destroy();
  }
};

async function* csvRows(file: string, options: ReadManifestOptions, max: number): AsyncGenerator<RawRow> {
  const header = await readHeader(file, max, options.signal);
  const stream = open(file, options.at?.offset ?? 0, options.signal);
  try {
    let first = options.at === undefined;
    for await (const record of readCsv(stream, {
      maxRecordBytes: max,
      ...(options.at ? { offset: options.at.offset, line: options.at.line } : {}),
    })) {
      if (first) {
        first = false; // the header
        continue;
      }
      const base = { line: record.line, offset: record.offset, raw: record.raw };
      if (record.fields.length !== header.length) {
        yield {
          ...base,
          problem: `the row has ${record.fields.length} field${record.fields.length === 1 ? '' : 's'}, the header ${header.length}`,
        };
        continue;
      }
      const fields: Record<string, unknown> = {};
      header.forEach((name, i) => {
        const value = record.fields[i]!;
        if (value !== '') fields[name] = value;
      });
      yield { ...base, fields };
    }
  } catch (cause) {
    if (cause instanceof CsvSyntaxError) throw new ManifestError(cause.message);
    throw cause;
  } finally {
    stream.destroy();
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

const jsonRow = (raw: Buffer): { fields?: Record<string, unknown>; problem?: string } => {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    return { problem: 'the line is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { problem: `the line is not valid JSON (${(cause as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'the line is not a JSON object' };
  for (const key of Object.keys(value)) if (!COLUMN_SET.has(key)) return { problem: unknownColumn(key) };
  return { fields: value as Record<string, unknown> };
};

async function* jsonlRows(file: string, options: ReadManifestOptions, max: number): AsyncGenerator<RawRow> {
  const stream = open(file, options.at?.offset ?? 0, options.signal);
  try {
    for await (const line of readLines(stream, {
      maxLineBytes: max,
      ...(options.at ? { offset: options.at.offset, line: options.at.line } : {}),
    })) {
      if (line.raw.toString('latin1').trim() === '') continue; // a blank line
      yield { line: line.line, offset: line.offset, raw: line.raw, ...jsonRow(line.raw) };
    }
  } catch (cause) {
    if (cause instanceof LineTooLongError) throw new ManifestError(cause.message);
    throw cause;
  } finally {
    stream.destroy();
  }
}

/**
 * The manifest's rows in order (from `at` when given). Throws `ManifestError` for what makes the
 * whole manifest unreadable; a bad row is yielded with its `problem`.
 */
export const readManifest = (file: string, options: ReadManifestOptions): AsyncGenerator<RawRow> => {
  const max = options.maxRowBytes ?? MAX_ROW_BYTES;
  return options.format === 'csv' ? csvRows(file, options, max) : jsonlRows(file, options, max);
};
