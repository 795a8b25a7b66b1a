import path from 'node:path';
import { ConfigError, type ConfigIssue, formatPath } from '../config/config-error.js';
import type { LoadedPipeline } from '../config/load-pipeline.js';
import type { PluginRef } from '../config/pipeline-schema.js';
import { wrapSecrets } from '../config/secrets.js';
import { schemaProblem, validateAt } from '../config/validate.js';
import { type Interpolation, interpolationOf, locate } from '../config/yaml-source.js';
import type { PluginDefinition, PluginKind } from '../plugin/define-plugin.js';
import { PluginResolutionError, type ResolveOptions, resolvePlugin } from '../plugin/resolve-plugin.js';
import type { SecretScrubber } from '../redacted.js';
import { NO_CODEC } from './no-codec.js';

/** A plugin reference from the file, resolved and with its options validated. */
export interface PreparedPlugin<K extends PluginKind = PluginKind> {
  readonly kind: K;
  /** Where it sits in the file, e.g. `sinks[0]`. Also its name in reports and ledger rows. */
  readonly label: string;
  readonly use: string;
  readonly packageName: string;
  readonly version: string;
  readonly definition: PluginDefinition<K>;
  /** Validated options, defaults applied, secrets wrapped in Redacted. */
  readonly config: Record<string, unknown>;
}

export interface PreparedPipeline {
  readonly loaded: LoadedPipeline;
  readonly source: PreparedPlugin<'source'>;
  readonly transforms: readonly PreparedPlugin<'transform'>[];
  readonly codec: PreparedPlugin<'codec'>;
  readonly sinks: readonly PreparedPlugin<'sink'>[];
  readonly notifiers: readonly PreparedPlugin<'notifier'>[];
}

/** Every plugin of the pipeline, in file order: source, transforms, codec, sinks, notifiers. */
export const pluginsOf = (prepared: PreparedPipeline): readonly PreparedPlugin[] => [
  prepared.source,
  ...prepared.transforms,
  // An attach pipeline's stand-in is not a plugin of the file.
  ...(prepared.codec === NO_CODEC ? [] : [prepared.codec]),
  ...prepared.sinks,
  ...prepared.notifiers,
];

export interface PrepareOptions {
  /** Directories tried after the pipeline file's own (the CLI passes its installation). */
  readonly fallbackFrom?: readonly string[];
  readonly conditions?: ResolveOptions['conditions'];
  readonly scrubber: SecretScrubber;
}

/** `${NAME}` when the value is one reference, else the text as written, quoted. */
const describeInterpolation = ({ template }: Interpolation): string =>
  /^\$\{[^}]*\}$/.test(template) ? template : JSON.stringify(template);

/**
 * What prepares one plugin reference of the file: resolves it and validates its `with` block
 * against that plugin's own schema; problems are pushed to `issues`, and undefined returned.
 */
