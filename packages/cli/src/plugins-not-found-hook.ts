import { escapeControl } from '@cxarchive/core/host';
import { type Hook, toConfiguredId } from '@oclif/core';
import notFound from '@oclif/plugin-not-found';
import { EXIT } from './exit-codes.js';

/** Edit distance (Levenshtein, adjacent swaps counting one): how far a typo is from a command. */
export const editDistance = (a: string, b: string): number => {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
};

/** The known name closest to `typed`, when it is close enough to be a typo (else undefined). */
export const closestName = (typed: string, known: readonly string[]): string | undefined => {
  // Typed input is bounded for the comparison: a long argument is no command anyway.
  const text = typed.slice(0, 64);
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(text, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(text.length / 3)) ? best.name : undefined;
};

/**
 * `command_not_found`: on a terminal, @oclif/plugin-not-found asks "Did you mean …?" and runs the
 * command on yes. Anywhere else (a script, CI, stdin not a terminal) nothing is asked: the nearest
 * command is named on stderr and the exit status is 2 (a usage error), so a script fails at once.
 * @oclif/plugin-not-found alone says nothing but "not a command" there.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY && process.stderr.isTTY) {
    try {
      return await notFound.call(this, opts);
    } catch (error) {
      // Declined (or no answer in its 10 s): it exits 127; a usage error is 2 here as everywhere.
      if ((error as { oclif?: { exit?: number } }).oclif?.exit !== 127) throw error;
      process.stderr.write(`Run \`${opts.config.bin} help\` for the list of commands.\n`);
      return this.exit(EXIT.invalidPipeline);
    }
  }
  const hidden = new Set(opts.config.commands.filter((c) => c.hidden).map((c) => c.id));
  const ids = [...opts.config.commandIDs, ...opts.config.commands.flatMap((c) => c.aliases)].filter(
    (id) => !hidden.has(id),
  );
  const typed = toConfiguredId(opts.id, opts.config);
  // `cxarchive --hlp`: a mistyped flag of cxarchive itself arrives here as a command id.
  const guess = opts.id.startsWith('-')
    ? closestName(opts.id, ['--help', '--version'])
    : closestName(opts.id, ids);
  const shown = `"${escapeControl(typed.slice(0, 64))}${typed.length > 64 ? '…' : ''}"`;
  const lines = [
    `${shown} is not a ${opts.config.bin} command${guess ? `; did you mean "${toConfiguredId(guess, opts.config)}"?` : '.'}`,
    `Run \`${opts.config.bin} help\` for the list of commands.`,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  this.exit(EXIT.invalidPipeline);
};

export default hook;
