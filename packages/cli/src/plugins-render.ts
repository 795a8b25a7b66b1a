import { escapeControl } from '@cxarchive/core/host';
import type { FoundPlugin } from './plugins-discover.js';

/** One plugin as `plugins list --json` prints it. */
export interface PluginRow {
  readonly kind: string;
  readonly use: string;
  /** The name the plugin gives itself (definePlugin's `name`), once loaded. */
  readonly name: string | null;
  readonly package: string;
  readonly version: string;
  readonly apiVersion: number | null;
  readonly status: FoundPlugin['status'];
  /** tenant: beside the pipeline file; cli: the command line's installation. */
  readonly origin: FoundPlugin['origin'];
  readonly path: string;
  readonly shadowedBy?: string;
  readonly problem?: string;
}

export const pluginRows = (found: readonly FoundPlugin[]): PluginRow[] =>
  found.map((p) => ({
    kind: p.kind,
    use: p.use,
    name: typeof p.definition?.name === 'string' ? p.definition.name : null,
    package: p.packageName,
    version: p.version,
    apiVersion: p.apiVersion ?? null,
    status: p.status,
    origin: p.origin,
    path: p.dir,
    ...(p.shadowedBy ? { shadowedBy: p.shadowedBy } : {}),
    ...(p.problem ? { problem: p.problem } : {}),
  }));

const ORIGIN = { tenant: 'beside the pipeline', cli: "cxarchive's installation" } as const;

/**
 * The listing as a table: one line per plugin, then for each shadowed or broken one a line saying
 * why. Names, versions and paths come from package.json files: control characters are escaped.
 */
export const renderPluginTable = (rows: readonly PluginRow[]): string => {
  if (rows.length === 0) return 'no cxarchive plugins found';
  const header = ['KIND', 'USE', 'PACKAGE', 'VERSION', 'API', 'STATUS', 'RESOLVED FROM'];
  const cells = rows.map((r) => [
    r.kind,
    r.use,
    r.package,
    r.version,
    r.apiVersion === null ? '?' : String(r.apiVersion),
    r.status,
    `${r.path} (${ORIGIN[r.origin]})`,
  ]);
  const table = [header, ...cells].map((row) => row.map(escapeControl));
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  for (const r of rows) {
    if (r.status === 'shadowed' && r.shadowedBy) {
      lines.push(
        `${escapeControl(r.kind)} ${escapeControl(r.use)}: ${escapeControl(r.path)} is shadowed by ${escapeControl(r.shadowedBy)}`,
      );
    }
    if (r.status === 'broken' && r.problem) {
      lines.push(
        `${escapeControl(r.kind)} ${escapeControl(r.use)}: cannot be used: ${escapeControl(r.problem)}`,
      );
    }
  }
  return lines.join('\n');
};