const pluginPreparer = (loaded: LoadedPipeline, options: PrepareOptions, issues: ConfigIssue[]) => {
  const resolveOptions: ResolveOptions = {
    from: [loaded.dir, ...(options.fallbackFrom ?? [])],
    ...(options.conditions ? { conditions: options.conditions } : {}),
  };

  const prepare = async <K extends PluginKind>(
    kind: K,
    ref: PluginRef,
    at: (string | number)[],
  ): Promise<PreparedPlugin<K> | undefined> => {
    const label = formatPath(at);
    // `use: ${SINK}`: the value may be a secret put in the wrong field; messages name the variable.
    const interpolation = interpolationOf(loaded.source, [...at, 'use'], ref.use);
    try {
      const resolved = await resolvePlugin(
        kind,
        ref.use,
        interpolation
          ? {
              ...resolveOptions,
              interpolated: {
                described: describeInterpolation(interpolation),
                template: interpolation.template,
              },
            }
          : resolveOptions,
      );
      const problem = schemaProblem(resolved.definition.configSchema);
      if (problem) {
        const plugin = interpolation
          ? `the ${kind} plugin named by the value of ${describeInterpolation(interpolation)}`
          : `plugin ${resolved.packageName}`;
        issues.push({
          file: loaded.file,
          ...locate(loaded.source, [...at, 'use']),
          path: `${label}.use`,
          message: `${plugin} has an invalid options schema: ${problem}`,
          hint: 'this is a defect in the plugin; report it to its authors',
        });
        return undefined;
      }
      const withValue = structuredClone(ref.with ?? {});
      const optionIssues = validateAt(resolved.definition.configSchema, withValue, loaded.source, [
        ...at,
        'with',
      ]);
      if (optionIssues.length > 0) {
        issues.push(...optionIssues);
        return undefined;
      }
      return {
        kind,
        label,
        use: ref.use,
        packageName: resolved.packageName,
        version: resolved.version,
        definition: resolved.definition,
        config: wrapSecrets(withValue, resolved.definition.configSchema, options.scrubber) as Record<
          string,
          unknown
        >,
      };
    } catch (error) {
      if (!(error instanceof PluginResolutionError)) throw error;
      issues.push({
        file: loaded.file,
        ...locate(loaded.source, [...at, 'use']),
        path: `${label}.use`,
        message: error.message,
        hint: `${error.hint}\n    tried:\n${triedShown(error.tried, loaded.dir)}`,
      });
      return undefined;
    }
  };

  // Defensive: after a failed top-level validation (see openPipeline) any part may be malformed,
  // and only the plugin references that look usable are checked.
  const isRef = (r: unknown): r is PluginRef =>
    typeof r === 'object' &&
    r !== null &&
    typeof (r as PluginRef).use === 'string' &&
    ((r as PluginRef).with === undefined ||
      (typeof (r as PluginRef).with === 'object' && (r as PluginRef).with !== null));
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const maybe = <K extends PluginKind>(kind: K, r: unknown, at: (string | number)[]) =>
    isRef(r) ? prepare(kind, r, at) : Promise.resolve(undefined);
  return { maybe, list };
};

/**
 * The places a failed lookup tried, as a problem shows them: those beside the pipeline file (each
 * name once), then how many more (the same names in the directories above and in the CLI's own
 * installation), not every one of them.
 */
