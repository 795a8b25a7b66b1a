import { existsSync, readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  API_CHANGES,
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  type PluginDefinition,
  type PluginKind,
} from './define-plugin.js';

export interface ResolveOptions {
  /** Where to look, in order: the pipeline file's directory first, then the CLI's installation. */
  readonly from: readonly string[];
  /** Export conditions, in order of preference. */
  readonly conditions?: readonly string[];
  /**
   * Set when the `use` value came from the environment (`use: ${SINK}`): it may be a secret put in
   * the wrong field, so no message shows it. `described` names it in sentences (`${SINK}`, or the
   * text as written, quoted); `template` (the text as written) stands for it inside the package
   * names and paths that were tried.
   */
  readonly interpolated?: { readonly described: string; readonly template: string };
}

export interface ResolvedPlugin<K extends PluginKind = PluginKind> {
  readonly definition: PluginDefinition<K>;
  /** Package name (or the path, for a path plugin). */
  readonly packageName: string;
  readonly version: string;
  readonly entry: string;
}

export class PluginResolutionError extends Error {
  readonly tried: readonly string[];
  readonly hint: string;
  constructor(message: string, tried: readonly string[], hint: string) {
    super(message);
    this.name = 'PluginResolutionError';
    this.tried = tried;
    this.hint = hint;
  }
}

const DEFAULT_CONDITIONS = ['import', 'node', 'default'] as const;

/**
 * `use: s3` for a sink → `@cxarchive/sink-s3`, then `cxarchive-sink-s3`, then a package named
 * `s3` itself (so a full unscoped name such as `acme-archive-sink` works); a scoped name or a
 * path is taken as given.
 */
export const candidateNames = (kind: PluginKind, use: string): string[] => namesFor(kind, use, use);

/** The candidate names of `use`, with `shown` written where `use` goes in each. */
const namesFor = (kind: PluginKind, use: string, shown: string): string[] => {
  if (isPath(use) || use.includes('/')) return [shown];
  return [`@cxarchive/${kind}-${shown}`, `cxarchive-${kind}-${shown}`, shown];
};

const isPath = (use: string): boolean => use.startsWith('.') || path.isAbsolute(use);

/**
 * How messages show the `use` value and the names and paths made from it: as they are, or, for a
 * value from the environment, never: the text as written in the file stands in for it.
 */
class Shown {
  readonly hidden: boolean;
  /** The value in a sentence: `"fs"`, or `named by the value of ${SINK}`. */
  readonly phrase: string;
  /** What stands for the value inside names and paths. */
  readonly value: string;
  /** What to do when it cannot be found. */
  readonly check: string;
  /** Real text made from the value, and what shows instead. */
  readonly #replacements: [string, string][] = [];

  constructor(use: string, interpolated: ResolveOptions['interpolated']) {
    this.hidden = interpolated !== undefined;
    this.phrase = interpolated ? `named by the value of ${interpolated.described}` : `"${use}"`;
    this.value = interpolated ? interpolated.template : use;
    this.check = interpolated ? `the value of ${interpolated.described}` : 'the spelling of "use"';
    if (interpolated) this.#replacements.push([use, interpolated.template]);
  }

  /** A path made from the value, as messages show it; remembered, to hide it in others' messages. */
  place(real: string, shown: string): string {
    if (!this.hidden) return real;
    this.#replacements.push([real, shown], [pathToFileURL(real).href, shown]);
    return shown;
  }

