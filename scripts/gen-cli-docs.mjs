// Generates the command reference blocks of docs/cli.md from the built oclif command classes
// (packages/cli/dist/commands/**): each command's usage line, summary, arguments, flags (type,
// default, description) and examples, read from the classes' static fields, as `--help` shows them.
// Called by scripts/gen-docs.mjs (`node scripts/gen-docs.mjs [--check]`); build first.
//
// Each command has one block in docs/cli.md, between the lines `<!-- cli:<id>:start -->` and
// `<!-- cli:<id>:end -->` (`<id>` as oclif names it: `keys:generate`); the prose around the blocks
// is written by hand and left alone. A command without markers, markers naming no command, or
// markers that are doubled or out of order are errors. The block between `<!-- cli:commands:start -->`
// and `<!-- cli:commands:end -->` lists every command with its summary.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const BIN = 'cxarchive';
export const CLI_DOC = path.join('docs', 'cli.md');
export const startMarker = (id) => `<!-- cli:${id}:start -->`;
export const endMarker = (id) => `<!-- cli:${id}:end -->`;
const MARKER = /^<!-- cli:([a-z0-9:-]+):(start|end) -->$/;
/** The block listing every command with its summary (not a command: no command has this id). */
export const INDEX = 'commands';

// ---------------------------------------------------------------------------------------------
// Loading the commands

/** Every built command file under dir, as [id, file], sorted by id. */
const commandFiles = (dir, prefix = []) =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return commandFiles(file, [...prefix, entry.name]);
      if (!entry.name.endsWith('.js') || entry.name.endsWith('.test.js')) return [];
      return [[[...prefix, entry.name.slice(0, -3)].join(':'), file]];
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The source text of oclif's integer parser, to tell `Flags.integer` from a string option. */
const integerParser = async (cliDir) => {
  try {
    const resolved = createRequire(path.join(cliDir, 'package.json')).resolve('@oclif/core');
    const { Flags } = await import(pathToFileURL(resolved).href);
    return String(Flags.integer({}).parse);
  } catch {
    return undefined;
  }
};

/**
 * The commands of the CLI at root, or undefined when the repository has no CLI package.
 * Throws a message when the CLI exists but is not built.
 */
export const loadCommands = async (root) => {
  const cliDir = path.join(root, 'packages', 'cli');
  if (!existsSync(path.join(cliDir, 'package.json'))) return undefined;
  const dir = path.join(cliDir, 'dist', 'commands');
  if (!existsSync(dir))
    throw new Error(
      'packages/cli/dist/commands is missing; build first: pnpm exec tsc -b tsconfig.build.json',
    );
  const integer = await integerParser(cliDir);
  const commands = [];
  for (const [id, file] of commandFiles(dir)) {
    const cls = (await import(pathToFileURL(file).href)).default;
    if (typeof cls !== 'function' || cls.hidden === true) continue;
    const source = path
      .relative(root, file)
      .split(path.sep)
      .join('/')
      .replace(/\/dist\//, '/src/')
      .replace(/\.js$/, '.ts');
    commands.push({ id, cls, source, integer });
  }
  return commands;
};

// ---------------------------------------------------------------------------------------------
// Rendering one command

const code = (text) => `\`${text}\``;
const width = (text) => [...text].length;

/** Escapes Markdown text: `<`, `>` and `*` outside code spans; pipes too in table cells. */
const text = (value, inCell = false) => {
  const escaped = String(value)
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/[<>*]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '*': '\\*' })[c]),
    )
    .join('');
  return inCell ? escaped.replace(/\|/g, '\\|') : escaped;
};

/** A GFM table with padded columns, as Biome formats Markdown tables. */
const table = (header, rows) => {
  const body = rows.map((cells) => cells.map((c) => text(c, true)));
  const widths = header.map((h, i) => Math.max(3, width(h), ...body.map((cells) => width(cells[i]))));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};

