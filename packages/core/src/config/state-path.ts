import { lstatSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue } from './config-error.js';
import { locate, type YamlSource } from './yaml-source.js';

const kindOf = (info: Stats): string =>
  info.isDirectory()
    ? 'a directory'
    : info.isCharacterDevice()
      ? 'a character device'
      : info.isBlockDevice()
        ? 'a block device'
        : info.isFIFO()
          ? 'a named pipe (FIFO)'
          : info.isSocket()
            ? 'a socket'
            : 'not a regular file';

/**
 * `state.path` (the ledger) and `state.auditLog` must name regular files or nothing yet: SQLite
 * on `/dev/null` would write `/dev/null-journal` beside it, and a directory or FIFO is no ledger.
 * A path through a file where a directory should be is refused too. Read-only: nothing is created.
 */
export const statePathIssues = (
  source: YamlSource,
  dir: string,
  state: { readonly path?: string; readonly auditLog?: string } | undefined,
): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  for (const key of ['path', 'auditLog'] as const) {
    const value = state?.[key];
    if (typeof value !== 'string' || value === '') continue;
    const file = path.resolve(dir, value);
    const at = ['state', key];
    let info: Stats | undefined;
    try {
      info = statSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') {
        issues.push({
          file: source.file,
          ...locate(source, at),
          path: `state.${key}`,
          code: 'state.not-regular',
          message: `state.${key} goes through a file where a directory should be`,
          hint: 'give a path in a directory (relative to the pipeline file), e.g. .cxarchive/<tenant>.db',
        });
      }
      continue;
    }
    if (info.isFile()) continue;
    // A symbolic link to a regular file is fine; what it points at is what counts.
    const link = lstatSync(file).isSymbolicLink() ? ' (through a symbolic link)' : '';
    issues.push({
      file: source.file,
      ...locate(source, at),
      path: `state.${key}`,
      code: 'state.not-regular',
      message: `state.${key} is ${kindOf(info)}${link}, not a ${key === 'path' ? 'ledger' : 'log'} file`,
      hint: `give the path of a regular file (it is created if missing), e.g. ${key === 'path' ? '.cxarchive/<tenant>.db' : '.cxarchive/<tenant>.audit.jsonl'}`,
    });
  }
  return issues;
};
