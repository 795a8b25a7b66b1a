import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { type Node, visit } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { type Environment, interpolate } from './interpolate.js';
import { type PipelineConfig, pipelineSchema } from './pipeline-schema.js';
import { readPipelineFile } from './read-pipeline-file.js';
import { statePathIssues } from './state-path.js';
import { validateAt } from './validate.js';
import { parseYamlSource, positionOf, type YamlSource } from './yaml-source.js';

export const PIPELINE_FILE_NAMES = [
  'archive.pipeline.yaml',
  'archive.pipeline.yml',
  '.cxarchiverc',
  '.cxarchiverc.yaml',
  '.cxarchiverc.yml',
] as const;

export interface LoadedPipeline {
  /** Absolute path of the pipeline file. */
  readonly file: string;
  /** Its directory: relative paths and plugin packages resolve from here. */
  readonly dir: string;
  readonly config: PipelineConfig;
  readonly source: YamlSource;
}

export interface LoadOptions {
  /** The pipeline file; without it, the names in PIPELINE_FILE_NAMES are searched upward from `cwd`. */
  readonly file?: string;
  readonly cwd?: string;
  readonly env?: Environment;
  /**
   * `run` (the default): every variable the file references must be set. `archive`: for commands
   * that read the archive back (restore, verify, keys), which need the codec's key and the sinks'
   * credentials and never the source's: an unset variable inside `source.with`, a transform's or a
   * notifier's block is not a problem, and the value is left as written (`${NAME}`). Such a
   * pipeline must then be prepared with `prepareArchive`, which leaves those plugins alone.
   * `migrate`: for commands that run the pipeline with another source (`migrate --legacy`): an
   * unset variable in the `source` block is not a problem; transforms and notifiers still need theirs.
   */
  readonly scope?: LoadScope;
}

export type LoadScope = 'run' | 'archive' | 'migrate';

/** Paths in the file whose variables a command of the `migrate` scope never needs. */
const OUTSIDE_MIGRATE_SCOPE = /^source(\.|\[|$)/;

/** Paths in the file whose variables a command of the `archive` scope never needs. */
const OUTSIDE_ARCHIVE_SCOPE = /^(source\.with|transforms|notifiers)(\.|\[|$)/;

/** Whether an issue concerns a part of the file the `archive` scope leaves alone. */
export const outsideArchiveScope = (issue: ConfigIssue): boolean => OUTSIDE_ARCHIVE_SCOPE.test(issue.path);

const notFound = (file: string, message: string, hint: string): ConfigError =>
  new ConfigError([{ file, path: '', message, hint, code: 'file.not-found' }]);

/** Nodes an alias may expand to in all: a few hundred in a real file; a "billion laughs" file is far over. */
const MAX_ALIAS_COUNT = 100;

/** The file as plain data; an alias bomb is an issue at its first alias, not a ReferenceError. */
const toPlain = (source: YamlSource): unknown => {
  try {
    return source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let first: Node | undefined;
    visit(source.doc, {
      Alias(_, node) {
        first = node;
        return visit.BREAK;
      },
    });
    const pos = positionOf(source, first);
    throw new ConfigError([
      {
        file: source.file,
        ...(pos ? { line: pos.line, column: pos.column } : {}),
        path: '',
        code: 'yaml.alias-limit',
        message: `YAML aliases (*name) here expand to too many nodes (over ${MAX_ALIAS_COUNT}): refused as a resource exhaustion ("billion laughs") file`,
        hint: 'write the values out, or use fewer aliases of aliases',
      },
    ]);
  }
};

/** Finds the pipeline file: the given path, or the nearest default name searched upward. */
export const findPipelineFile = async (options: LoadOptions): Promise<string> => {
  const cwd = options.cwd ?? process.cwd();
  if (options.file !== undefined) {
    const file = path.resolve(cwd, options.file);
    if (!existsSync(file))
      throw notFound(
        file,
        'no such file',
        'check the path, or run from the directory that holds archive.pipeline.yaml',
      );
    if (statSync(file).isDirectory()) {
      for (const name of PIPELINE_FILE_NAMES) {
        if (existsSync(path.join(file, name))) return path.join(file, name);
      }
      throw notFound(
        file,
        'is a directory without a pipeline file',
        `expected one of: ${PIPELINE_FILE_NAMES.join(', ')}`,
      );
    }
    return file;
  }
  const explorer = cosmiconfig('cxarchive', {
    searchPlaces: [...PIPELINE_FILE_NAMES],
    searchStrategy: 'global',
    // Only locate the file here; it is parsed below with positions kept.
    loaders: { '.yaml': (f) => ({ f }), '.yml': (f) => ({ f }), noExt: (f) => ({ f }) },
    cache: false,
  });
  const found = await explorer.search(cwd);
  // cosmiconfig's upward search ends in its global config directory (~/.config/cxarchive/config.*);
  // a pipeline is only ever one of our own file names.
  if (!found || !(PIPELINE_FILE_NAMES as readonly string[]).includes(path.basename(found.filepath))) {
    throw notFound(
      cwd,
      'no pipeline file found here or in any parent directory',
      `create archive.pipeline.yaml (see examples/quickstart), or pass its path`,
    );
  }
  return found.filepath;
};

/**
 * Reads (a regular file of at most 1 MiB), interpolates and validates a pipeline file. Plugin
 * options are validated later, when the plugins are resolved (their schemas come with them).
 * Throws ConfigError listing every problem with its file, line, column and path.
 */
export const loadPipeline = async (options: LoadOptions = {}): Promise<LoadedPipeline> => {
  const file = await findPipelineFile(options);
  const text = await readPipelineFile(file);
  const { source, issues } = parseYamlSource(file, text);
  if (issues.length > 0) throw new ConfigError(issues);
  const envIssues = interpolate(source, options.env ?? process.env).filter((issue) =>
    options.scope === 'archive'
      ? !outsideArchiveScope(issue)
      : options.scope === 'migrate'
        ? !OUTSIDE_MIGRATE_SCOPE.test(issue.path)
        : true,
  );
  const value: unknown = toPlain(source);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        code: 'yaml.not-mapping',
        message: 'the file must be a YAML mapping (key: value lines)',
      },
    ]);
  }
  const schemaIssues: ConfigIssue[] = validateAt(pipelineSchema, value, source, []);
  const stateIssues = statePathIssues(
    source,
    path.dirname(file),
    (value as { state?: { path?: string; auditLog?: string } }).state,
  );
  const all = [...envIssues, ...schemaIssues, ...stateIssues];
  const loaded: LoadedPipeline = { file, dir: path.dirname(file), config: value as PipelineConfig, source };
  if (all.length > 0) {
    const error = new ConfigError(all);
    error.partial = loaded;
    throw error;
  }
  return loaded;
};

// What `cxarchive validate` uses beyond loading (exported with the loader through `@cxarchive/core/host`).
export { type LedgerFacts, readLedgerFacts } from './ledger-facts.js';
export { type CheckOptions, type CheckOutcome, checkPlugins } from './plugin-checks.js';
export { locate } from './yaml-source.js';