const shown = (flags) => Object.entries(flags ?? {}).filter(([, f]) => f.hidden !== true);

const flagValue = (flag) =>
  Array.isArray(flag.options) && flag.options.length > 0
    ? flag.options.join('|')
    : (flag.helpValue ?? '<value>');

const flagName = (name, flag) => {
  const long = flag.type === 'boolean' && flag.allowNo === true ? `--[no-]${name}` : `--${name}`;
  const withValue = flag.type === 'boolean' ? long : `${long} ${flagValue(flag)}`;
  return flag.char ? `-${flag.char}, ${withValue}` : withValue;
};

const usage = (id, cls) => {
  const parts = [BIN, ...id.split(':')];
  for (const [name, arg] of Object.entries(cls.args ?? {})) {
    const upper = name.toUpperCase();
    parts.push(arg.required === true ? upper : `[${upper}]`);
  }
  for (const [name, flag] of shown(cls.flags)) {
    const long = flag.type === 'boolean' && flag.allowNo === true ? `--[no-]${name}` : `--${name}`;
    const one = flag.type === 'boolean' ? long : `${long} ${flagValue(flag)}`;
    const many = flag.multiple === true ? `${one}...` : one;
    parts.push(flag.required === true ? many : `[${many}]`);
  }
  return parts.join(' ');
};

const range = (flag) => {
  const { min, max } = flag;
  if (typeof min === 'number' && typeof max === 'number') return ` ${min}–${max}`;
  if (typeof min === 'number') return ` ≥ ${min}`;
  if (typeof max === 'number') return ` ≤ ${max}`;
  return '';
};

const typeOf = (flag, integer) => {
  if (flag.type === 'boolean') return 'boolean';
  let type = 'string';
  if (Array.isArray(flag.options) && flag.options.length > 0)
    type = `one of ${flag.options.map((o) => code(o)).join(', ')}`;
  else if (integer !== undefined && String(flag.parse) === integer) type = `integer${range(flag)}`;
  return flag.multiple === true ? `${type}, repeatable` : type;
};

const defaultOf = (value) => {
  if (value === undefined) return '';
  if (typeof value === 'function') return 'computed';
  return code(typeof value === 'string' ? value : JSON.stringify(value));
};

