import type { Artifact, PluginError } from '@cxarchive/core';

/** A file found where the files to attach are: its size and time, and its bytes as a lazy artifact. */
export interface PlacedFile {
  readonly size: number;
  readonly modified: Date;
  readonly artifact: Artifact;
}

/**
 * Where the files to attach are: a directory or a bucket prefix. The listing and `fetch` work the
 * same on both; files are named by `/`-separated paths relative to the place.
 */
export interface Place {
  /** For messages: `the directory`, `s3 bucket "b" prefix "outbox/"`. */
  readonly where: string;
  /** The manifest's path relative to the place, when it lies inside it (it is no attachment). */
  readonly manifestInside?: string;
  /** Every file, one at a time (bounded memory). Throws a `PluginFailure` or an I/O error. */
  files(signal: AbortSignal): AsyncGenerator<string>;
  /**
   * The file a row names (its path already checked), or the error to fail the item with; `label`
   * names the row and file in that error (`manifest m.csv line 4: file "a.pdf"`).
   */
  resolve(file: string, label: string, signal: AbortSignal): Promise<PlacedFile | PluginError>;
  /** Whether the file is there now; throws the error to fail with when that cannot be told. */
  has(file: string, signal: AbortSignal): Promise<boolean>;
}