  /**
   * Text from elsewhere (an import error) with every remembered path, and the value itself,
   * replaced in one pass (longest first, so a path goes whole).
   */
  text(message: string): string {
    if (!this.hidden) return message;
    const byText = new Map(this.#replacements.filter(([real]) => real !== ''));
    if (byText.size === 0) return message;
    const pattern = new RegExp(
      [...byText.keys()]
        .sort((a, b) => b.length - a.length)
        .map((real) => real.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return message.replace(pattern, (real) => byText.get(real) ?? real);
  }
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  cxarchive?: { kind?: string; name?: string; apiVersion?: number };
}

/** A package's package.json; one that is missing, unreadable or not JSON is a resolution error. */
const readPackageJson = (dir: string, tried: readonly string[], shown: Shown): PackageJson => {
  const file = path.join(dir, 'package.json');
  const where = shown.text(file);
  let text: string;
  try {
    const info = statSync(file);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    if (info.size > 1024 * 1024) throw Object.assign(new Error('over 1 MiB'), { code: 'EFBIG' });
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new PluginResolutionError(
        `${shown.hidden ? 'the directory' : `directory "${shown.text(dir)}"`} has no package.json: it is not a plugin package`,
        tried,
        'point `use` at a plugin package directory (with a package.json naming its entry and "cxarchive": { "kind", "apiVersion" }), or at its .js/.mjs file',
      );
    throw new PluginResolutionError(
      `cannot read ${where}: ${code === 'ENOTFILE' || code === 'EFBIG' ? (e as Error).message : (code ?? String(e))}`,
      tried,
      'check the plugin package (reinstall it)',
    );
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as PackageJson;
  } catch {
    throw new PluginResolutionError(
      `${where} is not valid JSON`,
      tried,
      'the plugin package is damaged: reinstall it',
    );
  }
};

const pickCondition = (target: unknown, conditions: readonly string[]): string | undefined => {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickCondition(t, conditions);
      if (picked) return picked;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) {
      if (conditions.includes(condition)) {
        const picked = pickCondition(value, conditions);
        if (picked) return picked;
      }
    }
  }
  return undefined;
};

/** The package's main entry, following `exports` like Node does for `import`. */
export const packageEntry = (
  dir: string,
  pkg: PackageJson,
  conditions: readonly string[],
): string | undefined => {
  let target: string | undefined;
  if (pkg.exports !== undefined) {
    const exp = pkg.exports as Record<string, unknown> | string;
    const root =
      typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'))
        ? exp['.']
        : exp;
    target = pickCondition(root, conditions);
  } else {
    target = pkg.main ?? 'index.js';
  }
  if (!target) return undefined;
  const file = path.resolve(dir, target);
  return existsSync(file) ? file : undefined;
};

/** Directories Node would search for a bare package name, nearest first. */
const nodeModulesDirs = (from: string): string[] => {
  const out: string[] = [];
  let dir = path.resolve(from);
  for (;;) {
    if (path.basename(dir) !== 'node_modules') out.push(path.join(dir, 'node_modules'));
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
};

/** Names both versions and, for an older plugin, what changed since. */
const apiMismatch = (prefix: string, version: unknown): string => {
  const changes =
    typeof version === 'number' && version < PLUGIN_API_VERSION ? API_CHANGES[version] : undefined;
  return `${prefix}, this cxarchive speaks ${PLUGIN_API_VERSION}${changes ? `: ${changes}` : ''}`;
};

const kindOf = (info: Stats): string =>
  info.isCharacterDevice()
    ? 'a character device'
    : info.isBlockDevice()
      ? 'a block device'
      : info.isFIFO()
        ? 'a named pipe (FIFO)'
        : info.isSocket()
          ? 'a socket'
          : 'not a regular file';

/** How long importing one plugin may take: its module code runs once, and should be quick. */
const importTimeoutMs = (): number => {
  const value = Number(process.env.CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : 15_000;
};

class ImportGuardError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** Imports under way: while any is, `process.exit` is refused (a plugin must not end the process). */
let importing = 0;
let realExit: typeof process.exit | undefined;

/**
 * Imports a plugin module with two guards: a module that calls `process.exit` while it loads
 * (its top-level code, awaits included) fails to load instead of ending cxarchive (exit 0 would
 * read as success): the call throws, which fails that module's import alone; and one that never
 * finishes loading (a top-level await that never settles) fails after CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS
 * (15 s by default). Code a module leaves running after that is not stopped; the command ends
 * the process when it is done.
 */
const guardedImport = async (entry: string): Promise<unknown> => {
  if (importing++ === 0) {
    realExit = process.exit;
    process.exit = ((code?: unknown) => {
      // Unwinds the plugin's module code; the import is reported as failed.
      throw new ImportGuardError(
        `called process.exit(${String(code ?? '')}) while loading`,
        'a plugin must not end the process: report it to its authors',
      );
    }) as typeof process.exit;
  }
  let timer: NodeJS.Timeout | undefined;
  const ms = importTimeoutMs();
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ImportGuardError(
            `did not finish loading within ${ms / 1000} s`,
            'its module code waits on something that never ends (a top-level await?): report it to its authors (CXARCHIVE_PLUGIN_LOAD_TIMEOUT_MS sets the limit)',
          ),
        ),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([import(pathToFileURL(entry).href), timedOut]);
  } finally {
    clearTimeout(timer);
    if (--importing === 0) {
      if (realExit) process.exit = realExit;
      realExit = undefined;
    }
  }
};

const shapeProblem = (value: unknown, kind: PluginKind): string | undefined => {
  if (!value || typeof value !== 'object')
    return 'its default export is not a plugin (use definePlugin from @cxarchive/core)';
  const def = value as Partial<PluginDefinition>;
  if (!PLUGIN_KINDS.includes(def.kind as PluginKind))
    return `its default export has no valid kind (got ${String(def.kind)})`;
  if (def.kind !== kind) return `it is a ${def.kind} plugin, but it is used as a ${kind}`;
  if (typeof def.name !== 'string') return 'its default export has no name';
  if (def.apiVersion !== PLUGIN_API_VERSION)
    return apiMismatch(`it was built for plugin API ${String(def.apiVersion)}`, def.apiVersion);
  if (!def.configSchema || typeof def.configSchema !== 'object')
    return 'its default export has no configSchema';
  if (typeof def.create !== 'function') return 'its default export has no create function';
  return undefined;
};

const loadDefinition = async <K extends PluginKind>(
  entry: string,
  kind: K,
  label: string,
  shown: Shown,
): Promise<PluginDefinition<K>> => {
  let mod: { default?: unknown };
  try {
    mod = (await guardedImport(entry)) as { default?: unknown };
  } catch (e) {
    if (e instanceof ImportGuardError)
      throw new PluginResolutionError(`${label} ${shown.text(e.message)}`, [shown.text(entry)], e.hint);
    throw new PluginResolutionError(
      `${label} failed to load: ${shown.text(e instanceof Error ? e.message : String(e))}`,
      [shown.text(entry)],
      'the plugin is broken or misses a dependency; reinstall it, or report it to its authors',
    );
  }
  const problem = shapeProblem(mod.default, kind);
  if (problem)
    throw new PluginResolutionError(
      `${label}: ${problem}`,
      [shown.text(entry)],
      'check that the package is a cxarchive plugin of this kind',
    );
  return mod.default as PluginDefinition<K>;
};

/**
 * Resolves `use:` to a plugin definition. The package's `cxarchive.apiVersion` (package.json) is
 * checked before any of its code is imported. Throws PluginResolutionError listing every name and
 * place tried.
 */
export const resolvePlugin = async <K extends PluginKind>(
  kind: K,
  use: string,
  options: ResolveOptions,
): Promise<ResolvedPlugin<K>> => {
  const conditions = options.conditions ?? DEFAULT_CONDITIONS;
  const tried: string[] = [];
  const base = options.from[0] ?? process.cwd();
  const shown = new Shown(use, options.interpolated);

  if (isPath(use)) {
    const target = path.resolve(base, use);
    const placed = shown.place(target, shown.value);
    const where = shown.hidden ? `${placed} (a path relative to ${base})` : target;
    tried.push(where);
    if (!existsSync(target)) {
      throw new PluginResolutionError(
        `cannot find ${kind} plugin ${shown.phrase}`,
        tried,
        `no file or directory at ${where}`,
      );
    }
    const info = statSync(target);
    if (info.isDirectory())
      return fromPackageDir(kind, { name: use, shownName: shown.value }, target, conditions, tried, shown);
    // `/dev/zero` would be read until memory runs out, a FIFO would block the import forever.
    if (!info.isFile())
      throw new PluginResolutionError(
        `${kind} plugin ${shown.phrase} is ${kindOf(info)}, not a plugin file`,
        tried,
        "point `use` at the plugin's .js/.mjs file or at its package directory",
      );
    const label = shown.hidden ? `the ${kind} plugin ${shown.phrase}` : `"${use}"`;
    const definition = await loadDefinition(target, kind, label, shown);
    return { definition, packageName: use, version: '0.0.0', entry: target };
  }

  // Places outer, names inner: anything beside the pipeline file wins over the CLI's installation.
  const names = candidateNames(kind, use);
  const shownNames = namesFor(kind, use, shown.value);
  for (const from of options.from) {
    for (const [i, name] of names.entries()) {
      const shownName = shownNames[i] ?? name;
      for (const dir of nodeModulesDirs(from)) {
        const pkgDir = path.join(dir, name);
        const where = shown.place(pkgDir, path.join(dir, shownName));
        tried.push(where);
        if (!existsSync(path.join(pkgDir, 'package.json'))) continue;
        // The bare name is a last resort: a package of that name that is no cxarchive plugin at all
        // (an unrelated dependency) is passed over rather than shadowing the plugin searched for.
        if (name === use && readPackageJson(pkgDir, tried, shown).cxarchive === undefined) {
          tried[tried.length - 1] = `${where} (not a cxarchive plugin, passed over)`;
          continue;
        }
        return fromPackageDir(kind, { name, shownName }, pkgDir, conditions, tried, shown);
      }
    }
  }
  // A typo is likelier than a missing package: name the nearest installed plugin of this kind.
  const installed = shown.hidden ? [] : installedNames(kind, options.from);
  const nearest = shown.hidden ? undefined : nearestName(use, installed);
  throw new PluginResolutionError(
    `cannot find ${kind} plugin ${shown.phrase}${nearest ? `: did you mean "${nearest}"?` : ''} (looked for ${shownNames.length === 1 ? shownNames[0] : `${shownNames.slice(0, -1).join(', ')} and ${shownNames.at(-1)}`})`,
    tried,
    nearest
      ? `use: ${nearest}${installed.length > 1 ? ` (installed ${kind} plugins: ${installed.join(', ')})` : ''}`
      : `${installed.length > 0 ? `installed ${kind} plugins: ${installed.join(', ')}; ` : ''}install it beside the pipeline file (npm install ${shownNames[0]}), or check ${shown.check}`,
  );
};

/**
 * The short names (`use:` values) of the plugins of `kind` installed where `use:` is looked up:
 * `@cxarchive/<kind>-<name>` and `cxarchive-<kind>-<name>` packages, by directory name only (nothing
 * is read or imported). At most a few hundred directories are listed.
 */
const installedNames = (kind: PluginKind, from: readonly string[]): string[] => {
  const names = new Set<string>();
  for (const start of from)
    for (const dir of nodeModulesDirs(start)) {
      for (const [where, prefix] of [
        [path.join(dir, '@cxarchive'), `${kind}-`],
        [dir, `cxarchive-${kind}-`],
      ] as const) {
        let entries: string[];
        try {
          entries = readdirSync(where);
        } catch {
          continue;
        }
        for (const entry of entries.slice(0, 500))
          if (entry.startsWith(prefix) && entry.length > prefix.length) names.add(entry.slice(prefix.length));
      }
    }
  return [...names].sort();
};

/** Edit distance, bounded: names longer than 64 characters are not compared. */
const distance = (a: string, b: string): number => {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
};

/** The installed name nearest to `use`, when it is near enough to be a typo. */
const nearestName = (use: string, installed: readonly string[]): string | undefined => {
  const wanted = use.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of installed) {
    const d = distance(wanted, name.toLowerCase());
    if (d <= Math.max(1, Math.floor(name.length / 3)) && (best === undefined || d < best.d))
      best = { name, d };
  }
  return best?.name;
};