const sentence = (value) => {
  const trimmed = String(value ?? '').trim();
  return trimmed === '' || /[.!?:]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

const flagDescription = (flag) => {
  const notes = [];
  if (flag.required === true) notes.push('Required.');
  if (Array.isArray(flag.dependsOn) && flag.dependsOn.length > 0)
    notes.push(`Needs ${flag.dependsOn.map((d) => code(`--${d}`)).join(', ')}.`);
  if (Array.isArray(flag.exclusive) && flag.exclusive.length > 0)
    notes.push(`Not with ${flag.exclusive.map((d) => code(`--${d}`)).join(', ')}.`);
  return [sentence(flag.description), ...notes].filter((s) => s !== '').join(' ');
};

const example = (id, raw) => {
  const fill = (s) =>
    String(s).replaceAll('<%= config.bin %>', BIN).replaceAll('<%= command.id %>', id.split(':').join(' '));
  if (typeof raw === 'string') return [fill(raw)];
  return [`# ${fill(raw.description).replace(/\s*\n\s*/g, ' ')}`, fill(raw.command)];
};

/** The generated block of one command (without its markers). */
export const commandBlock = ({ id, cls, source, integer }) => {
  const out = [
    `<!-- generated by scripts/gen-cli-docs.mjs from ${source}: edit the command, not this block -->`,
    '',
    `${text(sentence(cls.summary ?? String(cls.description ?? '').split('\n')[0]))}`,
    '',
    '```text',
    usage(id, cls),
    '```',
  ];
  const args = Object.entries(cls.args ?? {});
  if (args.length > 0)
    out.push(
      '',
      table(
        ['Argument', 'Required', 'Default', 'Description'],
        args.map(([name, arg]) => [
          name.toUpperCase(),
          arg.required === true ? 'yes' : '',
          defaultOf(arg.default),
          sentence(arg.description),
        ]),
      ),
    );
  const flags = shown(cls.flags);
  if (flags.length > 0)
    out.push(
      '',
      table(
        ['Flag', 'Type', 'Default', 'Description'],
        flags.map(([name, flag]) => [
          code(flagName(name, flag)),
          typeOf(flag, integer),
          defaultOf(flag.default),
          flagDescription(flag),
        ]),
      ),
    );
  const examples = Array.isArray(cls.examples) ? cls.examples : [];
  if (examples.length > 0)
    out.push('', 'Examples:', '', '```sh', ...examples.flatMap((e) => example(id, e)), '```');
  return out.join('\n');
};

/** The list of every command with its summary, as `cxarchive --help` gives it. */
export const indexBlock = (commands) =>
  [
    '<!-- generated by scripts/gen-cli-docs.mjs from packages/cli/src/commands/: edit the commands, not this table -->',
    '',
    table(
      ['Command', 'What it does'],
      commands.map(({ id, cls }) => [
        code(`${BIN} ${id.split(':').join(' ')}`),
        sentence(cls.summary ?? String(cls.description ?? '').split('\n')[0]),
      ]),
    ),
    '',
    `Also \`${BIN} help [COMMAND]\` and \`${BIN} autocomplete\`, from oclif's plugins ([below](#help-suggestions-and-completion)).`,
  ].join('\n');

// ---------------------------------------------------------------------------------------------
// The document

/**
 * docs/cli.md with every command's block regenerated: `{ text }`, or `{ errors }` naming each
 * missing, unknown, doubled or misordered marker.
 */
export const withCommandBlocks = (doc, commands) => {
  const lines = doc.split('\n');
  const errors = [];
  const found = new Map();
  lines.forEach((line, i) => {
    const m = MARKER.exec(line.trim());
    if (!m) return;
    const entry = found.get(m[1]) ?? { start: [], end: [] };
    entry[m[2]].push(i);
    found.set(m[1], entry);
  });
  const known = new Set(commands.map((c) => c.id));
  for (const id of found.keys())
    if (!known.has(id) && id !== INDEX)
      errors.push(`markers for ${code(id)}, which is not a command (commands: ${[...known].join(', ')})`);
  const spans = [];
  for (const command of commands) {
    const at = found.get(command.id);
    if (!at) {
      errors.push(
        `no block for the command ${code(command.id)}: add the lines "${startMarker(command.id)}" and "${endMarker(command.id)}" to its section`,
      );
      continue;
    }
    if (at.start.length !== 1 || at.end.length !== 1) {
      errors.push(
        `${code(command.id)} needs exactly one "${startMarker(command.id)}" and one "${endMarker(command.id)}"`,
      );
      continue;
    }
    if (at.end[0] < at.start[0]) {
      errors.push(`"${endMarker(command.id)}" comes before "${startMarker(command.id)}"`);
      continue;
    }
    spans.push({ start: at.start[0], end: at.end[0], block: commandBlock(command) });
  }
  const index = found.get(INDEX);
  if (index?.start.length !== 1 || index.end.length !== 1 || index.end[0] < index.start[0])
    errors.push(`needs one list of the commands: "${startMarker(INDEX)}", then "${endMarker(INDEX)}"`);
  else spans.push({ start: index.start[0], end: index.end[0], block: indexBlock(commands) });
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++)
    if (spans[i].start < spans[i - 1].end) errors.push('two command blocks overlap');
  if (errors.length > 0) return { errors };
  const out = [];
  let next = 0;
  for (const span of spans) {
    out.push(...lines.slice(next, span.start + 1), '', span.block, '');
    next = span.end;
  }
  out.push(...lines.slice(next));
  return { text: out.join('\n') };
};
