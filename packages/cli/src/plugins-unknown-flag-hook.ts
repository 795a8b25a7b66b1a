import { escapeControl } from '@cxarchive/core/host';
import type { Hook } from '@oclif/core';
import { closestName } from './plugins-not-found-hook.js';

interface FlagShape {
  readonly aliases?: readonly string[];
}

/**
 * The long flags of `argv` the command does not have (before `--`; `--name=value` counts as
 * `--name`), each with the nearest flag it has, if one is close.
 */
export const unknownFlags = (
  argv: readonly string[],
  flags: Readonly<Record<string, FlagShape>>,
): { typed: string; guess: string | undefined }[] => {
  const known = new Set(['help', 'version']);
  for (const [name, flag] of Object.entries(flags)) {
    known.add(name);
    for (const alias of flag.aliases ?? []) known.add(alias);
  }
  const out: { typed: string; guess: string | undefined }[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('--') || arg.length === 2) continue;
    const name = arg.slice(2).split('=')[0] as string;
    if (known.has(name) || name.startsWith('no-')) continue;
    out.push({ typed: name, guess: closestName(name, [...known]) });
  }
  return out;
};

/**
 * `prerun`: a long flag the command does not have gets a hint before oclif's own error (which
 * names the flag and exits 2): the nearest flag, or the flags the command has.
 */
const hook: Hook.Prerun = async ({ argv, Command }) => {
  const flags = (Command.flags ?? {}) as Record<string, FlagShape>;
  for (const { typed, guess } of unknownFlags(argv, flags)) {
    const all = Object.keys(flags).map((f) => `--${f}`);
    const hint = guess
      ? `did you mean --${guess}?`
      : all.length > 0
        ? `its flags are ${all.join(', ')}`
        : 'it takes no flags';
    process.stderr.write(
      `--${escapeControl(typed.slice(0, 64))} is not a flag of cxarchive ${Command.id.replace(/:/g, ' ')}: ${hint}\n`,
    );
  }
};

export default hook;