const fromPackageDir = async <K extends PluginKind>(
  kind: K,
  { name, shownName }: { name: string; shownName: string },
  pkgDir: string,
  conditions: readonly string[],
  tried: readonly string[],
  shown: Shown,
): Promise<ResolvedPlugin<K>> => {
  const pkg = readPackageJson(pkgDir, tried, shown);
  const declared = pkg.cxarchive;
  // A package found by a hidden value goes by the name it was looked for under, not its own
  // (which most likely repeats the value).
  const label = `package ${shown.hidden ? shownName : (pkg.name ?? name)}@${pkg.version ?? '?'}`;
  if (!declared || typeof declared.apiVersion !== 'number') {
    throw new PluginResolutionError(
      `${label} is not a cxarchive plugin: its package.json has no "cxarchive": { "kind", "apiVersion" }`,
      tried,
      'plugins declare the plugin API they were built for in package.json',
    );
  }
  if (declared.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginResolutionError(
      apiMismatch(`${label} was built for plugin API ${declared.apiVersion}`, declared.apiVersion),
      tried,
      'install a version of the plugin built for this cxarchive, or a cxarchive that matches the plugin',
    );
  }
  if (declared.kind !== kind) {
    throw new PluginResolutionError(
      `${label} is a ${declared.kind} plugin, but it is used as a ${kind}`,
      tried,
      'move it to the right section',
    );
  }
  const entry = packageEntry(pkgDir, pkg, conditions);
  if (!entry)
    throw new PluginResolutionError(
      `${label} has no entry file (is it built?)`,
      tried,
      `look in ${shown.text(pkgDir)}`,
    );
  const definition = await loadDefinition(entry, kind, label, shown);
  return { definition, packageName: pkg.name ?? name, version: pkg.version ?? '0.0.0', entry };
};
