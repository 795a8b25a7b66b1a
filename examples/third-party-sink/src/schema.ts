import path from 'node:path';
import type { JsonSchema } from '@cxarchive/core';

/** The defaults, stated once: the schema declares them and core applies them before `create`. */
export const DEFAULTS = {
  fsync: true,
  fileMode: '0640',
  maxInFlight: 8,
} as const;

/** The single source of this sink's options: core validates `with` against it, the README table is generated from it. */
export const configSchema = {
  title: 'cas sink options',
  description:
    'Stores each object once by the SHA-256 of its bytes under a root directory, with an index of key → SHA-256: create-only, fsynced, checksummed by read-back and verified on every read.',
  type: 'object',
  additionalProperties: false,
  required: ['root'],
  properties: {
    root: {
      type: 'string',
      minLength: 1,
      description:
        'Directory that holds the store (objects/, index/ and tmp/ below it). A relative path resolves against the pipeline file. Created if missing.',
    },
    fsync: {
      type: 'boolean',
      default: DEFAULTS.fsync,
      description:
        'fsync every file and directory entry before a put reports success, so a power loss cannot lose an object reported as stored. Turn off only for throwaway tests.',
    },
    fileMode: {
      type: 'string',
      pattern: '^0?[0-7]{3}$',
      default: DEFAULTS.fileMode,
      description:
        'Permission bits of the files the sink writes, in octal (e.g. "0640"), regardless of the umask.',
    },
    maxInFlight: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: DEFAULTS.maxInFlight,
      description: 'Most puts, heads and gets the runtime runs against this sink at once.',
    },
  },
} as const satisfies JsonSchema;

/**
 * The `with` block as `create` receives it: validated by core against `configSchema`, with the
 * defaults applied. It mirrors the schema field for field; the plugin trusts it.
 */
export interface CasSinkOptions {
  readonly root: string;
  readonly fsync: boolean;
  readonly fileMode: string;
  readonly maxInFlight: number;
}

/** What the sink runs with: the units converted (an absolute root, a numeric mode). */
export interface ResolvedCasSinkOptions {
  /** Absolute path of the store. */
  readonly root: string;
  /** The root as the user wrote it: the only way messages name it. */
  readonly rootLabel: string;
  readonly fsync: boolean;
  readonly fileMode: number;
  readonly maxInFlight: number;
}

/** Converts units; no checks, since core validated `options` against the schema already. */
export const resolveOptions = (options: CasSinkOptions, baseDir: string): ResolvedCasSinkOptions => ({
  root: path.resolve(baseDir, options.root),
  rootLabel: options.root,
  fsync: options.fsync,
  fileMode: Number.parseInt(options.fileMode, 8),
  maxInFlight: options.maxInFlight,
});
