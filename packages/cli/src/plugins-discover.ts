import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  candidateNames,
  PLUGIN_KINDS,
  type PluginDefinition,
  type PluginKind,
  resolvePlugin,
} from '@cxarchive/core/host';

/** A place plugins resolve from, in the order `resolvePlugin` tries them. */
export interface PluginPlace {
  readonly dir: string;
  /** How listings name the place: `tenant` (beside the pipeline file) or `cli` (the CLI's installation). */
  readonly origin: 'tenant' | 'cli';
}

/** A package with a `cxarchive` manifest, found in a node_modules directory a pipeline resolves from. */
export interface FoundPlugin {
  readonly kind: string;
  /** What a pipeline writes in `use:` to get this package. */
  readonly use: string;
  readonly packageName: string;
  readonly version: string;
  /** The plugin API version its package.json declares. */
  readonly apiVersion: number | undefined;
  /** The package's directory as found (inside node_modules). */
  readonly dir: string;
  readonly origin: PluginPlace['origin'];
  /**
   * ok: `use:` resolves to this package; shadowed: to another one found first (`shadowedBy`, its
   * directory); broken: it is the one found, but it cannot be used (`problem` says why).
   */
  readonly status: 'ok' | 'shadowed' | 'broken';
  readonly shadowedBy?: string;
  readonly problem?: string;
  /** The loaded definition (status ok). */
  readonly definition?: PluginDefinition;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  cxarchive?: { kind?: unknown; apiVersion?: unknown };
}

/** Directories Node searches for a bare package name from `from`, nearest first (as core does). */
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

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
};

/** Package directories directly in a node_modules directory (scoped ones one level down). */
const packagesIn = (nodeModules: string): string[] =>
  list(nodeModules).flatMap((name) =>
    name.startsWith('@') ? list(path.join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name],
  );

const readManifest = (dir: string): Manifest | undefined => {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Manifest) : undefined;
  } catch {
    return undefined;
  }
};

/** The shortest `use:` that resolves to a package of this kind and name. */
export const useNameOf = (kind: string, packageName: string): string => {
  for (const prefix of [`@cxarchive/${kind}-`, `cxarchive-${kind}-`]) {
    if (packageName.startsWith(prefix) && packageName.length > prefix.length) {
      return packageName.slice(prefix.length);
    }
  }
  return packageName;
};

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

interface Candidate {
  readonly kind: string;
  readonly use: string;
  readonly packageName: string;
  readonly version: string;
  readonly apiVersion: number | undefined;
  readonly dir: string;
  readonly origin: PluginPlace['origin'];
  /** Where `resolvePlugin` would try it: place, then name, then directory. */
  readonly order: readonly [number, number, number];
}

const before = (a: Candidate, b: Candidate): number =>
  a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2];

/**
 * Every cxarchive plugin a pipeline in `places[0]` could name in `use:`: the packages with a
 * `cxarchive` manifest in the node_modules directories `resolvePlugin` searches, each resolved the
 * way a pipeline resolves it (so a package shadowed by another, or one that fails to load, says so).
 * Path plugins (`use: ./x.mjs`) are not installed packages and are not listed.
 */
export const discoverPlugins = async (
  places: readonly PluginPlace[],
  conditions?: readonly string[],
): Promise<FoundPlugin[]> => {
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const [placeIndex, place] of places.entries()) {
    for (const [dirIndex, nodeModules] of nodeModulesDirs(place.dir).entries()) {
      for (const packageName of packagesIn(nodeModules)) {
        const dir = path.join(nodeModules, packageName);
        const manifest = readManifest(dir);
        if (!manifest?.cxarchive || typeof manifest.cxarchive !== 'object') continue;
        const kind = typeof manifest.cxarchive.kind === 'string' ? manifest.cxarchive.kind : '?';
        const use = useNameOf(kind, packageName);
        // One package reached through several links is listed once, where it is found first.
        const key = `${kind}\0${use}\0${real(dir)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const names = PLUGIN_KINDS.includes(kind as PluginKind)
          ? candidateNames(kind as PluginKind, use)
          : [packageName];
        candidates.push({
          kind,
          use,
          packageName,
          version: typeof manifest.version === 'string' ? manifest.version : '?',
          apiVersion:
            typeof manifest.cxarchive.apiVersion === 'number' ? manifest.cxarchive.apiVersion : undefined,
          dir,
          origin: place.origin,
          order: [placeIndex, Math.max(0, names.indexOf(packageName)), dirIndex],
        });
      }
    }
  }

  const byUse = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.kind}\0${c.use}`;
    byUse.set(key, [...(byUse.get(key) ?? []), c]);
  }
  const found: FoundPlugin[] = [];
  const from = places.map((p) => p.dir);
  for (const group of byUse.values()) {
    const [first, ...rest] = group.sort(before);
    if (!first) continue;
    if (!PLUGIN_KINDS.includes(first.kind as PluginKind)) {
      found.push({
        ...first,
        status: 'broken',
        problem: `its package.json declares kind "${first.kind}"; a plugin is one of ${PLUGIN_KINDS.join(', ')}`,
      });
      continue;
    }
    try {
      const resolved = await resolvePlugin(first.kind as PluginKind, first.use, {
        from,
        ...(conditions ? { conditions } : {}),
      });
      const home = real(first.dir);
      if (real(resolved.entry).startsWith(`${home}${path.sep}`)) {
        found.push({ ...first, status: 'ok', definition: resolved.definition as PluginDefinition });
      } else {
        // Something the listing does not count as a plugin package comes first (a link elsewhere).
        found.push({ ...first, status: 'shadowed', shadowedBy: resolved.entry });
      }
    } catch (error) {
      found.push({
        ...first,
        status: 'broken',
        problem: error instanceof Error ? error.message : String(error),
      });
    }
    for (const other of rest) found.push({ ...other, status: 'shadowed', shadowedBy: first.dir });
  }
  return found.sort(
    (a, b) =>
      PLUGIN_KINDS.indexOf(a.kind as PluginKind) - PLUGIN_KINDS.indexOf(b.kind as PluginKind) ||
      a.use.localeCompare(b.use) ||
      (a.status === 'shadowed' ? 1 : 0) - (b.status === 'shadowed' ? 1 : 0),
  );
};
