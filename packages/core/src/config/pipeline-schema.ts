import { DURATION_PATTERN } from '../duration.js';
import type { JsonSchema } from '../plugin/define-plugin.js';

export const TENANT_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$';

const pluginRef = (what: string): JsonSchema => ({
  type: 'object',
  description: `The ${what} plugin and its options.`,
  additionalProperties: false,
  required: ['use'],
  properties: {
    use: {
      type: 'string',
      minLength: 1,
      description:
        'Plugin to use: a short name (`fs` → @cxarchive/sink-fs, then cxarchive-sink-fs, then a package named `fs` that is a cxarchive plugin), a package name, or a path starting with `.`.',
    },
    with: {
      type: 'object',
      description: "The plugin's options, validated against its own schema.",
      default: {},
    },
  },
});

/** The JSON Schema of `archive.pipeline.yaml` without plugin options (each plugin brings its own). */
export const pipelineSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'cxarchive pipeline',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'tenant', 'source', 'sinks'],
  // The archive flow encodes every object: it needs a codec. The attach flow stores nothing.
  if: { properties: { flow: { const: 'attach' } }, required: ['flow'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
  then: {},
  else: { required: ['codec'] },
  properties: {
    version: { const: 1, description: 'Version of the pipeline file format. Always 1.' },
    flow: {
      enum: ['archive', 'attach'],
      default: 'archive',
      description:
        "What a run does. archive: the source's items (CXone contacts, recordings) encoded by the codec into the sinks. attach: the source's files (source files) validated and scanned by the transforms, then sent into CXone digital conversations by the one sink (cxone-dfo), each a durable job; no codec.",
    },
    tenant: {
      type: 'string',
      pattern: TENANT_PATTERN,
      description:
        'Tenant name: lowercase letters, digits and inner hyphens, at most 63 characters. Part of every object key.',
    },
    source: pluginRef('source'),
    transforms: {
      type: 'array',
      items: pluginRef('transform'),
      default: [],
      description: 'Transforms applied to each item, in order.',
    },
    codec: {
      ...pluginRef('codec'),
      description:
        'The codec plugin and its options. Required by the archive flow; the attach flow has none.',
    },
    sinks: {
      type: 'array',
      items: pluginRef('sink'),
      minItems: 1,
      description: 'Where objects are stored. Every sink must hold every object.',
    },
    notifiers: {
      type: 'array',
      items: pluginRef('notifier'),
      default: [],
      description: 'Who is told about run and item events.',
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Retries of transient and throttled failures: exponential backoff with full jitter.',
      properties: {
        attempts: {
          type: 'integer',
          minimum: 1,
          maximum: 20,
          default: 5,
          description: 'Attempts per operation, the first included.',
        },
        initialDelay: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '500ms',
          description: 'Backoff base delay.',
        },
        maxDelay: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '20s',
          description: 'Longest backoff between attempts.',
        },
        maxElapsed: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '10m',
          description:
            'Longest time one operation is retried for, waits included; then it fails (an item stays failed and is retried by the next run).',
        },
        maxWait: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '5m',
          description:
            "Longest single wait the run accepts, including a server's Retry-After; a server asking for more stops the operation (and a listing stops the run, resumable) with the reason.",
        },
      },
    },
    budgets: {
      type: 'object',
      default: {},
      description:
        "API budgets per family, overriding what the plugins declare (e.g. CXone's `media-playback`: 150 requests per 5m). Every request of a family waits for its budget; running out waits, it never fails an item.",
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['requests', 'per'],
        properties: {
          requests: { type: 'integer', minimum: 1, description: 'Requests allowed per window.' },
          per: {
            type: 'string',
            pattern: DURATION_PATTERN,
            description: 'The window, e.g. 5m.',
          },
          margin: {
            type: 'string',
            pattern: DURATION_PATTERN,
            description:
              'How much longer than per the run waits before a request takes the place of one sent a window earlier (requests reaching the server late, clocks drifting apart). Default: 0.5 % of per, at least 250ms.',
          },
        },
      },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: ['mode', 'period'],
      description:
        'Keep every object written under retention (S3 Object Lock and the like): the store refuses to delete or overwrite it before the period has passed since it was written. Every sink must support it; a sink that cannot is refused at start.',
      properties: {
        mode: {
          enum: ['governance', 'compliance'],
          description:
            'governance: users with a special permission can still shorten it; compliance: nobody can, not even the account owner.',
        },
        period: {
          type: 'string',
          pattern: DURATION_PATTERN,
          description: 'How long from the write, e.g. 2557d for about 7 years.',
        },
      },
    },
    layout: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How records become objects. Recordings and other artifacts are always one object each.',
      properties: {
        records: {
          enum: ['per-item', 'batch'],
          default: 'per-item',
          description:
            "per-item: one {recordName}.json object per item. batch: many items' records in one JSON Lines object ({tenant}/records/yyyy/mm/dd/{batchId}.jsonl), far fewer objects and requests (cold storage classes bill a minimum size per object); an item is archived when its batch and its own artifacts are stored.",
        },
        batchSize: {
          type: 'integer',
          minimum: 1,
          maximum: 100000,
          default: 1000,
          description: 'Most records in one batch (batch layout).',
        },
      },
    },
    acknowledge: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        "Telling the source which items are archived, for a source that asks to be told (e.g. source-cxone's write-back to CXone). Best effort, after the ledger commit: it never fails or un-archives an item, and what is not told in one run is told by a later one.",
      properties: {
        drainFor: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '1m',
          description:
            'After the last item of a run settled, how long the run goes on telling the source (a write-back API may allow only one call per 30 s); the rest wait for the next run.',
        },
      },
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: 8,
      description: 'Items processed at once.',
    },
    state: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The ledger: which items are archived, and where the source is in its change feed.',
      properties: {
        store: { enum: ['sqlite'], default: 'sqlite', description: 'Ledger backend.' },
        lease: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '1m',
          description:
            "How long the tenant's run lock holds without a heartbeat; a run that died (on any host) is taken over after it.",
        },
        path: {
          type: 'string',
          minLength: 1,
          description:
            'Ledger file, relative to the pipeline file. Default: .cxarchive/<tenant>.db beside it.',
        },
        auditLog: {
          type: 'string',
          minLength: 1,
          description:
            'Audit log file (JSON Lines, appended, hash-chained; `cxarchive audit` reads and verifies it), relative to the pipeline file. Its head is kept beside it (<file>.head). Default: <tenant>.audit.jsonl beside the ledger.',
        },
      },
    },
  },
};