const triedShown = (tried: readonly string[], dir: string): string => {
  const beside = tried.filter((t) => t.startsWith(path.join(dir, 'node_modules') + path.sep));
  const shown = beside.length > 0 ? beside : tried.slice(0, 3);
  const more = tried.length - shown.length;
  return `${shown.map((t) => `      ${t}`).join('\n')}${more > 0 ? `\n      … and ${more} more places (the same names in the directories above and in the CLI's installation)` : ''}`;
};

/**
 * Resolves every plugin the file names and validates each `with` block against that plugin's
 * own schema. Collects every problem in the file before throwing one ConfigError.
 */
export const preparePipeline = async (
  loaded: LoadedPipeline,
  options: PrepareOptions,
): Promise<PreparedPipeline> => {
  const issues: ConfigIssue[] = [];
  const { maybe, list } = pluginPreparer(loaded, options, issues);
  const { config } = loaded;
  const source = await maybe('source', config.source, ['source']);
  const transforms = await Promise.all(
    list(config.transforms).map((t, i) => maybe('transform', t, ['transforms', i])),
  );
  // The attach flow stores nothing: no codec (one refusing every call stands in).
  const codec =
    config.flow === 'attach' && config.codec === undefined
      ? NO_CODEC
      : await maybe('codec', config.codec, ['codec']);
  const sinks = await Promise.all(list(config.sinks).map((s, i) => maybe('sink', s, ['sinks', i])));
  const notifiers = await Promise.all(
    list(config.notifiers).map((n, i) => maybe('notifier', n, ['notifiers', i])),
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    loaded,
    source: source!,
    transforms: transforms as PreparedPlugin<'transform'>[],
    codec: codec!,
    sinks: sinks as PreparedPlugin<'sink'>[],
    notifiers: notifiers as PreparedPlugin<'notifier'>[],
  };
};

/**
 * Loads a pipeline file and prepares it with `prepare`, reporting every problem at once: when the
 * file itself has problems but its plugin references are usable, the plugins' options are checked
 * too, and every issue is reported in file order.
 */
const openWith = async <P>(
  load: () => Promise<LoadedPipeline>,
  prepare: (loaded: LoadedPipeline) => Promise<P>,
): Promise<P> => {
  let loaded: LoadedPipeline;
  try {
    loaded = await load();
  } catch (error) {
    if (!(error instanceof ConfigError) || error.partial === undefined) throw error;
    let pluginIssues: readonly ConfigIssue[] = [];
    try {
      await prepare(error.partial as LoadedPipeline);
    } catch (more) {
      if (!(more instanceof ConfigError)) throw more;
      pluginIssues = more.issues;
    }
    const all = [...error.issues, ...pluginIssues].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    throw new ConfigError(all);
  }
  return prepare(loaded);
};

/** Loads and prepares a pipeline file, reporting every problem at once (see `openWith`). */
export const openPipeline = (
  load: () => Promise<LoadedPipeline>,
  options: PrepareOptions,
): Promise<PreparedPipeline> => openWith(load, (loaded) => preparePipeline(loaded, options));

/**
 * A pipeline as the commands that read the archive back see it (restore, verify, keys): the codec
 * and the sinks, prepared in full, and the source by its `use` alone (the ledger's name for it);
 * the source's options, the transforms and the notifiers are neither resolved nor validated, so
 * their credentials are never needed (load such a pipeline with `scope: 'archive'`).
 */
export interface PreparedArchive {
  readonly loaded: LoadedPipeline;
  /** The source as the ledger names it: its `use`. */
  readonly sourceId: string;
  readonly codec: PreparedPlugin<'codec'>;
  readonly sinks: readonly PreparedPlugin<'sink'>[];
}

/** Prepares the codec and the sinks of a pipeline; every problem of theirs in one ConfigError. */
export const prepareArchive = async (
  loaded: LoadedPipeline,
  options: PrepareOptions,
): Promise<PreparedArchive> => {
  const issues: ConfigIssue[] = [];
  const { maybe, list } = pluginPreparer(loaded, options, issues);
  const { config } = loaded;
  if (config.flow === 'attach')
    throw new ConfigError([
      {
        file: loaded.file,
        path: 'flow',
        message: 'this pipeline sends files (flow: attach): it archives nothing to read back',
        hint: 'restore, verify, keys and sync work on archive pipelines; `cxarchive audit` and the run reports tell what was sent',
      },
    ]);
  const codec = await maybe('codec', config.codec, ['codec']);
  const sinks = await Promise.all(list(config.sinks).map((s, i) => maybe('sink', s, ['sinks', i])));
  if (issues.length > 0) throw new ConfigError(issues);
  const sourceId = (config.source as { use?: unknown } | undefined)?.use;
  if (typeof sourceId !== 'string')
    throw new ConfigError([
      {
        file: loaded.file,
        path: 'source.use',
        message: 'the source has no `use`',
        hint: 'name the source plugin the archive was made with',
      },
    ]);
  return { loaded, sourceId, codec: codec!, sinks: sinks as PreparedPlugin<'sink'>[] };
};

/**
 * `openPipeline` for the commands that read the archive back: loads with `scope: 'archive'`
 * (the caller's `load` must) and prepares the codec and sinks, reporting every problem at once.
 */
export const openArchive = (
  load: () => Promise<LoadedPipeline>,
  options: PrepareOptions,
): Promise<PreparedArchive> => openWith(load, (loaded) => prepareArchive(loaded, options));