export interface PluginRef {
  readonly use: string;
  readonly with: Record<string, unknown>;
}

/** The pipeline file after validation, with defaults applied. */
export interface PipelineConfig {
  readonly version: 1;
  readonly tenant: string;
  readonly source: PluginRef;
  readonly transforms: readonly PluginRef[];
  /** What a run does (default `archive`). */
  readonly flow: 'archive' | 'attach';
  /** Required by the archive flow; the attach flow has none. */
  readonly codec?: PluginRef;
  readonly sinks: readonly PluginRef[];
  readonly notifiers: readonly PluginRef[];
  readonly retry: {
    readonly attempts: number;
    readonly initialDelay: string;
    readonly maxDelay: string;
    readonly maxElapsed: string;
    readonly maxWait: string;
  };
  readonly budgets: Readonly<
    Record<string, { readonly requests: number; readonly per: string; readonly margin?: string }>
  >;
  readonly retention?: { readonly mode: 'governance' | 'compliance'; readonly period: string };
  readonly acknowledge?: { readonly drainFor?: string };
  readonly layout?: { readonly records?: 'per-item' | 'batch'; readonly batchSize?: number };
  readonly concurrency: number;
  readonly state: {
    readonly store: 'sqlite';
    readonly path?: string;
    readonly lease: string;
    /** The audit log (see `auditLogPath`). */
    readonly auditLog?: string;
  };
}
